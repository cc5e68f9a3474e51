"""Configuring the channels through the API: SMS gateways, subscriptions, and an alert's
notifications with their delivery log. Who may do what, and that refusals change nothing."""

import pytest
from django.test import Client

from peaceops.core.roles import Role
from peaceops.testing.clients import client_for
from peaceops.testing.factories import member
from peaceops.testing.warning_factories import raise_alert
from peaceops.warning.delivery import deliver_next
from peaceops.warning.inbound import signature
from peaceops.warning.models import Alert, SmsGateway, Subscription


def post(user, path, payload):
    return client_for(user).post(f"/api/v1{path}", payload, content_type="application/json")


def test_an_analyst_adds_a_gateway_and_sees_its_secret_once(mission, analyst):
    answer = post(analyst, "/missions/minusca/sms-gateways", {"slug": "Orange-CAF"})

    assert answer.status_code == 201, answer.content
    created = answer.json()
    gateway = SmsGateway.objects.get()
    assert created["secret"] == gateway.secret
    assert len(created["secret"]) >= 40
    assert {k: created[k] for k in ("mission", "slug", "auth", "classification", "active")} == {
        "mission": "MINUSCA",
        "slug": "orange-caf",
        "auth": "hmac",
        "classification": "internal",
        "active": True,
    }
    listed = client_for(analyst).get("/api/v1/missions/MINUSCA/sms-gateways").json()
    assert [g["slug"] for g in listed] == ["orange-caf"]
    assert "secret" not in listed[0]


def test_gateway_refusals(mission, analyst, other_mission):
    post(analyst, "/missions/MINUSCA/sms-gateways", {"slug": "orange-caf"})

    same = post(analyst, "/missions/MINUSCA/sms-gateways", {"slug": "orange-caf"})
    bad = post(
        analyst,
        "/missions/MINUSCA/sms-gateways",
        {"slug": "no spaces", "auth": "basic", "classification": "strictly_confidential"},
    )

    assert same.status_code == 409
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "slug": ["Use up to 50 letters, digits, hyphens or underscores."],
        "auth": ["Choose one of: shared_secret, hmac."],
        "classification": ["You cannot classify above your own clearance."],
    }
    assert SmsGateway.objects.count() == 1


def test_a_deactivated_gateway_is_refused_and_its_alerts_stay(mission, analyst, other_mission):
    created = post(analyst, "/missions/MINUSCA/sms-gateways", {"slug": "orange-caf"}).json()
    body = b'{"id": "1", "text": "Gunfire in Bria"}'
    headers = {"HTTP_X_PEACEOPS_SIGNATURE": signature(created["secret"], body)}
    inbound = "/api/v1/sms/orange-caf/inbound"
    first = Client().post(inbound, body, content_type="application/json", **headers)
    path = f"/api/v1/sms-gateways/{created['id']}"

    outsider = client_for(member(other_mission, Role.ANALYST)).delete(path)
    reporter = client_for(member(mission, Role.REPORTER)).delete(path)
    removed = client_for(analyst).delete(path)
    later = Client().post(inbound, body, content_type="application/json", **headers)

    assert first.status_code == 200
    assert (outsider.status_code, reporter.status_code, removed.status_code) == (404, 403, 204)
    assert later.status_code == 404
    assert SmsGateway.objects.get().active is False
    assert Alert.objects.count() == 1


@pytest.mark.parametrize("who", ["reporter", "other_analyst", "hq_reader"])
def test_only_the_missions_configurers_see_and_add_gateways(mission, other_mission, who):
    user = {
        "reporter": lambda: member(mission, Role.REPORTER),
        "other_analyst": lambda: member(other_mission, Role.ANALYST),
        "hq_reader": lambda: member(None, Role.HQ_READER),
    }[who]()

    listed = client_for(user).get("/api/v1/missions/MINUSCA/sms-gateways")
    added = post(user, "/missions/MINUSCA/sms-gateways", {"slug": "x"})

    assert (listed.status_code, added.status_code) == (403, 403)
    assert SmsGateway.objects.count() == 0


def test_subscriptions_by_address_role_and_webhook(mission, analyst):
    email = post(
        analyst,
        "/missions/MINUSCA/subscriptions",
        {"channel": "email", "address": "joc@example.org", "min_severity": "medium"},
    )
    role = post(analyst, "/missions/MINUSCA/subscriptions", {"channel": "email", "role": "analyst"})
    hook = post(
        analyst,
        "/missions/MINUSCA/subscriptions",
        {
            "channel": "webhook",
            "address": "https://ops.example.org/hook",
            "max_classification": "confidential",
        },
    )

    assert (email.status_code, role.status_code, hook.status_code) == (201, 201, 201)
    assert email.json()["secret"] is None
    assert hook.json()["secret"] == Subscription.objects.get(channel="webhook").secret
    listed = client_for(analyst).get("/api/v1/missions/MINUSCA/subscriptions").json()
    assert [
        (s["channel"], s["address"], s["role"], s["min_severity"], s["max_classification"])
        for s in listed
    ] == [
        ("email", "joc@example.org", "", "medium", "internal"),
        ("email", "", "analyst", "high", "internal"),
        ("webhook", "https://ops.example.org/hook", "", "high", "confidential"),
    ]
    assert all("secret" not in s for s in listed)


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (
            {"channel": "email", "address": "joc@example.org", "role": "analyst"},
            {"address": ["Give either an email address or a role, not both."]},
        ),
        ({"channel": "email", "address": "joc"}, {"address": ["This is not an email address."]}),
        (
            {"channel": "email", "role": "chief"},
            {
                "role": [
                    "Choose one of: reporter, analyst, verifier, mission_admin, hq_reader, "
                    "system_admin."
                ]
            },
        ),
        (
            {"channel": "webhook", "address": "file:///etc/passwd", "secret": "short"},
            {
                "address": ["Give the webhook's http or https URL."],
                "secret": ["Use at least 16 characters, or leave it out to get one."],
            },
        ),
        (
            {"channel": "sms", "min_severity": "extreme"},
            {
                "channel": ["Choose one of: email, webhook."],
                "min_severity": ["Choose one of: low, medium, high, critical."],
            },
        ),
        (
            {"channel": "email", "role": "analyst", "max_classification": "strictly_confidential"},
            {"max_classification": ["You cannot classify above your own clearance."]},
        ),
    ],
)
def test_bad_subscriptions_are_refused_by_field(mission, analyst, payload, fields):
    answer = post(analyst, "/missions/MINUSCA/subscriptions", payload)

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == fields
    assert Subscription.objects.count() == 0


def test_removing_a_subscription_keeps_its_row_and_hides_it(mission, analyst, other_mission):
    created = post(
        analyst, "/missions/MINUSCA/subscriptions", {"channel": "email", "role": "analyst"}
    )
    path = f"/api/v1/subscriptions/{created.json()['id']}"

    outsider = client_for(member(other_mission, Role.ANALYST)).delete(path)
    reporter = client_for(member(mission, Role.REPORTER)).delete(path)
    removed = client_for(analyst).delete(path)
    again = client_for(analyst).delete(path)

    assert (outsider.status_code, reporter.status_code) == (404, 403)
    assert (removed.status_code, again.status_code) == (204, 404)
    assert Subscription.objects.get().active is False
    assert client_for(analyst).get("/api/v1/missions/MINUSCA/subscriptions").json() == []


def test_an_alerts_notifications_with_their_delivery_log(
    mission, analyst, other_mission, webhook_receiver, django_assert_max_num_queries
):
    for _ in range(3):
        post(
            analyst,
            "/missions/MINUSCA/subscriptions",
            {"channel": "webhook", "address": webhook_receiver.url},
        )
    alert = raise_alert(mission)
    webhook_receiver.status = 500
    deliver_next()
    webhook_receiver.status = 204
    deliver_next()
    path = f"/api/v1/alerts/{alert.pk}/notifications"
    client = client_for(analyst)

    with django_assert_max_num_queries(8):
        answer = client.get(path)

    assert answer.status_code == 200
    rows = answer.json()
    assert [(n["event"], n["status"], n["attempts"]) for n in rows] == [
        ("new", "pending", 1),
        ("new", "delivered", 1),
        ("new", "pending", 0),
    ]
    assert [[(a["ok"], a["detail"]) for a in n["attempt_log"]] for n in rows] == [
        [(False, "HTTP 500")],
        [(True, "HTTP 204")],
        [],
    ]
    assert rows[0]["last_error"] == "HTTP 500"
    assert client_for(member(other_mission, Role.ANALYST)).get(path).status_code == 404
    assert client_for(member(mission, Role.REPORTER)).get(path).status_code == 403
