"""The notification worker job against real receivers: an SMTP server and HTTP servers
started by the tests. Time moves by passing `now` to the job."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from peaceops.core.roles import Role
from peaceops.testing.factories import member
from peaceops.testing.warning_factories import raise_alert
from peaceops.warning.channel_config import subscription_create, subscription_remove
from peaceops.warning.delivery import (
    MAX_ATTEMPTS,
    backoff,
    deliver_next,
    notification_claim_next,
)
from peaceops.warning.models import DeliveryAttempt, Notification
from peaceops.warning.services import alert_escalate


def subscribe(mission, **values):
    values.setdefault("min_severity", "medium")
    subscription, secret = subscription_create(
        actor=member(mission, Role.ANALYST), mission=mission, **values
    )
    return subscription, secret


def attempts(notification):
    return list(notification.attempt_log.values_list("ok", "detail"))


def test_email_is_delivered_to_a_real_smtp_server(mission, smtp_server):
    subscribe(mission, channel="email", address="joc@example.org")
    alert = raise_alert(mission, title="Armed men near the Bambari market")
    notification = Notification.objects.get()

    line = deliver_next()

    assert line == f"notification {notification.pk} (email, alert {alert.pk}, attempt 1): delivered"
    (message,) = smtp_server
    assert message["To"] == "joc@example.org"
    assert message["X-Envelope-To"] == "joc@example.org"
    assert message["Subject"] == "[MINUSCA] New High alert: Armed men near the Bambari market"
    assert message["X-Peaceops-Delivery"] == str(notification.pk)
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith(f"Alert #{alert.pk}, MINUSCA\n\nArmed men near the Bambari market\n")
    assert "Severity: High\nThreat type: Violence against civilians\nStatus: New\n" in body
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.lease_until) == (
        "delivered",
        1,
        None,
    )
    assert notification.delivered_at is not None
    assert attempts(notification) == [(True, "sent by SMTP")]
    assert deliver_next() is None


def test_a_role_is_addressed_to_its_members_cleared_for_the_alert(mission, smtp_server):
    cleared = member(mission, Role.ANALYST, "confidential")
    cleared.email = "cleared@example.org"
    low = member(mission, Role.ANALYST, "internal")
    low.email = "low@example.org"
    reporter = member(mission, Role.REPORTER, "confidential")
    reporter.email = "reporter@example.org"
    for user in (cleared, low, reporter):
        user.save(update_fields=["email"])
    subscribe(mission, channel="email", role="analyst", max_classification="confidential")

    raise_alert(mission, actor=cleared, classification="confidential")
    while deliver_next():
        pass

    assert [m["To"] for m in smtp_server] == ["cleared@example.org"]


def test_severity_filters_and_escalation_notifies_the_higher_level(mission, smtp_server):
    subscribe(mission, channel="email", address="all@example.org", min_severity="low")
    subscribe(mission, channel="email", address="critical@example.org", min_severity="critical")
    responder = member(mission, Role.ANALYST)
    alert = raise_alert(mission, severity="medium")

    alert = alert_escalate(
        actor=responder, alert_id=alert.pk, version=alert.version, severity="critical"
    )
    while deliver_next():
        pass

    sent = sorted((m["To"], m["Subject"].split("]")[1].split(":")[0]) for m in smtp_server)
    assert sent == [
        ("all@example.org", " Alert raised to Critical"),
        ("all@example.org", " New Medium alert"),
        ("critical@example.org", " Alert raised to Critical"),
    ]


def test_a_webhook_is_signed_and_carries_event_and_delivery_id(mission, webhook_receiver):
    subscription, secret = subscribe(mission, channel="webhook", address=webhook_receiver.url)
    alert = raise_alert(mission)
    notification = Notification.objects.get()

    deliver_next()

    (delivery,) = webhook_receiver.received
    expected = "sha256=" + hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert len(secret) >= 32
    assert delivery.headers["X-Peaceops-Signature"] == expected
    assert delivery.headers["X-Peaceops-Event"] == "new"
    assert delivery.headers["X-Peaceops-Delivery"] == str(notification.pk)
    assert delivery.headers["Content-Type"] == "application/json"
    payload = delivery.json()
    assert (payload["event"], payload["delivery"], payload["alert"]["id"]) == (
        "new",
        notification.pk,
        alert.pk,
    )
    assert payload["alert"]["mission"] == "MINUSCA"
    assert attempts(notification) == [(True, "HTTP 200")]


def test_a_receiver_that_is_down_gets_the_message_later(mission, down_receiver):
    subscribe(mission, channel="webhook", address=down_receiver.url)
    raise_alert(mission)
    notification = Notification.objects.get()

    before = timezone.now()
    deliver_next()

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.last_error.startswith("ConnectionRefusedError")
    wait = notification.next_attempt_at - before
    assert timedelta(seconds=27) <= wait <= timedelta(seconds=34)
    assert deliver_next() is None  # not due yet: nothing is sent early

    down_receiver.start()
    deliver_next(now=timezone.now() + timedelta(minutes=1))

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("delivered", 2)
    assert [ok for ok, _detail in attempts(notification)] == [False, True]
    assert len(down_receiver.received) == 1


def test_an_error_answer_is_retried_with_growing_delays_then_fails(mission, webhook_receiver):
    webhook_receiver.status = 503
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    notification = Notification.objects.get()
    later = timezone.now()

    waits = []
    for _ in range(MAX_ATTEMPTS):
        later += timedelta(hours=2)
        assert deliver_next(now=later) is not None
        notification.refresh_from_db()
        waits.append(notification.next_attempt_at - notification.updated_at)

    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)
    assert attempts(notification) == [(False, "HTTP 503")] * MAX_ATTEMPTS
    assert len(webhook_receiver.received) == MAX_ATTEMPTS
    assert timedelta(seconds=54) <= waits[1] <= timedelta(seconds=66)
    assert timedelta(minutes=54) <= waits[10] <= timedelta(minutes=66)
    assert deliver_next(now=later + timedelta(days=1)) is None


def test_a_redirect_is_not_followed(mission, webhook_receiver):
    webhook_receiver.status = 302
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)

    deliver_next()

    assert Notification.objects.get().last_error == "HTTP 302"


def test_a_claim_whose_worker_died_is_sent_again_after_the_lease(mission, webhook_receiver):
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    now = timezone.now()
    claimed = notification_claim_next(now=now)  # and the worker dies before sending

    assert claimed.status == "sending"
    assert deliver_next(now=now + timedelta(seconds=60)) is None  # still leased
    deliver_next(now=now + timedelta(minutes=3))

    claimed.refresh_from_db()
    assert (claimed.status, claimed.attempts) == ("delivered", 2)
    assert attempts(claimed) == [
        (False, "interrupted: the worker stopped before recording the outcome"),
        (True, "HTTP 200"),
    ]


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, and no `except Exception` catches it."""


def test_a_worker_killed_while_recording_leaves_no_half_written_outcome(
    mission, webhook_receiver, monkeypatch
):
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    now = timezone.now()
    update = QuerySet.update

    def killed_on_the_outcome(queryset, **changes):
        if queryset.model is Notification and changes.get("status") == "delivered":
            raise Killed  # after the attempt row was written, before the outcome
        return update(queryset, **changes)

    with monkeypatch.context() as patched:
        patched.setattr(QuerySet, "update", killed_on_the_outcome)
        with pytest.raises(Killed):
            deliver_next(now=now)

    notification = Notification.objects.get()
    assert (notification.status, attempts(notification)) == ("sending", [])
    deliver_next(now=now + timedelta(minutes=3))  # the next worker, after the lease

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("delivered", 2)
    assert attempts(notification) == [
        (False, "interrupted: the worker stopped before recording the outcome"),
        (True, "HTTP 200"),
    ]
    assert [d.headers["X-Peaceops-Delivery"] for d in webhook_receiver.received] == [
        str(notification.pk)
    ] * 2


def test_two_claims_never_take_the_same_notification(mission, webhook_receiver):
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    now = timezone.now()

    assert notification_claim_next(now=now) is not None
    assert notification_claim_next(now=now) is None


def test_a_removed_subscription_is_not_sent(mission, webhook_receiver):
    subscription, _secret = subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    subscription_remove(actor=member(mission, Role.ANALYST), subscription_id=subscription.pk)

    deliver_next()

    notification = Notification.objects.get()
    assert notification.status == "failed"
    assert attempts(notification) == [(False, "not sent: the subscription was removed")]
    assert webhook_receiver.received == []


def test_an_unreachable_smtp_server_is_retried(mission, settings, down_receiver):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", down_receiver.port
    subscribe(mission, channel="email", address="joc@example.org")
    raise_alert(mission)

    deliver_next()

    notification = Notification.objects.get()
    assert notification.status == "pending"
    assert notification.last_error.startswith("ConnectionRefusedError")
    assert DeliveryAttempt.objects.filter(ok=False).count() == 1


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 27, 33), (2, 54, 66), (4, 216, 264), (8, 3240, 3960), (20, 3240, 3960)],
)
def test_back_off_doubles_from_30_seconds_up_to_an_hour_with_jitter(attempt, low, high):
    delays = [backoff(attempt).total_seconds() for _ in range(50)]
    assert all(low <= delay <= high for delay in delays)
    assert len(set(delays)) > 1


def test_an_unexpected_error_is_recorded_and_retried_not_left_sending(mission, smtp_server):
    odd = member(mission, Role.ANALYST, "confidential")
    odd.email = "joc@example.org\nBcc: everyone@example.org"  # a bad row, not via the forms
    odd.save(update_fields=["email"])
    subscribe(mission, channel="email", role="analyst")
    raise_alert(mission)

    deliver_next()

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.last_error.startswith("ValueError: Invalid address")
    assert smtp_server == []


def test_a_notification_whose_workers_keep_dying_fails_after_the_last_attempt(
    mission, webhook_receiver
):
    subscribe(mission, channel="webhook", address=webhook_receiver.url)
    raise_alert(mission)
    later = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        later += timedelta(minutes=5)
        assert notification_claim_next(now=later) is not None  # each worker dies after this

    deliver_next(now=later + timedelta(minutes=5))

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS + 1)
    log = attempts(notification)
    assert log[-1] == (False, "not sent: too many interrupted attempts")
    assert len(log) == MAX_ATTEMPTS + 1
    assert webhook_receiver.received == []
