"""Pages. As thin as the API: parse, call a selector or service, render."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peaceops.accounts.models import SecurityEvent, User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.accounts.services import login_attempt, security_event_record
from peaceops.core.classification import Classification, rank
from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PeaceopsError,
    PermissionDenied,
    ThrottledError,
    ValidationFailed,
)
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.roles import Action
from peaceops.core.taxonomy import SUBTYPES, IncidentType
from peaceops.incidents.models import Casualty, Incident, VerificationStatus
from peaceops.incidents.selectors import (
    IncidentFilters,
    incident_aggregate,
    incident_editable_by,
    incident_get,
    incident_revisions,
)
from peaceops.incidents.selectors_dashboard import (
    DEFAULT_SORT,
    SORTS,
    Cell,
    MissionDashboard,
    assignee_choices,
    dashboard_months,
    incident_triage_page,
    mission_dashboard,
    reviewable_mission_ids,
)
from peaceops.incidents.services import (
    TRANSITIONS,
    incident_assign,
    incident_create,
    incident_reject,
    incident_reopen,
    incident_start_review,
    incident_update,
    incident_verify,
)
from peaceops.incidents.validation import clean_incident
from peaceops.missions.selectors import missions_of_user
from peaceops.web import charts
from peaceops.web.forms import (
    TRIAGE_ACTIONS,
    IncidentEditForm,
    IncidentReportForm,
    SignInForm,
    TriageForm,
    subtype_choices,
)
from peaceops.web.map_views import TYPE_COLOURS, report_map_config, source_choices

PAGE_SIZE = 50
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("geojson", "GeoJSON"), ("parquet", "Parquet"))
SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "fatalities": gettext_lazy("Most fatalities first"),
    "status": gettext_lazy("Verification status"),
}
MAX_BULK = 200


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


# --- incident list and triage ------------------------------------------------------------


def list_url(**params: Any) -> str:
    """The incident list with these filters (empty ones left out)."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value not in (None, ""):
            query[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    url = reverse("web:incident-list")
    return f"{url}?{query.urlencode()}" if query else url


def _parse_date_or_none(value: str) -> dt.date | None:
    """parse_date, but None for a well-formed impossible date (2022-13-01) too."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def _date_param(request: HttpRequest, name: str, problems: list[str]) -> dt.date | None:
    value = request.GET.get(name) or ""
    if not value:
        return None
    parsed = _parse_date_or_none(value) if len(value) == 10 else None
    if parsed is None:
        problems.append(
            _("“%(value)s” is not a date. Give dates as YYYY-MM-DD; that filter was ignored.")
            % {"value": value}
        )
    return parsed


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        return 1


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    filters = IncidentFilters(
        mission=request.GET.get("mission") or None,
        country=request.GET.get("country") or None,
        admin1=request.GET.get("admin1") or None,
        incident_type=request.GET.get("type") or None,
        verification_status=request.GET.get("verification") or None,
        started_from=_date_param(request, "date_from", problems),
        started_to=_date_param(request, "date_to", problems),
        text=request.GET.get("q") or None,
        source=request.GET.get("source") or None,
    )
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT
    try:
        page = incident_triage_page(
            user=request.user,
            filters=filters,
            sort=sort,
            cursor=request.GET.get("cursor"),
            page=_page_number(request),
            limit=PAGE_SIZE,
        )
    except ValidationFailed as exc:
        raise BadRequest(exc.message) from exc

    def with_page(**changes: Any) -> str:
        query = request.GET.copy()
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return query.urlencode()

    next_query = prev_query = None
    if page.next_cursor:
        next_query = with_page(cursor=page.next_cursor)
    elif page.has_next:
        next_query = with_page(page=str(page.page + 1), cursor=None)
    if sort != DEFAULT_SORT and page.page > 1:
        prev_query = with_page(page=str(page.page - 1), cursor=None)

    export_query = QueryDict(mutable=True)  # the list's filter names are the API's
    for name, value in request.GET.items():
        if value and name not in ("cursor", "page", "sort"):
            export_query[name] = value

    reviewable = reviewable_mission_ids(user=request.user)
    may_triage = reviewable is None or bool(reviewable)
    rows = [
        {
            "incident": incident,
            "reviewable": reviewable is None or incident.mission_id in reviewable,
        }
        for incident in page.items
    ]
    triage = may_triage and any(row["reviewable"] for row in rows)
    assignees: list[User] = []
    if triage:
        on_page = {row["incident"].mission_id for row in rows if row["reviewable"]}
        assignees = list(assignee_choices(user=request.user, mission_ids=on_page))
    missions = list(missions_of_user(user=request.user))
    mission = next(
        (m for m in missions if filters.mission and m.acronym.lower() == filters.mission.lower()),
        None,
    )
    return render(
        request,
        "web/incident_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "admin1": filters.admin1,
            "sort": sort,
            "sorts": list(SORT_LABELS.items()),
            "problems": problems,
            "next_query": next_query,
            "prev_query": prev_query,
            "export_query": export_query.urlencode(),
            "export_formats": EXPORT_FORMATS,
            "missions": missions,
            "mission": mission,
            "types": IncidentType.choices,
            "statuses": VerificationStatus.choices,
            "sources": source_choices(request.user),
            "triage": triage,
            "assignees": assignees,
            "list_query": request.GET.urlencode(),
        },
    )


@dataclass(frozen=True)
class Outcome:
    incident_id: int
    result: str  # done, skipped, refused
    reason: str = ""


_TRANSITION_SERVICES = {
    "start_review": incident_start_review,
    "verify": incident_verify,
    "reopen": incident_reopen,
}


def _already_there(user: User, action: str, incident_id: int, assignee: User | None) -> bool:
    """After a version conflict: is the incident already where the action would take it?"""
    try:
        incident = incident_get(user=user, pk=incident_id)
    except NotFound:
        return False
    if action == "assign":
        return incident.assigned_to_id == (assignee.pk if assignee else None)
    return incident.verification_status == TRANSITIONS[action][1]


def _transition_reason(user: User, action: str, incident_id: int, exc: PeaceopsError) -> str:
    """Say which states the action needs, rather than only that it failed."""
    try:
        incident = incident_get(user=user, pk=incident_id)
    except NotFound:
        return exc.message
    allowed = [
        str(VerificationStatus(status).label)
        for status in VerificationStatus.values
        if status in TRANSITIONS[action][0]
    ]
    return _("It is %(status)s; this is possible only when it is %(allowed)s.") % {
        "status": incident.get_verification_status_display(),
        "allowed": _(" or ").join(allowed),
    }


def _perform(
    *,
    user: User,
    action: str,
    incident_id: int,
    version: int,
    reason: str = "",
    assignee: User | None = None,
) -> Outcome:
    """One action on one incident through its service, reported as done, skipped (already in
    that state) or refused (with the reason the service gave)."""
    if _already_there(user, action, incident_id, assignee):
        return Outcome(incident_id, "skipped")
    try:
        if action == "assign":
            incident = incident_assign(
                actor=user, incident_id=incident_id, version=version, assignee=assignee
            )
        elif action == "reject":
            incident = incident_reject(
                actor=user, incident_id=incident_id, version=version, reason=reason
            )
        else:
            incident = _TRANSITION_SERVICES[action](
                actor=user, incident_id=incident_id, version=version
            )
    except ConflictError as exc:
        if _already_there(user, action, incident_id, assignee):
            return Outcome(incident_id, "skipped")
        return Outcome(incident_id, "refused", exc.message)
    except NotFound:
        return Outcome(
            incident_id, "refused", _("It does not exist, or you may not see it any more.")
        )
    except PermissionDenied:
        return Outcome(
            incident_id,
            "refused",
            _("Only verifiers and mission administrators of its mission can do this."),
        )
    except ValidationFailed as exc:
        reasons = [reason for values in exc.fields.values() for reason in values]
        return Outcome(incident_id, "refused", " ".join(reasons) or exc.message)
    except InvalidTransition as exc:
        return Outcome(incident_id, "refused", _transition_reason(user, action, incident_id, exc))
    except PeaceopsError as exc:
        return Outcome(incident_id, "refused", exc.message)
    if incident.version == version:
        return Outcome(incident_id, "skipped")
    return Outcome(incident_id, "done")


def _selection(values: list[str]) -> list[tuple[int, int]]:
    """Checkbox values "id:version" as (id, version) pairs, malformed ones dropped."""
    pairs = []
    for value in values:
        incident_id, _sep, version = value.partition(":")
        if incident_id.isdigit() and version.isdigit():
            pairs.append((int(incident_id), int(version)))
    return list(dict.fromkeys(pairs))


def _assignee(request: HttpRequest, value: str) -> tuple[bool, User | None]:
    """(found, user) for the assignee field: "none" removes the assignment."""
    if value == "none":
        return True, None
    if not value.isdigit():
        return False, None
    user = assignee_choices(user=request.user).filter(pk=int(value)).first()
    return user is not None, user


def _ids(outcomes: list[Outcome]) -> str:
    return ", ".join(f"#{o.incident_id}" for o in outcomes)


def _report_outcomes(request: HttpRequest, action: str, outcomes: list[Outcome]) -> None:
    label = TRIAGE_ACTIONS[action]
    done = [o for o in outcomes if o.result == "done"]
    skipped = [o for o in outcomes if o.result == "skipped"]
    refused = [o for o in outcomes if o.result == "refused"]
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)d incident (%(ids)s).",
                "%(action)s: done for %(count)d incidents (%(ids)s).",
                len(done),
            )
            % {"action": label, "count": len(done), "ids": _ids(done)},
        )
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(action)s: %(count)d incident skipped, it is already in that state (%(ids)s).",
                "%(action)s: %(count)d incidents skipped, they are already in that state "
                "(%(ids)s).",
                len(skipped),
            )
            % {"action": label, "count": len(skipped), "ids": _ids(skipped)},
        )
    for outcome in refused[:10]:
        messages.error(
            request,
            _("%(action)s refused for #%(id)d: %(reason)s")
            % {"action": label, "id": outcome.incident_id, "reason": outcome.reason},
        )
    if len(refused) > 10:
        messages.error(
            request,
            _("%(action)s was refused for %(count)d more incidents: %(ids)s")
            % {"action": label, "count": len(refused) - 10, "ids": _ids(refused[10:])},
        )


def _form_problems(request: HttpRequest, form: TriageForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def incident_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked incidents of the list, each with the version the user
    saw, and come back to the same filtered list with an outcome per incident."""
    form = TriageForm(request.POST)
    back_query = QueryDict(request.POST.get("query") or "").urlencode()
    back = reverse("web:incident-list") + (f"?{back_query}" if back_query else "")
    selected = _selection(request.POST.getlist("incidents"))
    if not selected:
        messages.error(
            request,
            _(
                "Select at least one incident (tick its box in the first column), then choose "
                "an action."
            ),
        )
        return redirect(back)
    if len(selected) > MAX_BULK:
        messages.error(
            request, _("Select at most %(max)d incidents at a time.") % {"max": MAX_BULK}
        )
        return redirect(back)
    if not form.is_valid():
        _form_problems(request, form)
        return redirect(back)
    action = form.cleaned_data["action"]
    assignee = None
    if action == "assign":
        found, assignee = _assignee(request, form.cleaned_data["assignee"])
        if not found:
            messages.error(request, _("Choose the person to assign the incidents to."))
            return redirect(back)
    outcomes = [
        _perform(
            user=request.user,
            action=action,
            incident_id=incident_id,
            version=version,
            reason=form.cleaned_data["reason"],
            assignee=assignee,
        )
        for incident_id, version in selected
    ]
    _report_outcomes(request, action, outcomes)
    return redirect(back)


@login_required
@require_POST
def incident_action(request: HttpRequest, pk: int) -> HttpResponse:
    """A verification action or an assignment from the detail page."""
    back = reverse("web:incident-detail", args=[pk])
    form = TriageForm(request.POST)
    version = request.POST.get("version") or ""
    if not version.isdigit():
        raise BadRequest("version")
    if not form.is_valid():
        _form_problems(request, form)
        return redirect(back)
    action = form.cleaned_data["action"]
    assignee = None
    if action == "assign":
        found, assignee = _assignee(request, form.cleaned_data["assignee"])
        if not found:
            messages.error(request, _("Choose the person to assign the incident to."))
            return redirect(back)
    outcome = _perform(
        user=request.user,
        action=action,
        incident_id=pk,
        version=int(version),
        reason=form.cleaned_data["reason"],
        assignee=assignee,
    )
    label = TRIAGE_ACTIONS[action]
    if outcome.result == "done":
        messages.success(request, _("%(action)s: done.") % {"action": label})
    elif outcome.result == "skipped":
        messages.info(
            request,
            _("%(action)s: nothing to do, the incident is already in that state.")
            % {"action": label},
        )
    else:
        messages.error(
            request,
            _("%(action)s refused: %(reason)s") % {"action": label, "reason": outcome.reason},
        )
    return redirect(back)


# --- incident detail ---------------------------------------------------------------------

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


# --- report an incident ------------------------------------------------------------------


def _report_choices(user: User) -> tuple[list[Any], list[tuple[str, str]]]:
    """Missions where the user may report, and the classifications up to their clearance."""
    scope = access_scope_for_user(user)
    missions = [
        m for m in missions_of_user(user=user) if scope.allows(Action.INCIDENT_CREATE, m.pk)
    ]
    top = max((rank(scope.clearance_for(m.pk) or "public") for m in missions), default=0)
    levels = [(value, str(label)) for value, label in Classification.choices if rank(value) <= top]
    return missions, levels


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    missions, levels = _report_choices(request.user)
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
    _wire_subtypes(form)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "web/incident_form.html",
        {"form": form, "report_map": report_map_config(missions)},
        status=status,
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
    _missions, levels = _report_choices(request.user)
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
    _wire_subtypes(form)
    return render(
        request,
        "web/incident_form.html",
        {
            "form": form,
            "incident": incident,
            "report_map": report_map_config([incident.mission]),
        },
        status=422 if form.is_bound else 200,
    )


def _wire_subtypes(form: IncidentReportForm) -> None:
    """Let htmx refresh the subtype choices when the type changes."""
    form.fields["incident_type"].widget.attrs.update(
        {
            "hx-get": reverse("web:subtype-options"),
            "hx-target": "#id_subtype",
            "hx-swap": "outerHTML",
            "hx-indicator": "#subtype-loading",
        }
    )


@login_required
@require_GET
def subtype_options(request: HttpRequest) -> HttpResponse:
    """The subtype select for one type (htmx swaps it in when the type changes)."""
    select = forms.Select(choices=subtype_choices(request.GET.get("incident_type")))
    return HttpResponse(
        select.render("subtype", None, attrs={"id": "id_subtype", "required": True})
    )


# --- dashboard ---------------------------------------------------------------------------


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _dashboard_context(data: MissionDashboard) -> dict[str, Any]:
    acronym = data.mission.acronym
    months = data.months
    type_labels = dict(IncidentType.choices)
    series = [
        charts.Series(key=t, label=str(type_labels[t]), color=TYPE_COLOURS.get(t, "#666"))
        for t in data.types
    ]

    def month_link(month: dt.date, **params: Any) -> str:
        return list_url(mission=acronym, date_from=month, date_to=_month_end(month), **params)

    categories = [(m, date_format(m, "M Y")) for m in months]
    incidents_chart = charts.stacked_bars(
        title=_("Incidents per month by type, %(mission)s") % {"mission": acronym},
        categories=categories,
        series=series,
        value=lambda m, t: data.by_month_type.get((m, t), Cell()).incidents,
        link=lambda m, t: month_link(m, type=t),
    )
    fatalities_chart = charts.stacked_bars(
        title=_("Fatalities per month by type, %(mission)s") % {"mission": acronym},
        categories=categories,
        series=series,
        value=lambda m, t: data.by_month_type.get((m, t), Cell()).fatalities,
        link=lambda m, t: month_link(m, type=t),
    )
    pk_series = [
        charts.Series(
            key=IncidentType.HOSTILE_ACT_PEACEKEEPERS,
            label=str(IncidentType.HOSTILE_ACT_PEACEKEEPERS.label),
            color=TYPE_COLOURS.get(IncidentType.HOSTILE_ACT_PEACEKEEPERS, "#0b5cad"),
        ),
        charts.Series(
            key=IncidentType.RESTRICTION_OF_MOVEMENT,
            label=str(IncidentType.RESTRICTION_OF_MOVEMENT.label),
            color=TYPE_COLOURS.get(IncidentType.RESTRICTION_OF_MOVEMENT, "#17a3b8"),
        ),
    ]
    pk_by_month = {row.month: row for row in data.peacekeepers}
    peacekeepers_chart = charts.stacked_bars(
        title=_(
            "Hostile acts against peacekeepers and restrictions of movement per month, %(mission)s"
        )
        % {"mission": acronym},
        categories=categories,
        series=pk_series,
        value=lambda m, t: (
            pk_by_month[m].hostile_acts
            if t == IncidentType.HOSTILE_ACT_PEACEKEEPERS
            else pk_by_month[m].restrictions
        ),
        link=lambda m, t: month_link(m, type=t),
    )
    table = [
        {
            "label": label,
            "url": month_link(month),
            "cells": [
                {
                    "value": data.by_month_type.get((month, t), Cell()),
                    "url": month_link(month, type=t),
                }
                for t in data.types
            ],
            "total": data.month_totals[month],
        }
        for month, label in categories
    ]
    period = {"date_from": data.period_start, "date_to": data.period_end}
    return {
        "data": data,
        "series": series,
        "pk_series": pk_series,
        "incidents_chart": incidents_chart,
        "fatalities_chart": fatalities_chart,
        "peacekeepers_chart": peacekeepers_chart,
        "table": table,
        "type_totals": [
            {"total": data.type_totals[t], "url": list_url(mission=acronym, type=t, **period)}
            for t in data.types
        ],
        "peacekeeper_rows": [
            {
                "label": label,
                "row": pk_by_month[month],
                "hostile_url": month_link(month, type=IncidentType.HOSTILE_ACT_PEACEKEEPERS),
                "restrictions_url": month_link(month, type=IncidentType.RESTRICTION_OF_MOVEMENT),
            }
            for month, label in categories
        ],
        "areas": [
            {
                "row": row,
                "url": list_url(
                    mission=acronym, country=row.country_code, admin1=row.admin1, **period
                ),
            }
            for row in data.top_areas
        ],
        "backlog": [
            {
                "label": label,
                "count": data.status_counts[status],
                "url": list_url(mission=acronym, verification=status),
            }
            for status, label in VerificationStatus.choices
        ],
        "period_url": list_url(mission=acronym, **period),
        "unreviewed_url": list_url(
            mission=acronym, verification=VerificationStatus.REPORTED, sort="oldest"
        ),
    }


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The first of the user's missions; an explanation when they have none."""
    mission = missions_of_user(user=request.user).first()
    if mission is None:
        return render(request, "web/dashboard.html", {"mission": None, "missions": []})
    return redirect("web:dashboard", acronym=mission.acronym)


@login_required
def dashboard(request: HttpRequest, acronym: str) -> HttpResponse:
    missions = list(missions_of_user(user=request.user))
    mission = next((m for m in missions if m.acronym.lower() == acronym.lower()), None)
    if mission is None:
        raise Http404
    until = None
    if wanted := request.GET.get("until"):  # YYYY-MM: the last month shown
        until = _parse_date_or_none(f"{wanted}-01") if len(wanted) == 7 else None
        if until is None:
            messages.error(
                request,
                _("“%(value)s” is not a month. Give it as YYYY-MM; showing the last 24 months.")
                % {"value": wanted},
            )
    data = mission_dashboard(user=request.user, mission=mission, until=until)
    context: dict[str, Any] = {"mission": mission, "missions": missions, "data": data}
    if data.total:
        context.update(_dashboard_context(data))
        current = dashboard_months(dt.datetime.now(dt.UTC).date())[-1]
        if data.months[-1] != current:
            context["current_url"] = reverse("web:dashboard", args=[mission.acronym])
        if data.latest and data.latest.date() < data.period_start:
            context["latest_url"] = "?" + QueryDict(f"until={data.latest:%Y-%m}").urlencode()
    scope = access_scope_for_user(request.user)
    context["may_report"] = scope.allows(Action.INCIDENT_CREATE, mission.pk)
    return render(request, "web/dashboard.html", context)
