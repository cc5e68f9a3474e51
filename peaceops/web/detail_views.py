"""An incident's page: every field, casualties, graded sources, the revision history in
readable words, and the actions the user may take."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.classification import Classification
from peaceops.core.errors import (
    NotFound,
)
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.roles import Action
from peaceops.core.taxonomy import SUBTYPES, IncidentType
from peaceops.incidents.models import Casualty, Incident, VerificationStatus
from peaceops.incidents.selectors import (
    incident_editable_by,
    incident_get,
    incident_revisions,
)
from peaceops.incidents.selectors_dashboard import (
    assignee_choices,
)
from peaceops.incidents.services import (
    TRANSITIONS,
)
from peaceops.web.forms import (
    TRIAGE_ACTIONS,
)

FIELD_LABELS = {
    "incident_type": gettext_lazy("Type"),
    "subtype": gettext_lazy("Subtype"),
    "title": gettext_lazy("Title"),
    "narrative": gettext_lazy("Narrative"),
    "narrative_language": gettext_lazy("Narrative language"),
    "started_at": gettext_lazy("Started"),
    "ended_at": gettext_lazy("Ended"),
    "date_precision": gettext_lazy("Date precision"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "location_precision": gettext_lazy("Location precision"),
    "location_name": gettext_lazy("Place name"),
    "country_code": gettext_lazy("Country"),
    "admin1": gettext_lazy("Admin 1"),
    "admin2": gettext_lazy("Admin 2"),
    "classification": gettext_lazy("Classification"),
    "priogrid_gid": gettext_lazy("PRIO-GRID cell"),
    "fatalities": gettext_lazy("Fatalities"),
    "injured": gettext_lazy("Injured"),
    "casualties": gettext_lazy("Casualties"),
    "sources": gettext_lazy("Sources"),
    "actors": gettext_lazy("Actors"),
    "verification_status": gettext_lazy("Status"),
    "rejection_reason": gettext_lazy("Reason for rejection"),
    "assigned_to": gettext_lazy("Assigned to"),
}

_CHOICES: dict[str, Any] = {
    "incident_type": IncidentType,
    "date_precision": DatePrecision,
    "location_precision": LocationPrecision,
    "classification": Classification,
    "verification_status": VerificationStatus,
}


def _choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def subtype_label(incident_type: str, subtype: str) -> str:
    return str(SUBTYPES.get(incident_type, {}).get(subtype, subtype))


def _readable(field: str, value: Any, incident_type: str) -> str:
    """One value of a revision's diff, as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field in _CHOICES:
        return _choice_label(_CHOICES[field], value)
    if field == "subtype":
        return subtype_label(incident_type, value)
    if field in ("started_at", "ended_at") and isinstance(value, str):
        moment = parse_datetime(value)
        return date_format(moment, "DATETIME_FORMAT") if moment else value
    if field == "casualties":
        return "; ".join(
            f"{_choice_label(Casualty.Category, row.get('category'))}, "
            f"{_choice_label(Casualty.Outcome, row.get('outcome')).lower()}: {row.get('best')}"
            for row in value
        )
    if field == "sources":
        return "; ".join(
            f"{row.get('name')} ({row.get('reliability')}{row.get('credibility')})" for row in value
        )
    if field == "actors":
        return "; ".join(f"{row.get('name')} ({row.get('side')})" for row in value)
    return str(value)


def revision_entries(revisions: Any, incident: Incident) -> list[dict[str, Any]]:
    """Each revision with its changes as (field label, old, new) in readable words. The first
    values of a created incident are listed apart, as they have no previous value."""
    entries = []
    for revision in revisions:
        changes = revision.changes or {}
        types = changes.get("incident_type") or [incident.incident_type] * 2
        initial = revision.version == 1  # the first values: nothing to compare with
        rows = [
            {
                "field": FIELD_LABELS.get(field, field),
                "old": _readable(field, old, types[0] or incident.incident_type),
                "new": _readable(field, new, types[1] or incident.incident_type),
            }
            for field, (old, new) in changes.items()
            if not (initial and new in (None, "", []))
        ]
        entries.append({"revision": revision, "initial": initial, "changes": rows})
    return entries


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = incident_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    revisions = list(incident_revisions(user=request.user, incident=incident))
    scope = access_scope_for_user(request.user)
    may_review = scope.allows(Action.INCIDENT_REVIEW, incident.mission_id)
    actions = []
    assignees: list[User] = []
    if may_review:
        actions = [
            (name, TRIAGE_ACTIONS[name])
            for name in ("start_review", "verify", "reject", "reopen")
            if incident.verification_status in TRANSITIONS[name][0]
        ]
        assignees = list(assignee_choices(user=request.user, mission_ids={incident.mission_id}))
    return render(
        request,
        "web/incident_detail.html",
        {
            "incident": incident,
            "subtype_label": subtype_label(incident.incident_type, incident.subtype),
            "revisions": revision_entries(revisions, incident),
            "may_review": may_review,
            "actions": actions,
            "assignees": assignees,
            "may_edit": incident_editable_by(user=request.user, incident=incident),
            "edit_url": reverse("web:incident-edit", args=[incident.pk]),
        },
    )
