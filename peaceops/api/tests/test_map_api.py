"""The map endpoints: compact incident points (the access policy, the filters, the limit, a
constant number of queries) and the offline base map (country boundaries)."""

import gzip
import json

import pytest
from django.test import Client

from peaceops.core.classification import ORDER, rank
from peaceops.core.roles import Role
from peaceops.incidents.map_api import BOUNDARIES_CACHE_CONTROL, MAX_MAP_POINTS
from peaceops.incidents.services import incident_verify
from peaceops.testing.clients import client_for
from peaceops.testing.factories import MissionFactory, UserFactory, make_incident, member

FIELDS = ["id", "lat", "lon", "type", "fatalities", "started"]


def _ids(client: Client, **params) -> list[int]:
    response = client.get("/api/v1/incidents/map-points", params)
    assert response.status_code == 200, response.content
    return [row[0] for row in response.json()["points"]]


@pytest.fixture
def world(db):
    """Two missions with one incident per classification each, and one without a point."""
    home = MissionFactory(acronym="HOME")
    away = MissionFactory(acronym="AWAY")
    incidents = {
        (mission.acronym, level): make_incident(mission, classification=level)
        for mission in (home, away)
        for level in ORDER
    }
    unplaced = make_incident(home, classification="public", latitude=None, longitude=None)
    return {"home": home, "incidents": incidents, "unplaced": unplaced}


@pytest.mark.parametrize("clearance", ORDER)
@pytest.mark.parametrize("grant_mission", ["home", None])
def test_map_points_are_exactly_the_visible_incidents_with_a_point(world, clearance, grant_mission):
    user = member(
        world["home"] if grant_mission else None,
        Role.ANALYST if grant_mission else Role.HQ_READER,
        clearance,
    )
    expected = {
        incident.pk
        for (acronym, level), incident in world["incidents"].items()
        if (grant_mission is None or acronym == "HOME") and rank(level) <= rank(clearance)
    }
    ids = _ids(client_for(user))
    assert set(ids) == expected
    assert len(ids) == len(expected)
    assert world["unplaced"].pk not in ids


def test_internal_clearance_gets_no_confidential_nor_other_missions_incidents(world):
    reporter = member(world["home"], Role.REPORTER, "internal")
    assert set(_ids(client_for(reporter))) == {
        world["incidents"][("HOME", "public")].pk,
        world["incidents"][("HOME", "internal")].pk,
    }


def test_member_of_no_mission_gets_no_points(world):
    response = client_for(UserFactory()).get("/api/v1/incidents/map-points")
    assert response.json() == {"fields": FIELDS, "points": [], "truncated": False}


def test_payload_is_compact_rows_in_the_named_fields(mission, analyst):
    incident = make_incident(mission, started_at="2024-03-05T23:30:00Z", latitude=5.12345)
    response = client_for(analyst).get("/api/v1/incidents/map-points")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "fields": FIELDS,
        "points": [[incident.pk, 5.12345, 20.6732, "armed_clash", 4, "2024-03-05"]],
        "truncated": False,
    }
    assert b" " not in response.content  # no padding between separators


def test_points_honour_the_list_filters(mission, other_mission, verifier):
    old = make_incident(mission, title="Clash at Kaga-Bandoro", started_at="2023-11-02")
    protest = make_incident(
        mission, incident_type="protest", subtype="peaceful", started_at="2024-02-10"
    )
    recent = make_incident(mission, started_at="2024-06-30T12:00:00Z", latitude=6.5)
    incident_verify(actor=verifier, incident_id=recent.pk, version=1)
    member(other_mission, Role.ANALYST, user=verifier)
    away = make_incident(other_mission, latitude=7.0, longitude=30.0, started_at="2024-07-15")
    client = client_for(verifier)

    assert _ids(client) == [away.pk, recent.pk, protest.pk, old.pk]  # newest first
    assert _ids(client, mission="minusca") == [recent.pk, protest.pk, old.pk]
    assert _ids(client, type="protest") == [protest.pk]
    assert _ids(client, verification="verified") == [recent.pk]
    assert _ids(client, date_from="2024-01-01", date_to="2024-06-30") == [recent.pk, protest.pk]
    assert _ids(client, date_to="2024-02-09") == [old.pk]
    assert _ids(client, q="kaga") == [old.pk]
    assert _ids(client, bbox="20,6,21,7") == [recent.pk]
    assert _ids(client, country="SSD") == [away.pk]


def test_truncated_when_more_incidents_match_than_the_limit(mission, analyst):
    first = make_incident(mission, started_at="2024-01-01")
    second = make_incident(mission, started_at="2024-02-01")
    third = make_incident(mission, started_at="2024-03-01")
    client = client_for(analyst)

    body = client.get("/api/v1/incidents/map-points", {"limit": 2}).json()
    assert [row[0] for row in body["points"]] == [third.pk, second.pk]
    assert body["truncated"] is True

    body = client.get("/api/v1/incidents/map-points", {"limit": 3}).json()
    assert [row[0] for row in body["points"]] == [third.pk, second.pk, first.pk]
    assert body["truncated"] is False


@pytest.mark.parametrize("limit", [0, MAX_MAP_POINTS + 1])
def test_limit_outside_the_range_is_refused(analyst, limit):
    response = client_for(analyst).get("/api/v1/incidents/map-points", {"limit": limit})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"limit": ["Between 1 and 200000."]}


def test_malformed_filter_is_refused(analyst):
    response = client_for(analyst).get("/api/v1/incidents/map-points", {"bbox": "1,2"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["bbox"]


@pytest.mark.parametrize("count", [1, 25])
def test_points_take_a_constant_number_of_queries(
    mission, analyst, count, django_assert_max_num_queries
):
    for _ in range(count):
        make_incident(mission)
    client = client_for(analyst)
    # session, user, grants, points
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/incidents/map-points", {"mission": "MINUSCA"})
    assert len(response.json()["points"]) == count


def test_points_are_gzipped_for_clients_that_accept_it(mission, analyst):
    for _ in range(5):
        make_incident(mission)
    client = client_for(analyst)
    plain = client.get("/api/v1/incidents/map-points")
    zipped = client.get("/api/v1/incidents/map-points", headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content


@pytest.mark.parametrize("path", ["/api/v1/incidents/map-points", "/api/v1/boundaries"])
def test_anonymous_gets_401(db, path):
    response = Client().get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_boundaries_are_a_cached_feature_collection_of_countries(analyst):
    response = client_for(analyst).get("/api/v1/boundaries")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == BOUNDARIES_CACHE_CONTROL
    assert BOUNDARIES_CACHE_CONTROL == "public, max-age=31536000, immutable"
    assert "Content-Encoding" not in response
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    codes = {feature["properties"]["code"] for feature in collection["features"]}
    assert {"CAF", "SSD", "COD", "MLI"} <= codes
    caf = next(f for f in collection["features"] if f["properties"]["code"] == "CAF")
    assert caf["properties"]["name"] == "Central African Republic"
    assert caf["geometry"]["type"] == "MultiPolygon"
    assert collection["unassigned_land"]["type"] == "MultiPolygon"


def test_boundaries_are_sent_gzipped_when_accepted(analyst):
    client = client_for(analyst)
    plain = client.get("/api/v1/boundaries")
    zipped = client.get("/api/v1/boundaries", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert len(zipped.content) < len(plain.content) / 2
    assert gzip.decompress(zipped.content) == plain.content


def test_map_points_route_does_not_hide_incident_detail(mission, analyst):
    incident = make_incident(mission)
    response = client_for(analyst).get(f"/api/v1/incidents/{incident.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == incident.pk


def test_started_day_is_the_utc_day(mission, analyst):
    incident = make_incident(
        mission, started_at="2024-03-05T22:30:00-05:00"
    )  # 03:30 UTC on the 6th
    points = client_for(analyst).get("/api/v1/incidents/map-points").json()["points"]
    assert points == [[incident.pk, 5.7631, 20.6732, "armed_clash", 4, "2024-03-06"]]
