"""The `source` filter (an incident's external_source; `field` for reports made in peaceops)
on the API, the incident list and the map, within what the user may see."""

import re

import pytest

from peaceops.core.classification import Classification
from peaceops.core.roles import Role
from peaceops.incidents.models import Incident
from peaceops.incidents.selectors import IncidentFilters, incident_list, incident_sources
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member


@pytest.fixture
def sourced(mission, analyst):
    """One incident per source; the ACLED one is confidential."""
    made = {}
    for title, source, classification in (
        ("Field report", "", Classification.INTERNAL),
        ("UCDP event", "ucdp_ged", Classification.INTERNAL),
        ("Spreadsheet row", "tabular:sector_east", Classification.INTERNAL),
        ("ACLED event", "acled", Classification.CONFIDENTIAL),
    ):
        incident = make_incident(
            mission, author=analyst, title=title, classification=classification
        )
        Incident.objects.filter(pk=incident.pk).update(external_source=source)
        made[source or "field"] = incident
    return made


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return sorted(item["title"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("source", "titles"),
    [
        ("field", ["Field report"]),
        ("ucdp_ged", ["UCDP event"]),
        ("acled", ["ACLED event"]),
        ("tabular:sector_east", ["Spreadsheet row"]),
        ("tabular", []),  # exact, not a prefix
        ("UCDP_GED", []),
        (None, ["ACLED event", "Field report", "Spreadsheet row", "UCDP event"]),
    ],
)
def test_api_source_filter_is_exact(sourced, analyst, source, titles):
    params = {"source": source} if source else {}
    assert _titles(client_for(analyst).get("/api/v1/incidents", params)) == titles
    count = client_for(analyst).get("/api/v1/incidents/count", params).json()["count"]
    assert count == len(titles)


def test_api_source_filter_keeps_the_access_policy(sourced, mission):
    reporter = member(mission, Role.REPORTER, Classification.INTERNAL)
    client = client_for(reporter)
    assert _titles(client.get("/api/v1/incidents", {"source": "acled"})) == []
    assert _titles(client.get("/api/v1/incidents", {"source": "ucdp_ged"})) == ["UCDP event"]


def test_sources_are_those_of_visible_incidents_only(sourced, analyst, mission, other_mission):
    reporter = member(mission, Role.REPORTER, Classification.INTERNAL)
    outsider = member(other_mission, Role.ANALYST, Classification.CONFIDENTIAL)
    assert incident_sources(user=analyst) == [
        "acled",
        "field",
        "tabular:sector_east",
        "ucdp_ged",
    ]
    assert incident_sources(user=reporter) == ["field", "tabular:sector_east", "ucdp_ged"]
    assert incident_sources(user=outsider) == []
    filtered = incident_list(user=reporter, filters=IncidentFilters(source="acled"))
    assert list(filtered) == []


def _options(html: str, select_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select id="{select_id}" name="source">(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_list_filters_by_source_and_offers_only_visible_sources(sourced, analyst, mission):
    html = client_for(analyst).get("/incidents/", {"source": "field"}).content.decode()
    assert '<label for="f-source">Source</label>' in html
    assert _options(html, "f-source") == [
        ("", "All sources"),
        ("acled", "ACLED"),
        ("field", "Reported in peaceops"),
        ("tabular:sector_east", "Spreadsheet “sector_east”"),
        ("ucdp_ged", "UCDP GED"),
    ]
    assert '<option value="field" selected>' in html
    assert "Field report" in html
    for title in ("UCDP event", "ACLED event", "Spreadsheet row"):
        assert title not in html
    assert "source=field" in html  # the exports keep the filter

    reporter = member(mission, Role.REPORTER, Classification.INTERNAL)
    html = client_for(reporter).get("/incidents/", {"source": "acled"}).content.decode()
    assert [value for value, _label in _options(html, "f-source")] == [
        "",
        "field",
        "tabular:sector_east",
        "ucdp_ged",
    ]
    assert "ACLED event" not in html
    assert "No incidents match" in html


def test_map_offers_the_source_filter_and_its_points_follow_it(sourced, analyst, mission):
    html = client_for(analyst).get("/map/").content.decode()
    assert '<label for="m-source">Source</label>' in html
    assert [value for value, _label in _options(html, "m-source")] == [
        "",
        "acled",
        "field",
        "tabular:sector_east",
        "ucdp_ged",
    ]
    points = client_for(analyst).get("/api/v1/incidents/map-points", {"source": "ucdp_ged"})
    assert [row[0] for row in points.json()["points"]] == [sourced["ucdp_ged"].pk]

    reporter = member(mission, Role.REPORTER, Classification.INTERNAL)
    html = client_for(reporter).get("/map/").content.decode()
    assert "acled" not in [value for value, _label in _options(html, "m-source")]
    points = client_for(reporter).get("/api/v1/incidents/map-points", {"source": "acled"})
    assert points.json()["points"] == []


def test_source_labels_are_translated(sourced, analyst):
    client = client_for(analyst)
    html = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<label for="f-source">Source</label>' in html
    labels = dict(_options(html, "f-source"))
    assert labels["field"] != "Reported in peaceops"
    assert labels[""] != "All sources"
    assert "sector_east" in labels["tabular:sector_east"]
