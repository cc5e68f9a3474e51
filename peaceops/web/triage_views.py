"""Verification actions and assignments: on the ticked incidents of the list (bulk) and
from an incident's page, each through its service, with an outcome per incident."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from peaceops.accounts.models import User
from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PeaceopsError,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.incidents.models import VerificationStatus
from peaceops.incidents.selectors import (
    incident_get,
)
from peaceops.incidents.selectors_dashboard import (
    assignee_choices,
)
from peaceops.incidents.services import (
    TRANSITIONS,
    incident_assign,
    incident_reject,
    incident_reopen,
    incident_start_review,
    incident_verify,
)
from peaceops.web.forms import (
    TRIAGE_ACTIONS,
    TriageForm,
)

MAX_BULK = 200


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
            ngettext(
                "%(action)s was refused for %(count)d more incident: %(ids)s",
                "%(action)s was refused for %(count)d more incidents: %(ids)s",
                len(refused) - 10,
            )
            % {"action": label, "count": len(refused) - 10, "ids": _ids(refused[10:])},
        )


def _parsed_action(
    request: HttpRequest, form: TriageForm, *, no_assignee: str
) -> tuple[str, User | None] | None:
    """The action and, for "assign", the assignee; None once the problems are told."""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return None
    action = form.cleaned_data["action"]
    if action != "assign":
        return action, None
    found, assignee = _assignee(request, form.cleaned_data["assignee"])
    if not found:
        messages.error(request, no_assignee)
        return None
    return action, assignee


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
            request,
            ngettext(
                "Select at most %(max)d incident at a time.",
                "Select at most %(max)d incidents at a time.",
                MAX_BULK,
            )
            % {"max": MAX_BULK},
        )
        return redirect(back)
    parsed = _parsed_action(
        request, form, no_assignee=_("Choose the person to assign the incidents to.")
    )
    if parsed is None:
        return redirect(back)
    action, assignee = parsed
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
    parsed = _parsed_action(
        request, form, no_assignee=_("Choose the person to assign the incident to.")
    )
    if parsed is None:
        return redirect(back)
    action, assignee = parsed
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
