import json

import pytest
from django.test import Client

from peaceops.accounts.services import api_token_create
from peaceops.incidents.models import Incident
from peaceops.testing.clients import client_for
from peaceops.testing.factories import incident_values, make_incident


def post_json(client: Client, path: str, body: dict, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def test_create_read_update_verify_round_trip(mission, analyst, verifier):
    client = client_for(analyst)
    body = {"mission": "MINUSCA", **incident_values(title="Attack on Kaga-Bandoro market")}
    created = post_json(client, "/api/v1/incidents", body)
    assert created.status_code == 201
    data = created.json()
    assert data["mission"] == "MINUSCA"
    assert data["title"] == "Attack on Kaga-Bandoro market"
    assert data["country_code"] == "CAF"
    assert data["fatalities"] == 4
    assert data["version"] == 1
    assert data["created_by"] == analyst.username
    assert data["casualties"] == [
        {"category": "armed_side_a", "outcome": "killed", "low": None, "best": 1, "high": None},
        {"category": "civilians", "outcome": "killed", "low": 2, "best": 3, "high": 5},
    ]
    assert data["actors"] == [{"name": "FACA", "side": "a", "kind": "state_forces"}]

    pk = data["id"]
    patched = client.patch(
        f"/api/v1/incidents/{pk}",
        json.dumps({"version": 1, "narrative": "Market burned."}),
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["narrative"] == "Market burned."
    assert patched.json()["title"] == "Attack on Kaga-Bandoro market"  # untouched
    assert patched.json()["version"] == 2

    verified = post_json(client_for(verifier), f"/api/v1/incidents/{pk}/verify", {"version": 2})
    assert verified.status_code == 200
    assert verified.json()["verification_status"] == "verified"
    assert verified.json()["reviewed_by"] == verifier.username

    history = client.get(f"/api/v1/incidents/{pk}/revisions").json()
    assert [(h["version"], h["action"], h["actor"]) for h in history] == [
        (1, "created", analyst.username),
        (2, "updated", analyst.username),
        (3, "verified", verifier.username),
    ]
    assert history[1]["changes"] == {
        "narrative": ["Exchange of fire between two armed groups.", "Market burned."]
    }


def test_stale_version_gives_409_with_stable_code(mission, analyst):
    incident = make_incident(mission, author=analyst)
    client = client_for(analyst)
    first = client.patch(
        f"/api/v1/incidents/{incident.pk}",
        json.dumps({"version": 1, "title": "A"}),
        content_type="application/json",
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/incidents/{incident.pk}",
        json.dumps({"version": 1, "title": "B"}),
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "conflict"
    assert Incident.objects.get(pk=incident.pk).title == "A"


def test_validation_error_names_fields(mission, analyst):
    body = {"mission": "MINUSCA", **incident_values(latitude=123.0)}
    body["casualties"] = [{"category": "civilians", "outcome": "killed", "best": 2, "low": 3}]
    response = post_json(client_for(analyst), "/api/v1/incidents", body)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_failed",
            "message": "Some fields are not valid.",
            "fields": {
                "latitude": ["Latitude must be between -90 and 90 degrees."],
                "casualties[0].low": ["The low estimate is above the best estimate."],
            },
        }
    }
    assert Incident.objects.count() == 0


def test_schema_error_uses_the_same_shape(mission, analyst):
    body = {"mission": "MINUSCA", **incident_values()}
    body["casualties"] = [{"category": "civilians", "outcome": "killed", "best": "many"}]
    del body["title"]
    response = post_json(client_for(analyst), "/api/v1/incidents", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert sorted(error["fields"]) == ["casualties[0].best", "title"]


def test_malformed_json_is_a_400_or_422_in_the_error_shape(mission, analyst):
    response = client_for(analyst).post(
        "/api/v1/incidents", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_oversize_body_is_413(mission, analyst, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"mission": "MINUSCA", **incident_values(narrative="x" * 20_000)}
    response = post_json(client_for(analyst), "/api/v1/incidents", body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Incident.objects.count() == 0


def test_unknown_incident_is_404(mission, analyst):
    response = client_for(analyst).get("/api/v1/incidents/999999")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_unknown_mission_on_create_is_404(mission, analyst):
    response = post_json(
        client_for(analyst), "/api/v1/incidents", {"mission": "NOPE", **incident_values()}
    )
    assert response.status_code == 404


def test_cursor_pagination_walks_everything_once(mission, analyst):
    made = [
        make_incident(mission, author=analyst, started_at=f"2024-01-{day:02d}")
        for day in range(1, 8)
    ]
    # two incidents at the same moment: the id breaks the tie
    made.append(make_incident(mission, author=analyst, started_at="2024-01-03"))
    client = client_for(analyst)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/incidents", params).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [i.pk for i in sorted(made, key=lambda i: (i.started_at, i.pk), reverse=True)]
    assert seen == expected
    assert pages == 3


def test_bad_cursor_and_limit_are_422(mission, analyst):
    client = client_for(analyst)
    response = client.get("/api/v1/incidents", {"cursor": "garbage!"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"cursor": ["Not a cursor returned by this API."]}
    response = client.get("/api/v1/incidents", {"limit": 0})
    assert response.json()["error"]["fields"] == {"limit": ["Between 1 and 1000."]}


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"type": "protest"}, ["Protest Bangui"]),
        ({"subtype": "attack"}, ["Attack Ndele"]),
        ({"country": "ssd"}, ["Clash Juba"]),
        ({"verification": "reported"}, ["Attack Ndele", "Clash Juba", "Protest Bangui"]),
        ({"date_from": "2024-02-01", "date_to": "2024-02-29"}, ["Attack Ndele"]),
        ({"bbox": "18,4,19,5"}, ["Protest Bangui"]),
        ({"q": "ndele"}, ["Attack Ndele"]),
        ({"q": "juba clash"}, ["Clash Juba"]),
        ({"mission": "minusca"}, ["Attack Ndele", "Clash Juba", "Protest Bangui"]),
    ],
)
def test_list_filters(mission, analyst, params, titles):
    make_incident(
        mission,
        author=analyst,
        title="Protest Bangui",
        incident_type="protest",
        subtype="peaceful",
        started_at="2024-01-10",
        latitude=4.3612,
        longitude=18.555,
    )
    make_incident(
        mission,
        author=analyst,
        title="Attack Ndele",
        incident_type="violence_against_civilians",
        subtype="attack",
        started_at="2024-02-10",
        latitude=8.41,
        longitude=20.65,
    )
    make_incident(
        mission,
        author=analyst,
        title="Clash Juba",
        started_at="2024-03-10",
        latitude=4.85,
        longitude=31.6,
    )
    response = client_for(analyst).get("/api/v1/incidents", params)
    assert response.status_code == 200
    assert sorted(item["title"] for item in response.json()["items"]) == titles


def test_bad_bbox_is_422(mission, analyst):
    response = client_for(analyst).get("/api/v1/incidents", {"bbox": "1,2,3"})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["bbox"]


def test_geojson_output(mission, analyst):
    incident = make_incident(mission, author=analyst, latitude=4.3612, longitude=18.555)
    data = client_for(analyst).get("/api/v1/incidents/geojson").json()
    assert data["type"] == "FeatureCollection"
    assert data["next_cursor"] is None
    (feature,) = data["features"]
    assert feature["id"] == incident.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [18.555, 4.3612]}
    assert feature["properties"]["title"] == incident.title
    assert feature["properties"]["country_code"] == "CAF"


def test_aggregates(mission, analyst):
    for day, lat, lon, kind, sub in (
        ("2024-01-10", 4.3612, 18.555, "protest", "peaceful"),
        ("2024-01-20", 4.3612, 18.555, "armed_clash", "state_based"),
        ("2024-02-10", 4.85, 31.6, "armed_clash", "non_state"),
    ):
        make_incident(
            mission,
            author=analyst,
            started_at=day,
            latitude=lat,
            longitude=lon,
            incident_type=kind,
            subtype=sub,
        )
    client = client_for(analyst)

    def rows(group_by, **params):
        response = client.get("/api/v1/incidents/aggregates", {"group_by": group_by, **params})
        assert response.status_code == 200
        return [(r["key"], r["incidents"], r["fatalities"]) for r in response.json()["rows"]]

    assert rows("month") == [("2024-01-01", 2, 8), ("2024-02-01", 1, 4)]
    assert rows("week") == [("2024-01-08", 1, 4), ("2024-01-15", 1, 4), ("2024-02-05", 1, 4)]
    assert rows("type") == [("armed_clash", 2, 8), ("protest", 1, 4)]
    assert rows("country") == [("CAF", 2, 8), ("SSD", 1, 4)]
    assert rows("admin1") == [("CAF/Ouaka", 2, 8), ("SSD/Ouaka", 1, 4)]
    assert rows("priogrid") == [(135_758, 2, 8), (136_504, 1, 4)]
    assert rows("mission") == [("MINUSCA", 3, 12)]
    assert rows("month", type="protest") == [("2024-01-01", 1, 4)]
    bad = client.get("/api/v1/incidents/aggregates", {"group_by": "colour"})
    assert bad.status_code == 422


def test_list_query_count_does_not_grow_with_rows(mission, analyst, django_assert_max_num_queries):
    for _ in range(30):
        make_incident(mission, author=analyst)
    client = client_for(analyst)
    # session + user + memberships + the page itself
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/incidents", {"limit": 30})
    assert len(response.json()["items"]) == 30
    with django_assert_max_num_queries(5):
        client.get("/api/v1/incidents/geojson")


def test_detail_query_count_is_constant(mission, analyst, django_assert_max_num_queries):
    incident = make_incident(mission, author=analyst)
    client = client_for(analyst)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/incidents/{incident.pk}").status_code == 200


def test_bearer_token_authenticates(mission, analyst):
    make_incident(mission, author=analyst)
    _token, secret = api_token_create(user=analyst, name="sms gateway")
    client = Client()
    response = client.get("/api/v1/incidents/count", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json() == {"count": 1}
    response = client.get("/api/v1/incidents/count", HTTP_AUTHORIZATION="Bearer po_wrong")
    assert response.status_code == 401


def test_session_writes_need_csrf(mission, analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = post_json(client, "/api/v1/incidents", {"mission": "MINUSCA", **incident_values()})
    assert response.status_code == 403
    assert Incident.objects.count() == 0


def test_unknown_keys_are_refused_not_ignored(mission, analyst):
    incident = make_incident(mission, author=analyst)
    response = client_for(analyst).patch(
        f"/api/v1/incidents/{incident.pk}",
        json.dumps({"version": 1, "titel": "typo"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"titel": ["Extra inputs are not permitted"]}
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_moving_the_point_rederives_the_country(mission, analyst):
    incident = make_incident(mission, author=analyst, latitude=4.3612, longitude=18.555)
    response = client_for(analyst).patch(
        f"/api/v1/incidents/{incident.pk}",
        json.dumps({"version": 1, "latitude": 4.85, "longitude": 31.6}),
        content_type="application/json",
    )
    assert response.json()["country_code"] == "SSD"


def test_api_docs_page_loads_nothing_from_the_internet(mission, analyst):
    html = client_for(analyst).get("/api/v1/docs").content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "https://" not in html


def test_non_numeric_ids_are_404_not_422(mission, analyst):
    client = client_for(analyst)
    for path in ("/api/v1/incidents/abc", "/api/v1/areas/x", "/api/v1/imports/y"):
        response = client.get(path)
        assert response.status_code == 404, path
