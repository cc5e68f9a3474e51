"""GET /api/v1/incidents/export: a streamed download in four formats, limited to what the
caller may see (the same matrix of grants and clearances as the list), audited."""

import csv
import io
import re

import pytest

from peaceops.accounts.models import SecurityEvent
from peaceops.accounts.services import api_token_create
from peaceops.api.main import api
from peaceops.core.classification import ORDER, rank
from peaceops.core.roles import Role
from peaceops.incidents.tests.test_exports import HEADER, HXL, exported_ids
from peaceops.testing.clients import client_for
from peaceops.testing.factories import MissionFactory, make_incident, member

FORMATS = ["csv", "geojson", "parquet", "xlsx"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_events() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count()


@pytest.fixture
def world(db):
    """Two missions, one incident per classification in each."""
    home = MissionFactory(acronym="HOME")
    away = MissionFactory(acronym="AWAY")
    incidents = {
        (m.acronym, level): make_incident(m, classification=level, title=f"{m.acronym} {level}")
        for m in (home, away)
        for level in ORDER
    }
    return {"home": home, "incidents": incidents}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("clearance", ORDER)
@pytest.mark.parametrize(
    ("grant", "role"), [("home", Role.REPORTER), ("home", Role.ANALYST), (None, Role.HQ_READER)]
)
def test_export_holds_exactly_what_the_list_shows(world, fmt, clearance, grant, role):
    client = client_for(member(world["home"] if grant else None, role, clearance))
    expected = sorted(
        incident.pk
        for (acronym, level), incident in world["incidents"].items()
        if (grant is None or acronym == "HOME") and rank(level) <= rank(clearance)
    )
    listed = client.get("/api/v1/incidents", {"limit": 1000}).json()["items"]
    assert sorted(item["id"] for item in listed) == expected

    response = client.get("/api/v1/incidents/export", {"format": fmt})
    assert response.status_code == 200
    assert response.streaming
    assert exported_ids(fmt, b"".join(response.streaming_content)) == expected
    assert export_events() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_download_headers(mission, reporter, fmt):
    response = client_for(reporter).get("/api/v1/incidents/export", {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert re.fullmatch(
        rf'attachment; filename="incidents-\d{{8}}T\d{{6}}Z\.{fmt}"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    assert exported_ids(fmt, b"".join(response.streaming_content)) == []


def test_csv_is_the_default_and_filters_apply(mission, analyst):
    clash = make_incident(mission, author=analyst, started_at="2024-03-05T06:00:00Z")
    make_incident(mission, author=analyst, started_at="2023-01-01T00:00:00Z")
    make_incident(
        mission, author=analyst, incident_type="explosive", subtype="ied", title="IED on RN2"
    )
    response = client_for(analyst).get(
        "/api/v1/incidents/export",
        {"mission": "MINUSCA", "type": "armed_clash", "date_from": "2024-01-01", "q": "clash"},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[:2] == [HEADER, HXL]
    assert [int(line[0]) for line in lines[2:]] == [clash.pk]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.user == analyst
    assert event.ip_address == "127.0.0.1"
    assert event.details == {
        "format": "csv",
        "filters": {
            "mission": "MINUSCA",
            "incident_type": "armed_clash",
            "started_from": "2024-01-01",
            "text": "clash",
        },
        "rows": "streamed",
    }


def test_another_missions_filter_reveals_nothing(mission, other_mission, reporter):
    make_incident(other_mission)
    response = client_for(reporter).get("/api/v1/incidents/export", {"mission": "UNMISS"})
    assert response.status_code == 200
    assert exported_ids("csv", b"".join(response.streaming_content)) == []


def test_bearer_token_works(mission, reporter):
    incident = make_incident(mission)
    _token, secret = api_token_create(user=reporter, name="script")
    response = client_for(None).get(
        "/api/v1/incidents/export",
        {"format": "geojson"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200
    assert exported_ids("geojson", b"".join(response.streaming_content)) == [incident.pk]


def test_anonymous_is_401_and_not_recorded(mission):
    make_incident(mission)
    response = client_for(None).get("/api/v1/incidents/export", {"format": "csv"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Sign in or send a valid API token.",
            "fields": {},
        }
    }
    assert export_events() == 0


def test_unknown_format_is_422_in_the_error_shape(mission, reporter):
    response = client_for(reporter).get("/api/v1/incidents/export", {"format": "pdf"})
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_failed",
            "message": "Some fields are not valid.",
            "fields": {"format": ["One of: csv, geojson, parquet, xlsx"]},
        }
    }
    assert export_events() == 0


def test_bad_bbox_is_422_and_not_recorded(mission, reporter):
    response = client_for(reporter).get("/api/v1/incidents/export", {"bbox": "1,2,3"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["bbox"]
    assert export_events() == 0


def test_openapi_documents_the_export():
    operation = api.get_openapi_schema(path_prefix="/api/v1")["paths"]["/api/v1/incidents/export"][
        "get"
    ]
    assert "format" in [parameter["name"] for parameter in operation["parameters"]]
    assert sorted(operation["responses"][200]["content"]) == [
        "application/geo+json",
        "application/vnd.apache.parquet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    ]
