"""Reporting an incident and editing one: the form (with its casualty and source rows),
the service's reasons next to the fields, and nothing typed lost on a problem."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peaceops.core.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Action
from peaceops.incidents.selectors import (
    incident_editable_by,
    incident_get,
)
from peaceops.incidents.services import (
    incident_create,
    incident_update,
)
from peaceops.incidents.validation import clean_incident
from peaceops.web.forms import IncidentEditForm, IncidentReportForm, subtype_options
from peaceops.web.map_views import report_map_config
from peaceops.web.writable import missions_and_levels


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    missions, levels = missions_and_levels(request.user, Action.INCIDENT_CREATE)
    if not missions:
        return render(request, "web/incident_form.html", {"form": None}, status=403)
    form_kwargs: dict[str, Any] = {
        "missions": missions,
        "classifications": levels,
        "label_suffix": "",
    }
    if request.method == "GET":
        wanted = (request.GET.get("mission") or "").lower()
        chosen = next((m for m in missions if m.acronym.lower() == wanted), None)
        initial = {"mission": chosen.pk} if chosen else {}
        form = IncidentReportForm(initial=initial, **form_kwargs)
    else:
        form = IncidentReportForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                incident = incident_create(
                    actor=request.user,
                    mission=form.cleaned_data["mission"],
                    **form.service_values(),
                )
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            except PermissionDenied:
                form.add_error("mission", _("You may not report incidents in this mission."))
            else:
                messages.success(
                    request,
                    _("Incident reported. It is waiting for a verifier to review it."),
                )
                return redirect("web:incident-detail", pk=incident.pk)
        else:
            # Show every problem at once: the service's checks run on what did parse.
            try:
                clean_incident(form.service_values())
            except ValidationFailed as exc:
                form.add_service_errors(exc)
        messages.error(
            request,
            _(
                "The incident was not saved yet. Correct the fields marked below and send it "
                "again; everything you typed is still here."
            ),
        )
    return render(
        request,
        "web/incident_form.html",
        {
            "form": form,
            "report_map": report_map_config(missions),
            "subtype_options": subtype_options(),
        },
        status=422 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = incident_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    if not incident_editable_by(user=request.user, incident=incident):
        return render(
            request, "web/incident_form.html", {"form": None, "incident": incident}, status=403
        )
    _missions, levels = missions_and_levels(request.user, Action.INCIDENT_CREATE)
    form_kwargs: dict[str, Any] = {
        "incident": incident,
        "classifications": levels,
        "label_suffix": "",
    }
    if request.method == "GET":
        form = IncidentEditForm(**form_kwargs)
    else:
        form = IncidentEditForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                incident_update(
                    actor=request.user,
                    incident_id=incident.pk,
                    version=form.cleaned_data["version"],
                    changes=form.changes(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            except PermissionDenied:
                form.add_error(None, _("You may no longer edit this incident."))
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("web:incident-detail", pk=incident.pk)
        messages.error(
            request,
            _(
                "Your changes were not saved yet. Correct what is marked below and save "
                "again; everything you typed is still here."
            ),
        )
    return render(
        request,
        "web/incident_form.html",
        {
            "form": form,
            "incident": incident,
            "report_map": report_map_config([incident.mission]),
            "subtype_options": subtype_options(),
        },
        status=422 if form.is_bound else 200,
    )
