"""The worker's `notifications` job: deliver the outbox (Notification rows, written by
outbox.py in the same transaction as the alert change) by email and webhook.

One call delivers one notification:
1. Claim the oldest due one with a conditional update: pending and due, or "sending" with
   an expired lease (its worker died). It becomes "sending", leased for
   NOTIFICATION_LEASE_SECONDS, `attempts` + 1. Two workers never hold the same lease.
2. Send it: email through Django's mail backend (SMTP), or a signed webhook POST.
3. Record the attempt (DeliveryAttempt) and the outcome, in one transaction: "delivered",
   or back to "pending" with exponential back-off, or "failed" after MAX_ATTEMPTS.

At least once: a worker killed after sending and before step 3 leaves the row "sending";
when the lease expires another worker sends it again (logged as an interrupted attempt).
Webhook receivers de-duplicate by the X-Peaceops-Delivery header (the notification id).
Nothing is lost: a row leaves the outbox only as "delivered" or, after about 13 hours of
retries, "failed" (ADR 0016).
"""

import http.client
import json
import logging
import random
import smtplib
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peaceops.core.taxonomy import IncidentType
from peaceops.warning.inbound import SIGNATURE_HEADER, signature
from peaceops.warning.models import (
    AlertStatus,
    DeliveryAttempt,
    Notification,
    Severity,
    Subscription,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)
JITTER = 0.1  # each delay is moved by up to ±10 %, so failed receivers are not hit in step
EVENT_HEADER, DELIVERY_HEADER = "X-Peaceops-Event", "X-Peaceops-Delivery"
DETAIL_MAX = 500


class DeliveryFailed(Exception):
    """The receiver did not take the notification; the message says why."""


def backoff(attempts: int) -> timedelta:
    """The wait after failed attempt number `attempts` (1, 2, ...): 30 s doubling up to 1 h.
    Twenty attempts span about 13 hours."""
    delay = min(FIRST_DELAY * 2 ** (attempts - 1), LONGEST_DELAY)
    return delay * random.uniform(1 - JITTER, 1 + JITTER)


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def notification_claim_next(*, now: datetime) -> Notification | None:
    """Take the next due notification; None when nothing is due."""
    due = Q(status=Notification.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Notification.Status.SENDING, lease_until__lt=now
    )
    candidates = Notification.objects.filter(due).order_by("next_attempt_at", "pk")
    for pk in candidates.values_list("pk", flat=True)[:10]:
        claimed = Notification.objects.filter(due, pk=pk).update(
            status=Notification.Status.SENDING,
            lease_until=now + _lease(),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        if claimed:
            notification = Notification.objects.select_related("subscription").get(pk=pk)
            _log_interrupted(notification)
            return notification
    return None


def _log_interrupted(notification: Notification) -> None:
    """Attempts whose worker died before recording them go into the log as interrupted."""
    missing = notification.attempts - 1 - notification.attempt_log.count()
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            notification=notification,
            at=timezone.now(),
            ok=False,
            detail="interrupted: the worker stopped before recording the outcome",
        )
        for _ in range(max(missing, 0))
    )


def _email(notification: Notification) -> str:
    alert = notification.payload["alert"]
    values = {
        "mission": alert["mission"],
        "title": alert["title"],
        "severity": Severity(alert["severity"]).label,
    }
    with translation.override(settings.LANGUAGE_CODE):
        if notification.event == "escalated":
            subject = _("[%(mission)s] Alert raised to %(severity)s: %(title)s") % values
        else:
            subject = _("[%(mission)s] New %(severity)s alert: %(title)s") % values
        body = _(
            "Alert #%(id)s, %(mission)s\n\n%(title)s\n\n"
            "Severity: %(severity)s\nThreat type: %(threat_type)s\nStatus: %(status)s\n"
            "Location: %(location)s\nReceived: %(received_at)s\n\n"
            "You receive this because of a notification subscription of %(mission)s. "
            "Replies to this address are not read."
        ) % {
            **values,
            "id": alert["id"],
            "threat_type": IncidentType(alert["threat_type"]).label,
            "status": AlertStatus(alert["status"]).label,
            "location": alert["location_name"] or "-",
            "received_at": alert["received_at"],
        }
    message = EmailMessage(
        subject=" ".join(subject.split())[:250],
        body=body,
        to=[notification.target],
        headers={DELIVERY_HEADER: str(notification.pk), EVENT_HEADER: notification.event},
    )
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    return "sent by SMTP"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer other than 2xx: a failure, retried later


_opener = urllib.request.build_opener(_NoRedirect)


def _webhook(notification: Notification) -> str:
    body = json.dumps({**notification.payload, "delivery": notification.pk}).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "peaceops-webhook/1",
        EVENT_HEADER: notification.event,
        DELIVERY_HEADER: str(notification.pk),
    }
    if notification.subscription.secret:
        headers[SIGNATURE_HEADER] = signature(notification.subscription.secret, body)
    request = urllib.request.Request(notification.target, data=body, headers=headers)
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            return f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise DeliveryFailed(f"{type(exc.reason).__name__}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


SENDERS = {Subscription.Channel.EMAIL: _email, Subscription.Channel.WEBHOOK: _webhook}


def _record(notification: Notification, *, ok: bool, detail: str) -> str:
    """Log the attempt and set the outcome (if this worker still holds the claim) in one
    transaction: a worker killed between the two writes would leave a successful attempt
    logged on a row still "sending", and the next worker would log a second one."""
    now = timezone.now()
    detail = detail[:DETAIL_MAX]
    if ok:
        status, changes = Notification.Status.DELIVERED, {"delivered_at": now, "last_error": ""}
    elif notification.attempts >= MAX_ATTEMPTS or not notification.subscription.active:
        status, changes = Notification.Status.FAILED, {"last_error": detail}
    else:
        status = Notification.Status.PENDING
        changes = {"next_attempt_at": now + backoff(notification.attempts), "last_error": detail}
    with transaction.atomic():
        DeliveryAttempt.objects.create(notification=notification, at=now, ok=ok, detail=detail)
        Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.SENDING, attempts=notification.attempts
        ).update(status=status, lease_until=None, updated_at=now, **changes)
    return status


def notification_deliver(notification: Notification) -> str:
    """Send a claimed notification once and record what happened. Returns the new status."""
    if not notification.subscription.active:
        return _record(notification, ok=False, detail="not sent: the subscription was removed")
    if notification.attempts > MAX_ATTEMPTS:  # its workers kept dying: stop trying
        return _record(notification, ok=False, detail="not sent: too many interrupted attempts")
    try:
        detail = SENDERS[notification.channel](notification)
    except DeliveryFailed as exc:
        return _record(notification, ok=False, detail=str(exc))
    except Exception as exc:  # a bug must not leave it "sending" for ever: record, retry
        logger.exception("notification %s", notification.pk)
        return _record(notification, ok=False, detail=f"{type(exc).__name__}: {exc}")
    return _record(notification, ok=True, detail=detail)


def deliver_next(now: datetime | None = None) -> str | None:
    """The worker job: deliver one due notification. `now` is for tests (time travel)."""
    notification = notification_claim_next(now=now or timezone.now())
    if notification is None:
        return None
    status = notification_deliver(notification)
    return (
        f"notification {notification.pk} ({notification.channel}, alert "
        f"{notification.alert_id}, attempt {notification.attempts}): {status}"
    )
