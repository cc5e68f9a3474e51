"""Rule firings become alerts: one situation opens one alert; while it is open, repeated
triggers attach to it (linking any new incidents) instead of opening another.

Idempotent: a firing whose fingerprint (rule, situation, newest incident or forecast) is
already on the timeline of any alert of that rule and situation changes nothing, so
evaluating the same data twice, or on a schedule and on a save, adds nothing. Concurrent
evaluations cannot open two alerts for one situation: a partial unique constraint allows
one open alert per (rule, situation), and the loser attaches to the winner's alert.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from peaceops.core.classification import rank
from peaceops.warning.models import (
    OPEN_STATUSES,
    Alert,
    AlertEvent,
    AlertSource,
    Rule,
)
from peaceops.warning.outbox import enqueue_notifications
from peaceops.warning.rule_kinds import Firing


def _already_seen(rule: Rule, firing: Firing) -> bool:
    return AlertEvent.objects.filter(
        alert__rule=rule, alert__situation=firing.situation, fingerprint=firing.fingerprint
    ).exists()


def _open_alert(rule: Rule, firing: Firing) -> Alert | None:
    return (
        Alert.objects.select_for_update()
        .filter(rule=rule, situation=firing.situation, status__in=OPEN_STATUSES)
        .first()
    )


def _create(rule: Rule, firing: Firing) -> Alert:
    now = timezone.now()
    alert = Alert.objects.create(
        mission_id=rule.mission_id,
        source=AlertSource.FORECAST if rule.kind == Rule.Kind.FORECAST else AlertSource.RULE,
        threat_type=firing.threat_type,
        title=firing.title[:300],
        latitude=firing.latitude,
        longitude=firing.longitude,
        area_id=firing.area_id,
        location_precision=firing.location_precision,
        location_name=firing.location_name[:300],
        severity=rule.severity,
        received_at=now,
        classification=firing.classification,
        rule=rule,
        situation=firing.situation,
    )
    alert.incidents.add(*firing.incident_ids)
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEvent.Kind.CREATED,
        at=now,
        to_status=alert.status,
        details=firing.why,
        fingerprint=firing.fingerprint,
    )
    enqueue_notifications(alert, event="new", event_key="new")
    return alert


def _attach(alert: Alert, firing: Firing) -> None:
    links = Alert.incidents.through
    linked = set(links.objects.filter(alert_id=alert.pk).values_list("incident_id", flat=True))
    new_ids = set(firing.incident_ids) - linked
    links.objects.bulk_create([links(alert_id=alert.pk, incident_id=pk) for pk in new_ids])
    if rank(firing.classification) > rank(alert.classification):  # never below its sources
        Alert.objects.filter(pk=alert.pk).update(
            version=alert.version + 1, classification=firing.classification
        )
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEvent.Kind.TRIGGERED,
        at=timezone.now(),
        details={**firing.why, "new_incidents": sorted(new_ids)},
        fingerprint=firing.fingerprint,
    )


def apply_firing(rule: Rule, firing: Firing) -> tuple[Alert, bool] | None:
    """Open or update the alert for `firing`. Returns (alert, created), or None when this
    firing was already recorded."""
    if _already_seen(rule, firing):  # the common case on a re-run: no write transaction
        return None
    with transaction.atomic():
        if _already_seen(rule, firing):  # recorded by a concurrent evaluation meanwhile
            return None
        alert = _open_alert(rule, firing)
        if alert is not None:
            _attach(alert, firing)
            return alert, False
        try:
            with transaction.atomic():
                return _create(rule, firing), True
        except IntegrityError:  # another evaluation opened it a moment ago
            alert = _open_alert(rule, firing)
            if alert is None:
                raise
            if not _already_seen(rule, firing):
                _attach(alert, firing)
            return alert, False
