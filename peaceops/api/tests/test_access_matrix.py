"""The access matrix: role x clearance x endpoint, proving that nobody sees, counts or infers
an incident outside their missions or above their clearance, and that denied writes change
nothing. Every read door (pages, API list/detail/GeoJSON/count/aggregates/revisions/search)
is checked against the same expected set."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from peaceops.accounts.models import User
from peaceops.core.classification import ORDER, rank
from peaceops.core.roles import Role
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.state import incident_state
from peaceops.testing.clients import client_for
from peaceops.testing.factories import MissionFactory, UserFactory, make_incident, member

ROLES = [Role.REPORTER, Role.ANALYST, Role.VERIFIER, Role.MISSION_ADMIN, Role.HQ_READER]
# (description, mission of the grant: "home" or None for a global grant, role)
PRINCIPALS = [(f"{role}@home", "home", role) for role in ROLES] + [
    ("hq_reader@global", None, Role.HQ_READER)
]


@pytest.fixture
def world(db):
    """Two missions, one incident per classification in each, all matching the word 'Kaga'."""
    home = MissionFactory(acronym="HOME")
    away = MissionFactory(acronym="AWAY")
    incidents = {}
    for mission in (home, away):
        for level in ORDER:
            incidents[(mission.acronym, level)] = make_incident(
                mission, classification=level, title=f"Kaga {mission.acronym} {level}"
            )
    return {"home": home, "away": away, "incidents": incidents}


def principal(world, grant_mission: str | None, role: str, clearance: str) -> User:
    return member(world["home"] if grant_mission else None, role, clearance)


def expected_ids(world, grant_mission: str | None, clearance: str) -> set[int]:
    return {
        incident.pk
        for (acronym, level), incident in world["incidents"].items()
        if (grant_mission is None or acronym == "HOME") and rank(level) <= rank(clearance)
    }


def _ids_from_list(client: Client) -> set[int]:
    response = client.get("/api/v1/incidents", {"limit": 1000})
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


def _ids_from_geojson(client: Client) -> set[int]:
    response = client.get("/api/v1/incidents/geojson")
    assert response.status_code == 200
    return {feature["id"] for feature in response.json()["features"]}


def _ids_from_search(client: Client) -> set[int]:
    response = client.get("/api/v1/incidents", {"q": "kaga"})
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


def _ids_from_detail(client: Client, world) -> set[int]:
    found = set()
    for incident in world["incidents"].values():
        status = client.get(f"/api/v1/incidents/{incident.pk}").status_code
        assert status in (200, 404)
        if status == 200:
            found.add(incident.pk)
    return found


def _ids_from_revisions(client: Client, world) -> set[int]:
    found = set()
    for incident in world["incidents"].values():
        response = client.get(f"/api/v1/incidents/{incident.pk}/revisions")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            found.add(incident.pk)
    return found


def _ids_from_web_list(client: Client) -> set[int]:
    response = client.get("/incidents/")
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/incidents/(\d+)/"', response.content.decode())}


def _ids_from_web_detail(client: Client, world) -> set[int]:
    found = set()
    for incident in world["incidents"].values():
        status = client.get(f"/incidents/{incident.pk}/").status_code
        assert status in (200, 404)
        if status == 200:
            found.add(incident.pk)
    return found


ID_DOORS: dict[str, Callable] = {
    "api_list": lambda client, world: _ids_from_list(client),
    "api_geojson": lambda client, world: _ids_from_geojson(client),
    "api_search": lambda client, world: _ids_from_search(client),
    "api_detail": _ids_from_detail,
    "api_revisions": _ids_from_revisions,
    "web_list": lambda client, world: _ids_from_web_list(client),
    "web_detail": _ids_from_web_detail,
}


@pytest.mark.parametrize("door", sorted(ID_DOORS))
@pytest.mark.parametrize("clearance", ORDER)
@pytest.mark.parametrize(("name", "grant_mission", "role"), PRINCIPALS)
def test_reads_show_exactly_the_permitted_incidents(
    world, door, clearance, name, grant_mission, role
):
    user = principal(world, grant_mission, role, clearance)
    seen = ID_DOORS[door](client_for(user), world)
    assert seen == expected_ids(world, grant_mission, clearance)


@pytest.mark.parametrize("clearance", ORDER)
@pytest.mark.parametrize(("name", "grant_mission", "role"), PRINCIPALS)
def test_counts_and_aggregates_count_only_permitted_incidents(
    world, clearance, name, grant_mission, role
):
    client = client_for(principal(world, grant_mission, role, clearance))
    visible = expected_ids(world, grant_mission, clearance)
    fatalities = sum(Incident.objects.get(pk=pk).fatalities for pk in visible)

    assert client.get("/api/v1/incidents/count").json() == {"count": len(visible)}
    for group_by in ("month", "week", "type", "country", "admin1", "priogrid", "mission"):
        rows = client.get("/api/v1/incidents/aggregates", {"group_by": group_by}).json()["rows"]
        assert sum(r["incidents"] for r in rows) == len(visible), group_by
        assert sum(r["fatalities"] for r in rows) == fatalities, group_by
    # Filtering by the other mission cannot reveal that it has incidents.
    away = client.get("/api/v1/incidents/count", {"mission": "AWAY"}).json()["count"]
    assert away == len(
        [pk for pk in visible if Incident.objects.get(pk=pk).mission.acronym == "AWAY"]
    )


@pytest.mark.parametrize(
    "door",
    [
        "/api/v1/incidents",
        "/api/v1/incidents/geojson",
        "/api/v1/incidents/count",
        "/api/v1/incidents/aggregates",
        "/api/v1/incidents/{pk}",
        "/api/v1/incidents/{pk}/revisions",
        "/api/v1/missions",
        "/api/v1/me",
    ],
)
def test_anonymous_api_gets_401(world, door):
    pk = world["incidents"][("HOME", "public")].pk
    response = Client().get(door.format(pk=pk))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/", "/incidents/", "/incidents/{pk}/"])
def test_anonymous_pages_redirect_to_sign_in(world, path):
    pk = world["incidents"][("HOME", "public")].pk
    response = Client().get(path.format(pk=pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("clearance", ORDER)
def test_member_of_no_mission_sees_nothing(world, clearance):
    user = UserFactory()
    client = client_for(user)
    assert _ids_from_list(client) == set()
    assert client.get("/api/v1/incidents/count").json() == {"count": 0}
    assert client.get("/api/v1/incidents/aggregates").json()["rows"] == []


# --- writes ------------------------------------------------------------------

WRITE_ROLES = [Role.REPORTER, Role.ANALYST, Role.VERIFIER, Role.MISSION_ADMIN, Role.HQ_READER]
MAY_EDIT_ANY = {Role.ANALYST, Role.VERIFIER, Role.MISSION_ADMIN}
MAY_REVIEW = {Role.VERIFIER, Role.MISSION_ADMIN}
MAY_CREATE = {Role.REPORTER, Role.ANALYST, Role.VERIFIER, Role.MISSION_ADMIN}


def _snapshot(world):
    return (
        {
            pk: (incident_state(Incident.objects.get(pk=pk)), Incident.objects.get(pk=pk).version)
            for pk in (i.pk for i in world["incidents"].values())
        },
        IncidentRevision.objects.count(),
        Incident.objects.count(),
    )


def _attempt(client: Client, action: str, incident: Incident):
    base = f"/api/v1/incidents/{incident.pk}"
    if action == "update":
        return client.patch(
            base, {"version": incident.version, "title": "changed"}, content_type="application/json"
        )
    if action == "verify":
        return client.post(
            f"{base}/verify", {"version": incident.version}, content_type="application/json"
        )
    if action == "reject":
        return client.post(
            f"{base}/reject",
            {"version": incident.version, "reason": "dup"},
            content_type="application/json",
        )
    raise AssertionError(action)


def _expected_write_status(role: str, clearance: str, action: str, acronym: str, level: str) -> int:
    if acronym != "HOME" or rank(level) > rank(clearance):
        return 404  # invisible: its existence is not revealed
    allowed = MAY_REVIEW if action in ("verify", "reject") else MAY_EDIT_ANY
    return 200 if role in allowed else 403


@pytest.mark.parametrize("target", [("HOME", level) for level in ORDER] + [("AWAY", "public")])
@pytest.mark.parametrize("action", ["update", "verify", "reject"])
@pytest.mark.parametrize("clearance", ["internal", "confidential"])
@pytest.mark.parametrize("role", WRITE_ROLES)
def test_writes_are_allowed_only_by_role_and_denials_change_nothing(
    world, role, clearance, action, target
):
    user = member(world["home"], role, clearance)
    client = client_for(user)
    incident = world["incidents"][target]
    expected = _expected_write_status(role, clearance, action, *target)
    before = _snapshot(world)

    response = _attempt(client, action, incident)

    assert response.status_code == expected, response.content
    if expected != 200:
        assert _snapshot(world) == before
        assert (
            response.json()["error"]["code"]
            == {403: "permission_denied", 404: "not_found"}[expected]
        )


@pytest.mark.parametrize("classification", ORDER)
@pytest.mark.parametrize("mission", ["HOME", "AWAY"])
@pytest.mark.parametrize("role", WRITE_ROLES)
def test_create_needs_role_membership_and_clearance(world, role, mission, classification):
    client = client_for(member(world["home"], role, "confidential"))
    before = Incident.objects.count(), IncidentRevision.objects.count()
    body = {
        "mission": mission,
        "incident_type": "protest",
        "subtype": "peaceful",
        "title": "March to the prefecture",
        "started_at": "2024-05-01",
        "latitude": 4.36,
        "longitude": 18.55,
        "classification": classification,
    }
    response = client.post("/api/v1/incidents", body, content_type="application/json")
    if mission != "HOME" or role not in MAY_CREATE:
        assert response.status_code == 403
    elif rank(classification) > rank("confidential"):
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == {
            "classification": ["Above your clearance for this mission."]
        }
    else:
        assert response.status_code == 201
        assert Incident.objects.count() == before[0] + 1
        return
    assert (Incident.objects.count(), IncidentRevision.objects.count()) == before
