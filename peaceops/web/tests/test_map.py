"""The map page: rendered for signed-in users with the legend and the mission area layers,
everything it loads served by the platform itself (vendored Leaflet, no CDN)."""

import json
import re

import pytest
from django.test import Client

from peaceops.core.roles import Role
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.map_api import boundaries_version
from peaceops.testing.clients import client_for
from peaceops.testing.factories import UserFactory, member
from peaceops.web.map_views import TYPE_COLOURS


def _json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, element_id
    return json.loads(match.group(1))


def test_map_page_shows_the_legend_and_the_area_layers_of_my_missions(mission, other_mission):
    user = member(mission, Role.ANALYST, "internal")
    response = client_for(user).get("/map/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Map · peaceops</title>" in html
    for code, label in IncidentType.choices:
        swatch = f'style="background-color: {TYPE_COLOURS[code]}" aria-hidden="true"></span>'
        assert f"{swatch}{label}</li>" in html
    assert (
        '<input type="checkbox" class="map-area-toggle" data-mission="MINUSCA" checked>'
        " MINUSCA areas</label>" in html
    )
    assert 'data-mission="UNMISS"' not in html
    assert '<option value="MINUSCA">MINUSCA</option>' in html
    assert '<option value="UNMISS">' not in html
    for kind in ("Area of responsibility", "Buffer zone", "Protected site", "Base"):
        assert f'aria-hidden="true"></span>{kind}</li>' in html
    assert "admin-1 areas appear as a ranked list" in html
    assert '<a href="/map/">Map</a>' in html  # the main navigation


def test_map_page_passes_labels_and_urls_to_the_script(mission):
    user = member(mission, Role.REPORTER, "internal")
    html = client_for(user).get("/map/").content.decode()
    assert _json_script(html, "map-types")["armed_clash"] == {
        "label": "Armed clash",
        "colour": "#d62728",
    }
    assert _json_script(html, "map-statuses") == {
        "reported": "Reported",
        "under_review": "Under review",
        "verified": "Verified",
        "rejected": "Rejected",
    }
    assert _json_script(html, "map-area-kinds")["buffer_zone"] == {
        "code": "buffer_zone",
        "label": "Buffer zone",
        "color": "#b35900",
        "dashArray": "6 4",
    }
    assert _json_script(html, "map-config") == {
        "pointsUrl": "/api/v1/incidents/map-points",
        "aggregatesUrl": "/api/v1/incidents/map-aggregates",
        "incidentUrl": "/api/v1/incidents/",
        "incidentPageUrl": "/incidents/",
        "boundariesUrl": f"/api/v1/boundaries?v={boundaries_version()}",
        "areasUrls": {"MINUSCA": "/api/v1/missions/MINUSCA/areas"},
        "alertsUrl": "/api/v1/alerts/geojson",
        "alertPageUrl": "/alerts/",
    }
    strings = _json_script(html, "map-strings")
    assert strings["loading"] == "Loading incidents…"
    assert strings["empty"] == "No incidents match these filters."
    assert '<p id="map-status" class="map-status" role="status" aria-live="polite">' in html


def test_map_page_controls_have_labels(mission, analyst):
    html = client_for(analyst).get("/map/").content.decode()
    control_ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    assert control_ids  # and every one has a label
    for control_id in control_ids:
        if control_id == "language":
            continue
        assert f'<label for="{control_id}">' in html, control_id


def test_map_page_loads_nothing_from_other_servers(mission, analyst):
    html = client_for(analyst).get("/map/").content.decode()
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert all(src.startswith("/static/web/") for src in scripts), scripts
    assert scripts[-3:] == [  # in this order: the plugin needs Leaflet, the map needs both
        "/static/web/vendor/leaflet/leaflet.js",
        "/static/web/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/web/map.js",
    ]


def test_map_page_for_a_user_without_missions_says_so(db):
    html = client_for(UserFactory()).get("/map/").content.decode()
    assert "You are not a member of any mission yet" in html
    assert 'class="map-area-toggle"' not in html


def test_anonymous_users_are_sent_to_sign_in(db):
    response = Client().get("/map/", {"type": "protest"})
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/map/%3Ftype%3Dprotest"


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/static/web/vendor/leaflet/leaflet.js", b't.version="1.9.4"'),
        ("/static/web/vendor/leaflet/leaflet.css", b".leaflet-container"),
        ("/static/web/vendor/leaflet/images/layers.png", b"\x89PNG"),
        ("/static/web/vendor/leaflet/LICENSE", b"BSD 2-Clause License"),
        (
            "/static/web/vendor/leaflet.markercluster/leaflet.markercluster.js",
            b"MarkerClusterGroup",
        ),
        ("/static/web/vendor/leaflet.markercluster/MarkerCluster.css", b".leaflet-cluster-anim"),
        ("/static/web/vendor/leaflet.markercluster/MarkerCluster.Default.css", b".marker-cluster"),
        ("/static/web/vendor/leaflet.markercluster/LICENSE", b"Copyright 2012 David Leaver"),
        ("/static/web/map.js", b"chunkedLoading: true"),
        ("/static/web/map.css", b".map-page"),
    ],
)
def test_vendored_and_map_assets_are_served_by_the_app(db, path, content):
    response = Client().get(path)
    assert response.status_code == 200
    assert content in b"".join(response.streaming_content)
