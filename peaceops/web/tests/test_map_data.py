"""The map's data endpoints and the dashboard keep their answers between requests: a kept
answer is used only while no incident changed, and only for users who see the same rows."""

import gzip
import json
import re

import pytest
from django.core.cache import cache

from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.core.roles import Role
from peaceops.incidents import selectors_map
from peaceops.incidents.services import incident_update
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _rows(client, group_by, **params):
    response = client.get("/api/v1/incidents/map-aggregates", {"group_by": group_by, **params})
    assert response.status_code == 200
    return response.json()["rows"]


@pytest.mark.parametrize("group_by", ["month", "priogrid", "admin1"])
def test_map_aggregates_are_the_aggregates_of_the_api(mission, analyst, group_by):
    make_incident(mission, started_at="2024-03-05T06:00:00Z")
    make_incident(mission, started_at="2024-04-01T00:30:00Z", latitude=6.2, longitude=21.1)
    make_incident(mission, started_at="2024-04-20T06:00:00Z", latitude=None, longitude=None)
    client = client_for(analyst)
    general = client.get("/api/v1/incidents/aggregates", {"group_by": group_by}).json()["rows"]
    if group_by == "priogrid":  # the heat view has no use for incidents without a cell
        general = [row for row in general if row["key"] is not None]
    assert len(general) == 2
    assert _rows(client, group_by) == general


def test_heat_cells_count_the_filtered_incidents_per_cell(mission, other_mission, analyst):
    make_incident(mission, started_at="2024-03-05T06:00:00Z")  # Bambari: cell 137922
    make_incident(mission, started_at="2024-03-06T06:00:00Z")
    make_incident(mission, started_at="2024-02-01T06:00:00Z")  # before date_from
    make_incident(mission, latitude=6.2, longitude=21.1, casualties=[])  # cell 138643
    make_incident(mission, latitude=None, longitude=None)  # no cell
    make_incident(other_mission)  # not visible to a MINUSCA analyst
    rows = _rows(client_for(analyst), "priogrid", date_from="2024-03-01")
    assert rows == [
        {"key": priogrid_gid(5.7631, 20.6732), "incidents": 2, "fatalities": 8},
        {"key": priogrid_gid(6.2, 21.1), "incidents": 1, "fatalities": 0},
    ]


def test_map_aggregates_refuse_other_groupings(analyst):
    response = client_for(analyst).get("/api/v1/incidents/map-aggregates", {"group_by": "country"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"group_by": ["One of: month, priogrid, admin1"]}


def test_map_aggregates_are_gzipped_for_clients_that_accept_it(mission, analyst):
    make_incident(mission)
    client = client_for(analyst)
    url = "/api/v1/incidents/map-aggregates?group_by=month"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content


def test_a_kept_answer_is_replaced_once_an_incident_changes(mission, analyst):
    incident = make_incident(mission, started_at="2024-03-05T06:00:00Z")
    client = client_for(analyst)
    assert _rows(client, "month") == [{"key": "2024-03-01", "incidents": 1, "fatalities": 4}]
    assert _rows(client, "month") == [{"key": "2024-03-01", "incidents": 1, "fatalities": 4}]

    incident_update(
        actor=analyst,
        incident_id=incident.pk,
        version=incident.version,
        changes={"started_at": "2024-05-05T06:00:00Z"},
    )
    assert _rows(client, "month") == [{"key": "2024-05-01", "incidents": 1, "fatalities": 4}]
    make_incident(mission, started_at="2024-05-06T06:00:00Z", casualties=[])
    assert _rows(client, "month") == [{"key": "2024-05-01", "incidents": 2, "fatalities": 4}]


def test_a_kept_answer_is_never_shown_to_someone_who_sees_less(mission, analyst):
    make_incident(mission, classification="internal")
    make_incident(mission, classification="confidential")
    reader = member(mission, Role.HQ_READER, "internal")
    assert _rows(client_for(analyst), "admin1")[0]["incidents"] == 2
    assert _rows(client_for(reader), "admin1")[0]["incidents"] == 1
    assert _rows(client_for(analyst), "admin1")[0]["incidents"] == 2


def test_kept_map_points_follow_changes_and_access(mission, analyst, monkeypatch):
    monkeypatch.setattr(selectors_map, "CACHE_MIN_POINTS", 1)  # keep even two points
    first = make_incident(mission, started_at="2024-03-05T06:00:00Z", classification="internal")
    make_incident(mission, started_at="2024-03-04T06:00:00Z", classification="confidential")
    reader = member(mission, Role.HQ_READER, "internal")

    def ids(user):
        body = client_for(user).get("/api/v1/incidents/map-points").content
        return [row[0] for row in json.loads(body)["points"]]

    both = ids(analyst)
    assert len(both) == 2
    assert ids(analyst) == both
    assert ids(reader) == [first.pk]
    incident_update(
        actor=analyst,
        incident_id=first.pk,
        version=first.version,
        changes={"classification": "confidential"},
    )
    assert ids(reader) == []
    assert ids(analyst) == both


def test_the_dashboard_shows_a_change_made_after_it_was_kept(mission, analyst):
    incident = make_incident(mission, started_at="2024-03-05T06:00:00Z")
    client = client_for(analyst)
    url = "/missions/MINUSCA/dashboard/?until=2024-06"

    def figure():
        html = client.get(url).content.decode()
        match = re.search(r'<span class="figure">(\d+)</span> (incidents?) in 24 months', html)
        return f"{match[1]} {match[2]}"

    assert figure() == "1 incident"
    make_incident(mission, started_at="2024-03-06T06:00:00Z")
    assert figure() == "2 incidents"
    incident_update(
        actor=analyst,
        incident_id=incident.pk,
        version=incident.version,
        changes={"started_at": "2021-03-05T06:00:00Z"},
    )
    assert figure() == "1 incident"


def test_a_repeated_request_reads_only_the_data_version(
    mission, analyst, django_assert_num_queries
):
    make_incident(mission)
    client = client_for(analyst)
    client.get("/api/v1/incidents/map-aggregates?group_by=admin1")
    # session, user, grants, data version
    with django_assert_num_queries(4):
        client.get("/api/v1/incidents/map-aggregates?group_by=admin1")
