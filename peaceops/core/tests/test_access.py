import pytest

from peaceops.core.access import ANONYMOUS, AccessScope, Grant, visibility_q
from peaceops.core.roles import Action, Role


def scope(*grants: tuple[int | None, str, str]) -> AccessScope:
    return AccessScope(user_id=1, grants=tuple(Grant(*g) for g in grants))


def test_anonymous_sees_nothing():
    assert visibility_q(ANONYMOUS, mission_field="mission_id", classification_field="c") is None
    assert not ANONYMOUS.can_see(1, "public")


@pytest.mark.parametrize(
    ("clearance", "visible"),
    [
        ("public", ["public"]),
        ("internal", ["public", "internal"]),
        ("confidential", ["public", "internal", "confidential"]),
        (
            "strictly_confidential",
            ["public", "internal", "confidential", "strictly_confidential"],
        ),
    ],
)
def test_clearance_bounds_visibility_in_own_mission_only(clearance, visible):
    s = scope((7, Role.ANALYST, clearance))
    levels = ["public", "internal", "confidential", "strictly_confidential"]
    assert [level for level in levels if s.can_see(7, level)] == visible
    assert [level for level in levels if s.can_see(8, level)] == []


def test_highest_clearance_of_several_grants_wins():
    s = scope((7, Role.REPORTER, "internal"), (7, Role.VERIFIER, "confidential"))
    assert s.clearance_for(7) == "confidential"
    assert s.allows(Action.INCIDENT_REVIEW, 7)
    assert not s.allows(Action.INCIDENT_REVIEW, 8)


def test_global_grant_covers_every_mission():
    s = scope((None, Role.HQ_READER, "internal"))
    assert s.can_see(123, "internal")
    assert not s.can_see(123, "confidential")
    assert s.allows(Action.VIEW, 123)
    assert not s.allows(Action.INCIDENT_CREATE, 123)


def test_visibility_q_groups_missions_by_clearance():
    s = scope(
        (3, Role.ANALYST, "internal"),
        (1, Role.ANALYST, "confidential"),
        (2, Role.REPORTER, "internal"),
    )
    q = visibility_q(s, mission_field="mission_id", classification_field="classification")
    assert str(q) == (
        "(OR: (AND: ('mission_id__in', [1]), "
        "('classification__in', ('public', 'internal', 'confidential'))), "
        "(AND: ('mission_id__in', [2, 3]), ('classification__in', ('public', 'internal'))))"
    )


def test_visibility_q_global_grant_plus_higher_mission_grant():
    s = scope(
        (None, Role.HQ_READER, "public"), (5, Role.ANALYST, "internal"), (6, Role.ANALYST, "public")
    )
    q = visibility_q(s, mission_field="mission_id", classification_field="classification")
    assert str(q) == (
        "(OR: ('classification__in', ('public',)), "
        "(AND: ('mission_id__in', [5]), ('classification__in', ('public', 'internal'))))"
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            Role.REPORTER,
            {Action.VIEW, Action.INCIDENT_CREATE, Action.INCIDENT_EDIT_OWN, Action.ALERT_RAISE},
        ),
        (
            Role.ANALYST,
            {
                Action.VIEW,
                Action.INCIDENT_CREATE,
                Action.INCIDENT_EDIT_OWN,
                Action.INCIDENT_EDIT_ANY,
                Action.INCIDENT_IMPORT,
                Action.ALERT_RAISE,
                Action.ALERT_RESPOND,
                Action.WARNING_CONFIGURE,
            },
        ),
        (
            Role.VERIFIER,
            {
                Action.VIEW,
                Action.INCIDENT_CREATE,
                Action.INCIDENT_EDIT_OWN,
                Action.INCIDENT_EDIT_ANY,
                Action.INCIDENT_REVIEW,
                Action.INCIDENT_IMPORT,
                Action.ALERT_RAISE,
                Action.ALERT_RESPOND,
                Action.WARNING_CONFIGURE,
            },
        ),
        (Role.MISSION_ADMIN, set(Action)),
        (Role.HQ_READER, {Action.VIEW}),
    ],
)
def test_role_permissions(role, allowed):
    s = scope((1, role, "internal"))
    assert {action for action in Action if s.allows(action, 1)} == allowed
