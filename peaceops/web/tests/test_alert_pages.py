from datetime import UTC, datetime, timedelta

from peaceops.core.roles import Role
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member
from peaceops.testing.warning_factories import make_rule, raise_alert
from peaceops.warning.evaluation import evaluate_all
from peaceops.warning.models import Alert


def test_board_shows_columns_by_status_and_only_visible_alerts(mission, other_mission, analyst):
    seen = raise_alert(mission, title="Militia roadblock at Grimari")
    raise_alert(mission, title="Informant report", actor=analyst, classification="confidential")
    raise_alert(other_mission, title="Cattle raid near Bor")
    reader = member(mission, Role.REPORTER, "internal")

    page = client_for(reader).get("/alerts/").content.decode()

    assert "Militia roadblock at Grimari" in page
    assert f'href="/alerts/{seen.pk}/"' in page
    assert "Informant report" not in page
    assert "Cattle raid near Bor" not in page
    for column in ("New", "Acknowledged", "Response planned", "Responded", "Closed"):
        assert f'>{column} <span class="count">' in page


def test_board_empty_state_tells_where_alerts_come_from(mission, analyst):
    page = client_for(analyst).get("/alerts/").content.decode()
    assert "No alerts you can see." in page


def test_acknowledge_from_the_detail_page_and_a_stale_form_is_told_why(mission, analyst):
    alert = raise_alert(mission)
    other = member(mission, Role.ANALYST)
    client_for(other).post(
        f"/alerts/{alert.pk}/action/",
        {"action": "transition", "status": "acknowledged", "version": 1},
    )
    stale = client_for(analyst).post(
        f"/alerts/{alert.pk}/action/",
        {"action": "transition", "status": "acknowledged", "version": 1},
        follow=True,
    )
    page = stale.content.decode()
    assert f"This alert was changed by {other.username}" in page
    assert "it is now Acknowledged" in page
    alert.refresh_from_db()
    assert (alert.status, alert.version) == ("acknowledged", 2)


def test_detail_timeline_says_why_a_rule_fired(mission, analyst):
    make_rule(mission, kind="threshold", parameters={"min_incidents": 2, "window_days": 2})
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    make_incident(mission, started_at=recent)
    make_incident(mission, started_at=recent)
    evaluate_all()
    alert = Alert.objects.get()

    page = client_for(analyst).get(f"/alerts/{alert.pk}/").content.decode()

    assert "2 incidents (threshold 2) in Ouaka within 2 days." in page
    assert "the system" in page
    assert "Record a response" in page


def test_recording_a_response_then_marking_responded(mission, analyst):
    alert = raise_alert(mission)
    client = client_for(analyst)
    client.post(
        f"/alerts/{alert.pk}/action/",
        {"action": "transition", "status": "acknowledged", "version": 1},
    )
    client.post(
        f"/alerts/{alert.pk}/action/",
        {"action": "respond", "response-kind": "patrol", "response-unit": "BANBAT 2"},
    )
    client.post(
        f"/alerts/{alert.pk}/action/", {"action": "transition", "status": "responded", "version": 2}
    )
    alert.refresh_from_db()
    assert alert.status == "responded"
    assert list(alert.responses.values_list("kind", "unit")) == [("patrol", "BANBAT 2")]


def test_raise_form_keeps_the_draft_and_names_the_fields(mission, reporter):
    client = client_for(reporter)
    response = client.post(
        "/alerts/new/",
        {
            "mission": mission.pk,
            "source": "community",
            "threat_type": "violence_against_civilians",
            "title": "Threats against displaced families",
            "description": "Leaflets found at the camp gate.",
            "severity": "high",
            "latitude": "95",
            "longitude": "20.1",
            "location_precision": "near",
            "classification": "internal",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Latitude must be between -90 and 90 degrees." in page
    assert "Leaflets found at the camp gate." in page
    assert Alert.objects.count() == 0

    created = client.post(
        "/alerts/new/",
        {
            "mission": mission.pk,
            "source": "community",
            "threat_type": "violence_against_civilians",
            "title": "Threats against displaced families",
            "severity": "high",
            "latitude": "6.54",
            "longitude": "21.99",
            "location_precision": "near",
            "classification": "internal",
        },
    )
    alert = Alert.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/alerts/{alert.pk}/"


def test_a_user_without_a_reporting_role_cannot_raise(mission):
    reader = member(mission, Role.HQ_READER)
    assert client_for(reader).get("/alerts/new/").status_code == 403


def test_metrics_page_shows_the_months(mission, analyst):
    raise_alert(mission, received_at=datetime(2026, 10, 3, tzinfo=UTC))
    page = client_for(analyst).get("/alerts/metrics/?mission=MINUSCA").content.decode()
    assert "October 2026" in page
    assert "<svg" in page


def test_rules_page_lists_what_each_rule_finds(mission, analyst):
    make_rule(mission, name="Clashes", kind="threshold", parameters={"min_incidents": 1})
    make_incident(mission, started_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    page = client_for(analyst).get("/alerts/rules/").content.decode()
    assert "Clashes" in page
    assert "1 incident (threshold 1) in Ouaka within 7 days." in page
