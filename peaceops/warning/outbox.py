"""Notifications are written to an outbox in the same transaction as the alert change they
report, so a crash can never lose one. The worker delivers them (delivery.py).

Addressing: each active subscription of the alert's mission whose minimum severity the alert
reaches and whose classification ceiling covers the alert; a role subscription expands to
the email of every member of the mission holding that role whose clearance covers the alert.
`event_key` makes enqueueing the same event twice a no-op (rule re-evaluation is idempotent).
"""

from django.utils import timezone

from peaceops.accounts.models import Membership
from peaceops.core.classification import levels_from
from peaceops.warning.models import SEVERITY_ORDER, Alert, Notification, Subscription


def alert_payload(alert: Alert, event: str) -> dict[str, object]:
    return {
        "event": event,
        "alert": {
            "id": alert.pk,
            "mission": alert.mission.acronym,
            "title": alert.title,
            "threat_type": alert.threat_type,
            "severity": alert.severity,
            "status": alert.status,
            "source": alert.source,
            "received_at": alert.received_at.isoformat(),
            "latitude": alert.latitude,
            "longitude": alert.longitude,
            "location_name": alert.location_name,
            "classification": alert.classification,
        },
    }


def _targets(subscription: Subscription, alert: Alert) -> list[str]:
    if subscription.channel == Subscription.Channel.WEBHOOK or not subscription.role:
        return [subscription.address] if subscription.address else []
    members = Membership.objects.filter(
        mission_id=alert.mission_id,
        role=subscription.role,
        clearance__in=levels_from(alert.classification),
        user__is_active=True,
    ).exclude(user__email="")
    return sorted(set(members.values_list("user__email", flat=True)))


def enqueue_notifications(alert: Alert, *, event: str, event_key: str) -> int:
    """Write the outbox rows for `event` ("new" or "escalated") of `alert` (rows already
    there for the same event and target are left alone). Returns how many were addressed.
    Call inside the transaction that made the change."""
    severities = SEVERITY_ORDER[: SEVERITY_ORDER.index(alert.severity) + 1]
    subscriptions = Subscription.objects.filter(
        mission_id=alert.mission_id,
        active=True,
        min_severity__in=severities,
        max_classification__in=levels_from(alert.classification),
    ).order_by("pk")
    now = timezone.now()
    payload = alert_payload(alert, event)
    rows = [
        Notification(
            alert=alert,
            subscription=subscription,
            event=event,
            event_key=f"{alert.pk}:{event_key}",
            channel=subscription.channel,
            target=target,
            payload=payload,
            next_attempt_at=now,
        )
        for subscription in subscriptions
        for target in _targets(subscription, alert)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
