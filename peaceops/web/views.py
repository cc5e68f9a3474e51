"""Pages. As thin as the API: parse, call a selector or service, render."""

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peaceops.accounts.models import SecurityEvent
from peaceops.accounts.services import login_attempt, security_event_record
from peaceops.core.errors import NotFound, ThrottledError, ValidationFailed
from peaceops.incidents.selectors import (
    IncidentFilters,
    incident_aggregate,
    incident_get,
    incident_page,
    incident_revisions,
)
from peaceops.missions.selectors import missions_of_user
from peaceops.web.forms import SignInForm

PAGE_SIZE = 50
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("geojson", "GeoJSON"), ("parquet", "Parquet"))


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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    counts = {row["key"]: row for row in incident_aggregate(user=request.user, group_by="mission")}
    missions = [
        {"mission": mission, "stats": counts.get(mission.acronym)}
        for mission in missions_of_user(user=request.user)
    ]
    return render(request, "web/home.html", {"missions": missions})


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilters(
        mission=request.GET.get("mission") or None,
        incident_type=request.GET.get("type") or None,
        verification_status=request.GET.get("verification") or None,
        text=request.GET.get("q") or None,
    )
    try:
        page = incident_page(
            user=request.user, filters=filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except ValidationFailed as exc:
        raise BadRequest(exc.message) from exc
    next_query = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    export_query = request.GET.copy()
    export_query.pop("cursor", None)  # the list's filter names are the API's
    return render(
        request,
        "web/incident_list.html",
        {
            "page": page,
            "filters": filters,
            "next_query": next_query,
            "export_query": export_query.urlencode(),
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = incident_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    revisions = incident_revisions(user=request.user, incident=incident)
    return render(
        request, "web/incident_detail.html", {"incident": incident, "revisions": revisions}
    )
