"""The SMS gateway webhook through HTTP: authentication, payload shapes, one alert per
message id, the raw message kept, refusals with reasons."""

import json
import threading
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from peaceops.core.roles import Role
from peaceops.testing.factories import member
from peaceops.warning.channel_config import sms_gateway_create, subscription_create
from peaceops.warning.inbound import signature
from peaceops.warning.models import Alert, AlertEvent, InboundMessage, Notification


@pytest.fixture
def hq_mission(mission):
    mission.hq_name, mission.hq_latitude, mission.hq_longitude = "Bangui", 4.3947, 18.5582
    mission.save(update_fields=["hq_name", "hq_latitude", "hq_longitude"])
    return mission


def make_gateway(mission, *, auth="hmac", slug="orange-caf", classification="internal"):
    analyst = member(mission, Role.ANALYST)
    gateway, secret = sms_gateway_create(
        actor=analyst, mission=mission, slug=slug, auth=auth, classification=classification
    )
    return gateway, secret


def post_json(slug, payload, *, secret=None, sign_with=None, headers=None):
    body = json.dumps(payload).encode()
    extra = dict(headers or {})
    if secret is not None:
        extra["HTTP_X_PEACEOPS_SECRET"] = secret
    if sign_with is not None:
        extra["HTTP_X_PEACEOPS_SIGNATURE"] = signature(sign_with, body)
    return Client().post(
        f"/api/v1/sms/{slug}/inbound", body, content_type="application/json", **extra
    )


MESSAGE = {
    "id": "SM-0001",
    "from": "+236 72 00 00 01",
    "text": "Armed men on motorbikes entering Ndele from the north\nabout 40, since 5am",
    "timestamp": "2026-11-21T05:40:00Z",
}


def test_a_signed_json_message_becomes_one_sms_alert_with_the_raw_message_kept(hq_mission):
    gateway, secret = make_gateway(hq_mission, classification="confidential")

    answer = post_json(gateway.slug, MESSAGE, sign_with=secret)

    assert answer.status_code == 200, answer.content
    alert = Alert.objects.get()
    assert answer.json() == {"alert_id": alert.pk, "duplicate": False}
    assert (alert.mission, alert.source, alert.classification, alert.severity) == (
        hq_mission,
        "sms",
        "confidential",
        "medium",
    )
    assert alert.title == "Armed men on motorbikes entering Ndele from the north"
    assert alert.description == MESSAGE["text"]
    assert alert.threat_type == "other"
    assert (alert.latitude, alert.longitude, alert.location_precision) == (
        4.3947,
        18.5582,
        "country",
    )
    assert alert.location_name == "Bangui (mission headquarters: the SMS gave no location)"
    assert alert.received_at == datetime(2026, 11, 21, 5, 40, tzinfo=UTC)
    assert alert.created_by is None
    message = InboundMessage.objects.get()
    assert (message.gateway, message.message_id, message.sender, message.alert) == (
        gateway,
        "SM-0001",
        "+236 72 00 00 01",
        alert,
    )
    assert message.raw == MESSAGE
    assert list(alert.events.values_list("kind", "actor", "details")) == [
        ("created", None, {"gateway": "orange-caf", "message_id": "SM-0001"})
    ]


def test_a_twilio_style_form_with_the_shared_secret_is_accepted(hq_mission):
    gateway, secret = make_gateway(hq_mission, auth="shared_secret")
    form = {"MessageSid": "SM9f2c", "From": "+23672000002", "Body": "Gunfire heard in Bria"}

    answer = Client().post(
        f"/api/v1/sms/{gateway.slug}/inbound",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_PEACEOPS_SECRET=secret,
    )

    assert answer.status_code == 200, answer.content
    message = InboundMessage.objects.get()
    assert (message.message_id, message.sender, message.body) == (
        "SM9f2c",
        "+23672000002",
        "Gunfire heard in Bria",
    )
    assert message.raw == form
    assert message.alert.title == "Gunfire heard in Bria"


def test_the_same_message_delivered_twice_creates_one_alert(hq_mission):
    gateway, secret = make_gateway(hq_mission)

    first = post_json(gateway.slug, MESSAGE, sign_with=secret)
    again = post_json(gateway.slug, {**MESSAGE, "text": "resent"}, sign_with=secret)

    alert = Alert.objects.get()
    assert first.json() == {"alert_id": alert.pk, "duplicate": False}
    assert again.status_code == 200
    assert again.json() == {"alert_id": alert.pk, "duplicate": True}
    assert InboundMessage.objects.get().body == MESSAGE["text"]
    assert AlertEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_from_two_threads_create_one_alert(hq_mission):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them (test above)")
    gateway, secret = make_gateway(hq_mission)
    barrier, answers = threading.Barrier(2), []

    def deliver() -> None:
        barrier.wait()
        try:
            answers.append(post_json(gateway.slug, MESSAGE, sign_with=secret).json())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    alert = Alert.objects.get()
    assert sorted(a["duplicate"] for a in answers) == [False, True]
    assert {a["alert_id"] for a in answers} == {alert.pk}
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("auth", "headers"),
    [
        ("shared_secret", {"HTTP_X_PEACEOPS_SECRET": "not-the-secret"}),
        ("shared_secret", {}),
        ("shared_secret", {"HTTP_X_PEACEOPS_SIGNATURE": "sha256=00"}),
        ("hmac", {"HTTP_X_PEACEOPS_SIGNATURE": "sha256=" + "0" * 64}),
        ("hmac", {"HTTP_X_PEACEOPS_SIGNATURE": "not even the form"}),
        ("hmac", {}),
    ],
)
def test_a_wrong_or_missing_secret_or_signature_is_refused_without_details(
    hq_mission, auth, headers
):
    gateway, secret = make_gateway(hq_mission, auth=auth)
    if auth == "hmac" and not headers:
        headers = {"HTTP_X_PEACEOPS_SECRET": secret}  # the secret itself is no signature

    answer = post_json(gateway.slug, MESSAGE, headers=headers)

    assert answer.status_code == 401
    assert answer.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "The gateway's secret or signature is missing or wrong.",
            "fields": {},
        }
    }
    assert InboundMessage.objects.count() == Alert.objects.count() == 0


def test_a_signature_of_another_body_is_refused(hq_mission):
    gateway, secret = make_gateway(hq_mission)
    body = json.dumps(MESSAGE).encode()
    tampered = json.dumps({**MESSAGE, "text": "All calm"}).encode()

    answer = Client().post(
        f"/api/v1/sms/{gateway.slug}/inbound",
        tampered,
        content_type="application/json",
        HTTP_X_PEACEOPS_SIGNATURE=signature(secret, body),
    )

    assert answer.status_code == 401
    assert Alert.objects.count() == 0


def test_an_unknown_or_inactive_gateway_is_not_found(hq_mission):
    gateway, secret = make_gateway(hq_mission)
    gateway.active = False
    gateway.save(update_fields=["active"])

    for slug in (gateway.slug, "no-such-gateway"):
        answer = post_json(slug, MESSAGE, sign_with=secret)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        (
            json.dumps({"from": "+236", "timestamp": "yesterday"}),
            "application/json",
            {
                "id": ["Give the gateway's message id (id, message_id or MessageSid)."],
                "text": ["Give the message text (text, body or message)."],
                "timestamp": ["Give a Unix time or an ISO 8601 date and time."],
            },
        ),
        (
            json.dumps({"id": "x" * 201, "text": "  "}),
            "application/json",
            {
                "id": ["A message id is at most 200 characters."],
                "text": ["Give the message text (text, body or message)."],
            },
        ),
        ("{not json", "application/json", {"body": ["This is not valid JSON."]}),
        ("[1, 2]", "application/json", {"body": ["Send a JSON object."]}),
        (
            "<sms/>",
            "application/xml",
            {"body": ["Send JSON or form-encoded fields (application/x-www-form-urlencoded)."]},
        ),
        (
            "From=%2B236",
            "application/x-www-form-urlencoded",
            {
                "id": ["Give the gateway's message id (id, message_id or MessageSid)."],
                "text": ["Give the message text (text, body or message)."],
            },
        ),
    ],
)
def test_a_malformed_payload_is_refused_naming_the_field(hq_mission, body, content_type, fields):
    gateway, secret = make_gateway(hq_mission)

    answer = Client().post(
        f"/api/v1/sms/{gateway.slug}/inbound",
        body.encode(),
        content_type=content_type,
        HTTP_X_PEACEOPS_SIGNATURE=signature(secret, body.encode()),
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "bad_request"
    assert error["fields"] == fields
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "threat_type", "title"),
    [
        ("ALERT clash Fighting near Kaga", "armed_clash", "Fighting near Kaga"),
        ("alerte: attaque Zemio\n3 blesses", "violence_against_civilians", "Zemio"),
        ("Alert ROADBLOCK", "restriction_of_movement", "Alert ROADBLOCK"),
        ("ALERT displacement_x families leaving", "other", "ALERT displacement_x families leaving"),
        ("ALERT natural_hazard River rising at Mobaye", "natural_hazard", "River rising at Mobaye"),
        ("Heavy shooting " + "x" * 400, "other", "Heavy shooting " + "x" * 284 + "…"),
    ],
)  # fmt: skip
def test_the_keyword_sets_the_threat_type_and_the_title_is_the_first_line(
    hq_mission, text, threat_type, title
):
    gateway, secret = make_gateway(hq_mission)

    post_json(gateway.slug, {"message_id": "k1", "sender": "+236", "body": text}, sign_with=secret)

    alert = Alert.objects.get()
    assert (alert.threat_type, alert.title, alert.description) == (threat_type, title, text)


def test_without_mission_headquarters_the_alert_has_no_point(mission):
    gateway, secret = make_gateway(mission)

    answer = post_json(gateway.slug, MESSAGE, sign_with=secret)

    alert = Alert.objects.get(pk=answer.json()["alert_id"])
    assert (alert.latitude, alert.longitude, alert.location_precision, alert.location_name) == (
        None,
        None,
        "country",
        "",
    )


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (1763703600, datetime(2025, 11, 21, 5, 40, tzinfo=UTC)),
        ("1763703600000", datetime(2025, 11, 21, 5, 40, tzinfo=UTC)),
        ("2025-11-21 06:40:00+01:00", datetime(2025, 11, 21, 5, 40, tzinfo=UTC)),
        ("2025-11-21 05:40:00", datetime(2025, 11, 21, 5, 40, tzinfo=UTC)),
    ],
)
def test_gateway_time_stamps_in_unix_or_iso_form(hq_mission, stamp, expected):
    gateway, secret = make_gateway(hq_mission)

    post_json(gateway.slug, {**MESSAGE, "timestamp": stamp}, sign_with=secret)

    assert Alert.objects.get().received_at == expected
    assert InboundMessage.objects.get().received_at == expected


def test_a_time_stamp_in_the_future_gives_way_to_the_time_of_arrival(hq_mission):
    gateway, secret = make_gateway(hq_mission)
    before = datetime.now(tz=UTC)

    post_json(gateway.slug, {**MESSAGE, "timestamp": "2099-01-01T00:00:00Z"}, sign_with=secret)

    assert before <= Alert.objects.get().received_at <= datetime.now(tz=UTC)


def test_an_sms_alert_is_notified_like_any_new_alert(hq_mission):
    gateway, secret = make_gateway(hq_mission)
    analyst = member(hq_mission, Role.ANALYST)
    subscription_create(
        actor=analyst,
        mission=hq_mission,
        channel="email",
        address="joc@example.org",
        min_severity="medium",
    )
    subscription_create(
        actor=analyst, mission=hq_mission, channel="email", address="high@example.org"
    )

    post_json(gateway.slug, MESSAGE, sign_with=secret)

    assert list(Notification.objects.values_list("event", "target", "status")) == [
        ("new", "joc@example.org", "pending")
    ]


def test_a_browser_session_needs_no_csrf_token_for_the_gateway_endpoint(hq_mission, analyst):
    gateway, secret = make_gateway(hq_mission)
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    body = json.dumps(MESSAGE).encode()

    answer = client.post(
        f"/api/v1/sms/{gateway.slug}/inbound",
        body,
        content_type="application/json",
        HTTP_X_PEACEOPS_SIGNATURE=signature(secret, body),
    )

    assert answer.status_code == 200
