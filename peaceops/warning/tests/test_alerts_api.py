import json
from datetime import UTC, datetime, timedelta

from django.test import Client

from peaceops.core.roles import Role
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member
from peaceops.testing.warning_factories import alert_values, make_rule, raise_alert
from peaceops.warning.models import Alert, Response


def post_json(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_raise_acknowledge_respond_close_through_the_api(mission, reporter, analyst):
    created = post_json(
        client_for(reporter), "/api/v1/alerts", {"mission": "MINUSCA", **alert_values()}
    )
    assert created.status_code == 201
    alert = created.json()
    assert (alert["status"], alert["severity"], alert["version"]) == ("new", "high", 1)
    assert [event["kind"] for event in alert["events"]] == ["created"]

    client = client_for(analyst)
    path = f"/api/v1/alerts/{alert['id']}"
    acknowledged = post_json(client, f"{path}/transition", {"version": 1, "status": "acknowledged"})
    assert acknowledged.json()["status"] == "acknowledged"
    response = post_json(
        client, f"{path}/responses", {"kind": "patrol", "unit": "BANBAT", "description": "Patrol"}
    )
    assert response.status_code == 201
    patched = client.patch(
        f"/api/v1/responses/{response.json()['id']}",
        json.dumps({"outcome": "prevented", "completed_at": datetime.now(UTC).isoformat()}),
        content_type="application/json",
    )
    assert patched.json()["outcome"] == "prevented"
    responded = post_json(client, f"{path}/transition", {"version": 2, "status": "responded"})
    closed = post_json(client, f"{path}/transition", {"version": 3, "status": "closed"})
    assert (responded.status_code, closed.status_code) == (200, 200)
    body = closed.json()
    assert body["status"] == "closed"
    assert [(e["kind"], e["to_status"]) for e in body["events"]] == [
        ("created", "new"),
        ("status", "acknowledged"),
        ("response", ""),
        ("response", ""),
        ("status", "responded"),
        ("status", "closed"),
    ]
    assert body["responses"][0]["outcome"] == "prevented"


def test_a_stale_acknowledgement_gets_409_with_a_clear_message(mission, analyst):
    alert = raise_alert(mission)
    first = post_json(
        client_for(member(mission, Role.ANALYST)),
        f"/api/v1/alerts/{alert.pk}/transition",
        {"version": 1, "status": "acknowledged"},
    )
    second = post_json(
        client_for(analyst),
        f"/api/v1/alerts/{alert.pk}/transition",
        {"version": 1, "status": "acknowledged"},
    )
    assert first.status_code == 200
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "conflict"
    assert "it is now Acknowledged" in error["message"]


def test_bad_input_names_the_field(mission, reporter):
    response = post_json(
        client_for(reporter),
        "/api/v1/alerts",
        {"mission": "MINUSCA", **alert_values(threat_type="ghosts", latitude=None)},
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"threat_type", "latitude"}
    assert fields["latitude"] == ["Give both latitude and longitude, or neither."]
    assert Alert.objects.count() == 0


def test_lists_counts_and_the_map_layer_follow_the_access_policy(mission, other_mission):
    public = raise_alert(mission, classification="internal")
    secret = raise_alert(
        mission,
        actor=member(mission, Role.ANALYST),
        classification="confidential",
        title="Informant report",
    )
    raise_alert(other_mission)
    internal_reader = member(mission, Role.REPORTER, "internal")
    listed = client_for(internal_reader).get("/api/v1/alerts").json()["items"]
    assert [item["id"] for item in listed] == [public.pk]
    assert client_for(internal_reader).get(f"/api/v1/alerts/{secret.pk}").status_code == 404
    features = client_for(internal_reader).get("/api/v1/alerts/geojson").json()["features"]
    assert [feature["id"] for feature in features] == [public.pk]
    metrics = client_for(internal_reader).get("/api/v1/alert-metrics").json()
    assert [row["received"] for row in metrics] == [1]
    assert client_for(None).get("/api/v1/alerts").status_code == 401


def test_metrics_per_month(mission, analyst):
    received = datetime(2026, 9, 10, 8, 0, tzinfo=UTC)
    first = raise_alert(mission, received_at=received)
    raise_alert(mission, received_at=received + timedelta(days=1))
    raise_alert(mission, received_at=datetime(2026, 11, 2, tzinfo=UTC))
    Alert.objects.filter(pk=first.pk).update(
        acknowledged_at=received + timedelta(minutes=30),
        first_response_at=received + timedelta(hours=2),
    )
    Response.objects.create(
        alert=first, kind="patrol", started_at=received + timedelta(hours=2), outcome="mitigated"
    )

    rows = client_for(analyst).get("/api/v1/alert-metrics?mission=MINUSCA").json()

    assert [row["month"] for row in rows] == ["2026-09-01", "2026-10-01", "2026-11-01"]
    september = rows[0]
    assert september == {
        "month": "2026-09-01",
        "received": 2,
        "acknowledged": 1,
        "responded": 1,
        "false_alarms": 0,
        "duplicates": 0,
        "open": 2,
        "share_responded": 0.5,
        "median_minutes_to_acknowledge": 30.0,
        "median_minutes_to_respond": 120.0,
        "outcomes": {"mitigated": 1},
    }
    assert rows[1]["received"] == 0


def test_rules_are_configured_previewed_and_evaluated(mission, analyst, reporter):
    client = client_for(analyst)
    created = post_json(
        client,
        "/api/v1/rules",
        {
            "mission": "MINUSCA",
            "name": "Clashes in one prefecture",
            "kind": "threshold",
            "incident_types": ["armed_clash"],
            "parameters": {"min_incidents": 2, "window_days": 3},
        },
    )
    assert created.status_code == 201
    rule = created.json()
    assert rule["parameters"] == {"window_days": 3, "min_incidents": 2, "group_by": "admin1"}
    recent = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    make_incident(mission, started_at=recent)
    make_incident(mission, started_at=recent)

    preview = client.get(f"/api/v1/rules/{rule['id']}/preview").json()
    assert [firing["situation"] for firing in preview] == ["admin1:Ouaka"]
    assert preview[0]["explanation"] == ("2 incidents (threshold 2) in Ouaka within 3 days.")
    assert Alert.objects.count() == 0

    evaluated = client.post("/api/v1/rules/evaluate?mission=MINUSCA").json()
    assert evaluated == {"rules": 1, "firings": 1, "opened": 1, "attached": 0}
    alert = Alert.objects.get()
    detail = client.get(f"/api/v1/alerts/{alert.pk}").json()
    assert detail["events"][0]["explanation"] == "2 incidents (threshold 2) in Ouaka within 3 days."

    refused = post_json(
        client_for(reporter),
        "/api/v1/rules",
        {"mission": "MINUSCA", "name": "x", "kind": "spike"},
    )
    assert refused.status_code == 403
    switched_off = client.patch(
        f"/api/v1/rules/{rule['id']}",
        json.dumps({"version": 1, "active": False}),
        content_type="application/json",
    )
    assert switched_off.json()["active"] is False


def test_rule_preview_hides_firings_from_incidents_above_the_readers_clearance(mission):
    rule = make_rule(mission, kind="threshold", parameters={"min_incidents": 1})
    make_incident(
        mission,
        started_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        classification="confidential",
    )
    internal_analyst = member(mission, Role.ANALYST, "internal")
    assert client_for(internal_analyst).get(f"/api/v1/rules/{rule.pk}/preview").json() == []
