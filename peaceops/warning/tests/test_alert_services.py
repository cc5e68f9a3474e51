import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Role
from peaceops.testing.factories import make_incident, member
from peaceops.testing.warning_factories import raise_alert
from peaceops.warning.models import Alert, AlertEvent, Response
from peaceops.warning.services import (
    alert_assign,
    alert_escalate,
    alert_link_incident,
    alert_transition,
    response_add,
    response_update,
)


def test_a_reporter_raises_an_alert_with_its_first_timeline_entry(mission, reporter):
    alert = raise_alert(mission, actor=reporter)

    assert (alert.status, alert.severity, alert.source, alert.created_by) == (
        "new",
        "high",
        "community",
        reporter,
    )
    events = list(alert.events.values_list("kind", "to_status", "actor"))
    assert events == [("created", "new", reporter.pk)]


def test_bad_alert_values_are_named_by_field_and_nothing_is_written(mission, reporter):
    with pytest.raises(ValidationFailed) as raised:
        raise_alert(
            mission,
            actor=reporter,
            title=" ",
            severity="extreme",
            latitude=95.0,
            source="rule",
            colour="red",
        )

    assert set(raised.value.fields) == {"title", "severity", "latitude", "source", "colour"}
    assert raised.value.fields["latitude"] == ["Latitude must be between -90 and 90 degrees."]
    assert Alert.objects.count() == 0


def test_an_alert_needs_a_point_or_an_area(mission, reporter):
    with pytest.raises(ValidationFailed) as raised:
        raise_alert(mission, actor=reporter, latitude=None, longitude=None)
    assert raised.value.fields == {
        "latitude": ["Give a point or choose one of the mission's areas."]
    }


def test_nobody_raises_alerts_above_their_clearance_or_in_other_missions(
    mission, other_mission, reporter
):
    with pytest.raises(ValidationFailed) as raised:
        raise_alert(mission, actor=reporter, classification="confidential")
    assert "classification" in raised.value.fields
    with pytest.raises(PermissionDenied):
        raise_alert(other_mission, actor=reporter)
    assert Alert.objects.count() == 0


def test_the_workflow_records_who_when_and_why(mission, analyst):
    alert = raise_alert(mission)

    alert = alert_transition(
        actor=analyst, alert_id=alert.pk, version=alert.version, to_status="acknowledged"
    )
    alert = alert_transition(
        actor=analyst,
        alert_id=alert.pk,
        version=alert.version,
        to_status="response_planned",
        reason="Quick reaction force on standby",
    )
    response = response_add(
        actor=analyst, alert_id=alert.pk, kind="patrol", unit="BANBAT 2", description="Patrol"
    )
    alert.refresh_from_db()
    alert = alert_transition(
        actor=analyst, alert_id=alert.pk, version=alert.version, to_status="responded"
    )
    alert = alert_transition(
        actor=analyst, alert_id=alert.pk, version=alert.version, to_status="closed"
    )

    alert.refresh_from_db()
    assert alert.status == "closed"
    assert alert.acknowledged_at is not None
    assert alert.first_response_at == response.started_at
    assert alert.closed_at is not None
    statuses = list(
        alert.events.filter(kind="status").values_list("from_status", "to_status", "reason")
    )
    assert statuses == [
        ("new", "acknowledged", ""),
        ("acknowledged", "response_planned", "Quick reaction force on standby"),
        ("response_planned", "responded", ""),
        ("responded", "closed", ""),
    ]
    assert set(alert.events.values_list("actor", flat=True)) == {analyst.pk, alert.created_by_id}


def test_impossible_transitions_are_refused_with_the_reason(mission, analyst):
    alert = raise_alert(mission)
    with pytest.raises(InvalidTransition) as raised:
        alert_transition(actor=analyst, alert_id=alert.pk, version=1, to_status="closed")
    assert str(raised.value) == "An alert that is New cannot become Closed."
    with pytest.raises(ValidationFailed) as reason_missing:
        alert_transition(actor=analyst, alert_id=alert.pk, version=1, to_status="false_alarm")
    assert reason_missing.value.fields == {"reason": ["Say why."]}
    acknowledged = alert_transition(
        actor=analyst, alert_id=alert.pk, version=1, to_status="acknowledged"
    )
    with pytest.raises(InvalidTransition) as no_response:
        alert_transition(
            actor=analyst, alert_id=alert.pk, version=acknowledged.version, to_status="responded"
        )
    assert "Record the response first" in str(no_response.value)


def test_a_reporter_cannot_triage_and_strangers_do_not_find_the_alert(
    mission, other_mission, reporter
):
    alert = raise_alert(mission)
    with pytest.raises(PermissionDenied):
        alert_transition(actor=reporter, alert_id=alert.pk, version=1, to_status="acknowledged")
    stranger = member(other_mission, Role.ANALYST)
    with pytest.raises(NotFound):
        alert_transition(actor=stranger, alert_id=alert.pk, version=1, to_status="acknowledged")
    alert.refresh_from_db()
    assert (alert.status, alert.version) == ("new", 1)


def test_two_analysts_acknowledging_at_once_one_wins_the_other_is_told(mission, analyst):
    other = member(mission, Role.ANALYST)
    other.first_name, other.last_name = "Amina", "Diallo"
    other.save()
    alert = raise_alert(mission)

    alert_transition(actor=other, alert_id=alert.pk, version=1, to_status="acknowledged")
    with pytest.raises(ConflictError) as raised:
        alert_transition(actor=analyst, alert_id=alert.pk, version=1, to_status="acknowledged")

    assert "changed by Amina Diallo" in str(raised.value)
    assert "it is now Acknowledged" in str(raised.value)
    assert alert.events.filter(kind="status").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_acknowledgements_from_two_threads_record_one(mission, analyst):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL; SQLite serialises writers")
    other = member(mission, Role.ANALYST)
    alert = raise_alert(mission)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def acknowledge(user):
        barrier.wait()
        try:
            alert_transition(actor=user, alert_id=alert.pk, version=1, to_status="acknowledged")
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=acknowledge, args=(user,)) for user in (analyst, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "won"]
    assert AlertEvent.objects.filter(alert=alert, kind="status").count() == 1


def test_escalation_raises_severity_and_is_on_the_timeline(mission, analyst):
    alert = raise_alert(mission, severity="medium")
    alert = alert_escalate(
        actor=analyst, alert_id=alert.pk, version=1, severity="critical", reason="Spreading"
    )
    assert alert.severity == "critical"
    event = alert.events.get(kind="escalated")
    assert (event.reason, event.details) == ("Spreading", {"severity": "critical"})
    with pytest.raises(ValidationFailed):
        alert_escalate(actor=analyst, alert_id=alert.pk, version=alert.version, severity="high")


def test_assign_and_link_an_incident_of_the_same_mission(mission, other_mission, analyst):
    alert = raise_alert(mission)
    alert = alert_assign(actor=analyst, alert_id=alert.pk, version=1, unit="JOC")
    incident = make_incident(mission)
    alert_link_incident(actor=analyst, alert_id=alert.pk, incident_id=incident.pk)
    alert_link_incident(actor=analyst, alert_id=alert.pk, incident_id=incident.pk)  # no-op
    foreign = make_incident(other_mission)
    with pytest.raises(ValidationFailed):
        alert_link_incident(actor=analyst, alert_id=alert.pk, incident_id=foreign.pk)

    alert.refresh_from_db()
    assert alert.assigned_unit == "JOC"
    assert list(alert.incidents.all()) == [incident]
    assert list(alert.events.values_list("kind", flat=True)) == ["created", "assigned", "linked"]


def test_a_response_that_was_not_possible_must_say_why(mission, analyst):
    alert = raise_alert(mission)
    with pytest.raises(ValidationFailed) as raised:
        response_add(actor=analyst, alert_id=alert.pk, kind="none_possible")
    assert raised.value.fields == {"description": ["Say why no response was possible."]}
    response = response_add(
        actor=analyst,
        alert_id=alert.pk,
        kind="none_possible",
        description="Road cut by flooding",
    )
    assert response.kind == "none_possible"


def test_a_response_is_completed_with_its_outcome(mission, analyst):
    alert = raise_alert(mission)
    start = timezone.now() - timedelta(hours=3)
    response = response_add(actor=analyst, alert_id=alert.pk, kind="patrol", started_at=start)
    with pytest.raises(ValidationFailed) as raised:
        response_update(
            actor=analyst, response_id=response.pk, completed_at=start - timedelta(hours=1)
        )
    assert raised.value.fields == {"completed_at": ["A response cannot end before it starts."]}

    response_update(
        actor=analyst,
        response_id=response.pk,
        completed_at=start + timedelta(hours=2),
        outcome="prevented",
        outcome_notes="Groups dispersed",
    )
    response = Response.objects.get(pk=response.pk)
    assert (response.outcome, response.completed_at) == ("prevented", start + timedelta(hours=2))
