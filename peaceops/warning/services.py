"""The only code that writes alerts and responses. Each function is one transaction, checks
the acting user against the access policy, and appends to the alert's timeline.

Concurrency: a change is a conditional update on (id, version). Of two analysts who
acknowledge the same alert at once, one update matches; the other gets a ConflictError that
says who got there first.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import AccessScope, restrict
from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Action
from peaceops.incidents.models import Incident
from peaceops.missions.models import Mission
from peaceops.warning.models import (
    OPEN_STATUSES,
    SEVERITY_ORDER,
    Alert,
    AlertEvent,
    AlertStatus,
    Response,
)
from peaceops.warning.outbox import enqueue_notifications
from peaceops.warning.validation import RESPONSE_FIELDS, clean_alert, clean_response

S = AlertStatus

# status -> statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.FALSE_ALARM, S.DUPLICATE}),
    S.ACKNOWLEDGED: frozenset({S.RESPONSE_PLANNED, S.RESPONDED, S.FALSE_ALARM, S.DUPLICATE}),
    S.RESPONSE_PLANNED: frozenset({S.RESPONDED, S.FALSE_ALARM, S.DUPLICATE}),
    S.RESPONDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.ACKNOWLEDGED}),
    S.FALSE_ALARM: frozenset({S.ACKNOWLEDGED}),
    S.DUPLICATE: frozenset({S.ACKNOWLEDGED}),
}
CLOSING = frozenset({S.CLOSED, S.FALSE_ALARM, S.DUPLICATE})
NEEDS_REASON = frozenset({S.FALSE_ALARM, S.DUPLICATE})


def _check_clearance(scope: AccessScope, mission_id: int, classification: str) -> None:
    if not scope.can_see(mission_id, classification):
        raise ValidationFailed(
            {"classification": [_("You cannot classify above your own clearance.")]}
        )


def _event(alert: Alert, kind: str, *, actor: User | None, **fields: Any) -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert, kind=kind, at=timezone.now(), actor=actor, **fields
    )


def alert_raise(*, actor: User, mission: Mission, **values: Any) -> Alert:
    """A person raises an alert (field staff, a community network, a hotline operator)."""
    scope = access_scope_for_user(actor)
    if not scope.allows(Action.ALERT_RAISE, mission.pk):
        raise PermissionDenied()
    cleaned = clean_alert(values, mission=mission)
    _check_clearance(scope, mission.pk, cleaned["classification"])
    with transaction.atomic():
        alert = Alert.objects.create(mission=mission, created_by=actor, **cleaned)
        _event(alert, AlertEvent.Kind.CREATED, actor=actor, to_status=alert.status)
        enqueue_notifications(alert, event="new", event_key="new")
    return alert


def _locked(actor: User, alert_id: int, action: Action) -> tuple[AccessScope, Alert]:
    scope = access_scope_for_user(actor)
    alert = (
        restrict(Alert.objects.select_for_update(), scope)
        .select_related("mission")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound()
    if not scope.allows(action, alert.mission_id):
        raise PermissionDenied()
    return scope, alert


def _conflict(alert_id: int) -> ConflictError:
    current = Alert.objects.get(pk=alert_id)
    last = current.events.exclude(actor=None).select_related("actor").order_by("-at", "-id")
    last = last.first()
    who = (last.actor.get_full_name() or last.actor.username) if last else _("someone")
    return ConflictError(
        _(
            "This alert was changed by %(who)s at %(when)s while you were looking at it; "
            "it is now %(status)s. Reload it to see the change."
        )
        % {
            "who": who,
            "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S"),
            "status": current.get_status_display(),
        }
    )


def _save_if_current(alert: Alert, version: int, **changes: Any) -> None:
    """Apply `changes` only if nobody changed the alert since `version` was read."""
    changes["updated_at"] = timezone.now()
    matched = Alert.objects.filter(pk=alert.pk, version=version).update(
        version=version + 1, **changes
    )
    if not matched:
        raise _conflict(alert.pk)
    for field, value in changes.items():
        setattr(alert, field, value)
    alert.version = version + 1


@transaction.atomic
def alert_transition(
    *, actor: User, alert_id: int, version: int, to_status: str, reason: str = ""
) -> Alert:
    """Move an alert along its workflow; who, when and why go on the timeline."""
    _scope, alert = _locked(actor, alert_id, Action.ALERT_RESPOND)
    if to_status not in S.values:
        raise ValidationFailed({"status": [_("Unknown status.")]})
    if alert.version != version:
        raise _conflict(alert.pk)
    if to_status not in TRANSITIONS[alert.status]:
        raise InvalidTransition(
            _("An alert that is %(status)s cannot become %(target)s.")
            % {"status": alert.get_status_display(), "target": S(to_status).label}
        )
    if to_status in NEEDS_REASON and not reason.strip():
        raise ValidationFailed({"reason": [_("Say why.")]})
    if to_status == S.RESPONDED and not alert.responses.exists():
        raise InvalidTransition(_("Record the response first, then mark the alert responded."))
    now = timezone.now()
    changes: dict[str, Any] = {"status": to_status}
    if to_status == S.ACKNOWLEDGED and alert.acknowledged_at is None:
        changes["acknowledged_at"] = now
    changes["closed_at"] = now if to_status in CLOSING else None
    before = alert.status
    _save_if_current(alert, version, **changes)
    _event(
        alert,
        AlertEvent.Kind.STATUS,
        actor=actor,
        from_status=before,
        to_status=to_status,
        reason=reason.strip(),
    )
    return alert


@transaction.atomic
def alert_assign(*, actor: User, alert_id: int, version: int, unit: str) -> Alert:
    _scope, alert = _locked(actor, alert_id, Action.ALERT_RESPOND)
    unit = unit.strip()
    if len(unit) > 200:
        raise ValidationFailed({"assigned_unit": [_("Keep it under 200 characters.")]})
    _save_if_current(alert, version, assigned_unit=unit)
    _event(alert, AlertEvent.Kind.ASSIGNED, actor=actor, details={"unit": unit})
    return alert


@transaction.atomic
def alert_escalate(
    *, actor: User, alert_id: int, version: int, severity: str, reason: str = ""
) -> Alert:
    """Raise the severity; subscribers of the new level hear about it."""
    _scope, alert = _locked(actor, alert_id, Action.ALERT_RESPOND)
    if severity not in SEVERITY_ORDER:
        raise ValidationFailed({"severity": [_("Unknown severity.")]})
    if SEVERITY_ORDER.index(severity) <= SEVERITY_ORDER.index(alert.severity):
        raise ValidationFailed({"severity": [_("Choose a higher severity than the current one.")]})
    _save_if_current(alert, version, severity=severity)
    _record_escalation(alert, actor=actor, reason=reason)
    return alert


def _record_escalation(alert: Alert, *, actor: User | None, reason: str) -> None:
    _event(
        alert,
        AlertEvent.Kind.ESCALATED,
        actor=actor,
        reason=reason.strip(),
        details={"severity": alert.severity},
    )
    enqueue_notifications(alert, event="escalated", event_key=f"escalated:{alert.severity}")


@transaction.atomic
def alert_link_incident(*, actor: User, alert_id: int, incident_id: int) -> Alert:
    scope, alert = _locked(actor, alert_id, Action.ALERT_RESPOND)
    incident = restrict(Incident.objects.all(), scope).filter(pk=incident_id).first()
    if incident is None or incident.mission_id != alert.mission_id:
        raise ValidationFailed({"incident_id": [_("No such incident in this mission.")]})
    if not alert.incidents.filter(pk=incident.pk).exists():
        alert.incidents.add(incident)
        _event(alert, AlertEvent.Kind.LINKED, actor=actor, details={"incident": incident.pk})
    return alert


@transaction.atomic
def response_add(*, actor: User, alert_id: int, **values: Any) -> Response:
    """Record an action taken (or why none was possible)."""
    _scope, alert = _locked(actor, alert_id, Action.ALERT_RESPOND)
    if alert.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Reopen the alert before recording a response."))
    cleaned = clean_response(values)
    response = Response.objects.create(alert=alert, created_by=actor, **cleaned)
    if alert.first_response_at is None or response.started_at < alert.first_response_at:
        Alert.objects.filter(pk=alert.pk).update(first_response_at=response.started_at)
    _event(
        alert,
        AlertEvent.Kind.RESPONSE,
        actor=actor,
        details={"response": response.pk, "kind": response.kind},
    )
    return response


RESPONSE_UPDATABLE = frozenset({"completed_at", "outcome", "outcome_notes", "description", "unit"})


@transaction.atomic
def response_update(*, actor: User, response_id: int, **changes: Any) -> Response:
    """Complete a response or record its outcome."""
    scope = access_scope_for_user(actor)
    response = (
        Response.objects.select_for_update()
        .filter(pk=response_id, alert__in=restrict(Alert.objects.all(), scope))
        .select_related("alert")
        .first()
    )
    if response is None:
        raise NotFound()
    if not scope.allows(Action.ALERT_RESPOND, response.alert.mission_id):
        raise PermissionDenied()
    unknown = set(changes) - RESPONSE_UPDATABLE
    if unknown:
        raise ValidationFailed({field: [_("Unknown field.")] for field in sorted(unknown)})
    current = {field: getattr(response, field) for field in RESPONSE_FIELDS}
    cleaned = clean_response({**current, **changes})
    for field in RESPONSE_UPDATABLE:
        setattr(response, field, cleaned[field])
    response.save()
    _event(
        response.alert,
        AlertEvent.Kind.RESPONSE,
        actor=actor,
        details={"response": response.pk, "outcome": response.outcome},
    )
    return response
