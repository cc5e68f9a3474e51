"""Signing in and out."""

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peaceops.accounts.models import SecurityEvent
from peaceops.accounts.services import login_attempt, security_event_record
from peaceops.core.errors import (
    ThrottledError,
)
from peaceops.web.forms import (
    SignInForm,
)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ThrottledError as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            if user is not None:
                login(request, user)
                return redirect("web:home")
            form.add_error(None, _("User name or password is wrong."))
            status = 401
    return render(request, "web/sign_in.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        security_event_record(kind=SecurityEvent.Kind.LOGOUT, user=request.user, request=request)
    logout(request)
    return redirect("web:login")
