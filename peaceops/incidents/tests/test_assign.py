import pytest

from peaceops.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from peaceops.core.roles import Role
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.services import incident_assign
from peaceops.testing.factories import UserFactory, make_incident, member


def _unchanged(incident: Incident) -> None:
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.version == incident.version
    assert fresh.assigned_to_id == incident.assigned_to_id
    assert IncidentRevision.objects.filter(incident=incident).count() == 1


def test_reviewer_assigns_a_member_and_the_revision_records_it(mission, verifier):
    incident = make_incident(mission)
    analyst = member(mission, Role.ANALYST, "internal")

    result = incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=analyst)

    assert result.version == 2
    assert Incident.objects.get(pk=incident.pk).assigned_to == analyst
    revision = IncidentRevision.objects.get(incident=incident, version=2)
    assert revision.action == IncidentRevision.Action.UPDATED
    assert revision.actor == verifier
    assert revision.changes == {"assigned_to": [None, analyst.username]}


def test_reassigning_and_removing_are_recorded_with_the_previous_assignee(mission, verifier):
    incident = make_incident(mission)
    first = member(mission, Role.ANALYST, "internal")
    second = member(mission, Role.REPORTER, "internal")
    incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=first)
    incident_assign(actor=verifier, incident_id=incident.pk, version=2, assignee=second)
    incident_assign(actor=verifier, incident_id=incident.pk, version=3, assignee=None)

    changes = list(
        IncidentRevision.objects.filter(incident=incident, version__gt=1)
        .order_by("version")
        .values_list("changes", flat=True)
    )
    assert changes == [
        {"assigned_to": [None, first.username]},
        {"assigned_to": [first.username, second.username]},
        {"assigned_to": [second.username, None]},
    ]
    assert Incident.objects.get(pk=incident.pk).assigned_to is None


def test_assigning_the_current_assignee_changes_nothing(mission, verifier):
    incident = make_incident(mission)
    analyst = member(mission, Role.ANALYST, "internal")
    incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=analyst)

    result = incident_assign(actor=verifier, incident_id=incident.pk, version=2, assignee=analyst)

    assert result.version == 2
    assert IncidentRevision.objects.filter(incident=incident).count() == 2


def test_stale_version_is_a_conflict_and_changes_nothing(mission, verifier):
    incident = make_incident(mission)
    analyst = member(mission, Role.ANALYST, "internal")
    with pytest.raises(ConflictError):
        incident_assign(actor=verifier, incident_id=incident.pk, version=7, assignee=analyst)
    _unchanged(incident)


@pytest.mark.parametrize("role", [Role.REPORTER, Role.ANALYST, Role.HQ_READER])
def test_only_reviewers_may_assign(mission, role):
    incident = make_incident(mission)
    actor = member(mission, role, "confidential")
    assignee = member(mission, Role.ANALYST, "internal")
    with pytest.raises(PermissionDenied):
        incident_assign(actor=actor, incident_id=incident.pk, version=1, assignee=assignee)
    _unchanged(incident)


def test_mission_admin_may_assign(mission):
    incident = make_incident(mission)
    admin = member(mission, Role.MISSION_ADMIN, "internal")
    assignee = member(mission, Role.ANALYST, "internal")
    assert (
        incident_assign(
            actor=admin, incident_id=incident.pk, version=1, assignee=assignee
        ).assigned_to
        == assignee
    )


def test_assignee_must_work_in_the_incidents_mission(mission, other_mission, verifier):
    incident = make_incident(mission)
    elsewhere = member(other_mission, Role.ANALYST, "confidential")
    nowhere = UserFactory()
    global_reader = member(None, Role.HQ_READER, "confidential")
    for assignee in (elsewhere, nowhere, global_reader):
        with pytest.raises(ValidationFailed) as caught:
            incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=assignee)
        assert caught.value.fields == {
            "assignee": [
                f"{assignee.username} does not work in this mission. Choose someone who does."
            ]
        }
    _unchanged(incident)


def test_inactive_member_cannot_be_assigned(mission, verifier):
    incident = make_incident(mission)
    gone = member(mission, Role.ANALYST, "internal")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=gone)
    _unchanged(incident)


def test_assignee_must_be_cleared_for_the_incident(mission, verifier):
    incident = make_incident(mission, classification="confidential")
    low = member(mission, Role.ANALYST, "internal")
    with pytest.raises(ValidationFailed) as caught:
        incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=low)
    assert list(caught.value.fields) == ["assignee"]
    _unchanged(incident)


def test_incident_above_the_actors_clearance_is_not_found(mission):
    incident = make_incident(mission, classification="strictly_confidential")
    verifier = member(mission, Role.VERIFIER, "confidential")
    assignee = member(mission, Role.ANALYST, "strictly_confidential")
    with pytest.raises(NotFound):
        incident_assign(actor=verifier, incident_id=incident.pk, version=1, assignee=assignee)
    _unchanged(incident)
