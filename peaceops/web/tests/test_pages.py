from django.conf import settings
from django.test import Client

from peaceops.core.roles import Role
from peaceops.incidents.services import incident_verify
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member


def test_sign_in_page_renders_with_labels(db):
    response = Client().get("/sign-in/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">User name</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'dir="ltr"' in html


def test_home_lists_my_missions_with_visible_counts(mission, other_mission):
    make_incident(mission, classification="internal")
    make_incident(mission, classification="confidential")
    make_incident(other_mission, classification="public")
    user = member(mission, Role.REPORTER, "internal")
    html = client_for(user).get("/").content.decode()
    assert "MINUSCA" in html
    assert "UNMISS" not in html
    assert '<td class="num">1</td>' in html  # only the internal one is counted
    assert '<td class="num">4</td>' in html  # its fatalities


def test_home_empty_state_for_user_without_missions(db):
    from peaceops.testing.factories import UserFactory

    html = client_for(UserFactory()).get("/").content.decode()
    assert "You are not a member of any mission yet." in html


def test_incident_detail_shows_casualties_and_history(mission, verifier):
    incident = make_incident(mission, classification="internal")
    incident_verify(actor=verifier, incident_id=incident.pk, version=1)
    html = client_for(verifier).get(f"/incidents/{incident.pk}/").content.decode()
    assert incident.title in html
    assert "Civilians (all)" in html
    assert "Community alert network (C3)" in html
    assert "v1 · Created" in html
    assert f"v2 · Verified · {verifier.username}" in html


def test_list_filters_by_text_and_empty_state(mission, analyst):
    make_incident(mission, title="Ambush on the Bossangoa road")
    client = client_for(analyst)
    html = client.get("/incidents/", {"q": "bossangoa"}).content.decode()
    assert "Ambush on the Bossangoa road" in html
    html = client.get("/incidents/", {"q": "nothing-like-this"}).content.decode()
    assert "No incidents match." in html


def test_arabic_interface_is_right_to_left(mission, analyst):
    client = client_for(analyst)
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_static_assets_are_served_locally(db):
    response = Client().get("/static/web/peaceops.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)


def test_incident_list_offers_exports_of_the_filtered_view(mission, analyst):
    make_incident(mission, title="Ambush on the Bossangoa road")
    make_incident(mission, title="Protest in Bangui")
    client = client_for(analyst)
    html = client.get("/incidents/", {"q": "bossangoa"}).content.decode()
    assert '<a href="/api/v1/incidents/export?format=csv&amp;q=bossangoa">CSV</a>' in html
    exported = b"".join(
        client.get("/api/v1/incidents/export?format=csv&q=bossangoa").streaming_content
    )
    lines = exported.decode().splitlines()
    assert len(lines) == 3  # header, HXL tags, one incident
    assert "Ambush on the Bossangoa road" in lines[2]


def test_impossible_dates_and_bad_cursors_get_friendly_answers(mission, analyst):
    client = client_for(analyst)
    response = client.get("/incidents/", {"date_from": "2022-13-01"})
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()
    response = client.get("/missions/MINUSCA/dashboard/", {"until": "2022-13"})
    assert response.status_code in (200, 400)
    response = client.get("/incidents/", {"cursor": "abc"})
    assert response.status_code == 400
    assert "The request could not be completed." in response.content.decode()
