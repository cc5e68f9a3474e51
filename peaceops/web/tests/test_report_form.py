import html
import json
import re

import pytest

from peaceops.core.errors import ValidationFailed
from peaceops.core.roles import Role
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.services import incident_verify
from peaceops.testing.clients import client_for
from peaceops.testing.factories import UserFactory, make_incident, member
from peaceops.web.forms import IncidentReportForm

BLANK_CASUALTY = {"category": "", "outcome": "killed", "low": "", "best": "", "high": ""}
BLANK_SOURCE = {
    "name": "",
    "reference": "",
    "published_on": "",
    "reliability": "",
    "credibility": "",
    "excerpt": "",
}


def _rows(prefix, rows, initial=0):
    """A formset's fields as the page sends them: the counts, then each row's fields."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def _post(mission, casualties=None, sources=None, **overrides):
    if casualties is None:
        casualties = [
            {**BLANK_CASUALTY, "category": "peacekeepers", "best": "1"},
            {**BLANK_CASUALTY, "category": "peacekeepers", "outcome": "injured", "best": "3"},
            BLANK_CASUALTY,  # the empty row the page offers
        ]
    if sources is None:
        sources = [
            {**BLANK_SOURCE, "name": "Patrol leader", "reliability": "B", "credibility": "2"},
            BLANK_SOURCE,
        ]
    data = {
        "mission": mission.pk,
        "incident_type": "hostile_act_peacekeepers",
        "subtype": "ambush",
        "title": "Ambush on the Bambari road",
        "narrative": "A patrol was fired upon 12 km north of Bambari.",
        "started_at": "2024-05-02T07:30",
        "ended_at": "",
        "date_precision": "exact",
        "latitude": "5,7631",  # a decimal comma, as typed on a French keyboard
        "longitude": "20.6732",
        "location_precision": "near",
        "location_name": "Bambari",
        "admin1": "Ouaka",
        "admin2": "",
        "classification": "internal",
        **_rows("casualties", casualties),
        **_rows("sources", sources),
    }
    data.update(overrides)
    return data


def test_form_is_for_phones_and_lists_only_missions_where_the_user_may_report(
    mission, other_mission
):
    user = member(mission, Role.REPORTER, "internal")
    member(other_mission, Role.HQ_READER, "confidential", user=user)  # reads, may not report
    member(None, Role.HQ_READER, "internal", user=user)
    html = client_for(user).get("/incidents/new/").content.decode()

    assert 'name="viewport"' in html
    for name in ("latitude", "longitude"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'inputmode="decimal"' in tag
    assert 'type="datetime-local"' in html
    mission_select = re.search(r'<select name="mission".*?</select>', html, re.S).group(0)
    assert "MINUSCA" in mission_select
    assert "UNMISS" not in mission_select
    classification = re.search(r'<select name="classification".*?</select>', html, re.S).group(0)
    assert 'value="internal"' in classification
    assert 'value="confidential"' not in classification
    assert "<optgroup" in html  # subtypes grouped by type, usable without JavaScript
    # one empty casualty row and one empty source, each field labelled
    for field, label in (("category", "Who"), ("low", "Low estimate"), ("best", "Best estimate")):
        assert f'for="id_casualties-0-{field}">{label}</label>' in html
    assert 'for="id_sources-0-name">Source</label>' in html
    assert 'name="casualties-TOTAL_FORMS" value="1"' in html
    assert 'name="sources-TOTAL_FORMS" value="1"' in html
    # the rows the script adds are copies of these, hidden until then
    assert 'name="casualties-__prefix__-best"' in html
    assert '<button type="button" data-add-row hidden>Add a casualty row</button>' in html
    assert '<button type="button" data-add-row hidden>Add a source</button>' in html


def test_a_report_is_created_and_the_user_lands_on_its_page(mission, reporter):
    client = client_for(reporter)
    casualties = [
        {**BLANK_CASUALTY, "category": "peacekeepers", "best": "1"},
        {**BLANK_CASUALTY, "category": "peacekeepers", "outcome": "injured", "best": "3"},
        {"category": "civilians", "outcome": "killed", "low": "2", "best": "4", "high": "9"},
        {**BLANK_CASUALTY, "category": "unknown", "best": "7", "DELETE": "on"},  # removed
        BLANK_CASUALTY,
    ]
    sources = [
        {**BLANK_SOURCE, "name": "Patrol leader", "reliability": "B", "credibility": "2"},
        {
            "name": "Radio Ndeke Luka",
            "reference": "https://example.org/news/1",
            "published_on": "2024-05-03",
            "reliability": "C",
            "credibility": "3",
            "excerpt": "Shots were heard north of Bambari.",
        },
        BLANK_SOURCE,
    ]
    response = client.post("/incidents/new/", _post(mission, casualties, sources))

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.created_by == reporter
    assert incident.mission == mission
    assert incident.latitude == pytest.approx(5.7631)
    assert incident.started_at.isoformat() == "2024-05-02T07:30:00+00:00"
    assert incident.location_precision == "near"
    assert incident.fatalities == 5
    assert incident.injured == 3
    assert sorted(
        (c.category, c.outcome, c.low, c.best, c.high) for c in incident.casualties.all()
    ) == [
        ("civilians", "killed", 2, 4, 9),
        ("peacekeepers", "injured", None, 3, None),
        ("peacekeepers", "killed", None, 1, None),
    ]
    assert [
        (s.name, s.reference, str(s.published_on), s.reliability, s.credibility, s.excerpt)
        for s in incident.sources.all()
    ] == [
        ("Patrol leader", "", "None", "B", 2, ""),
        (
            "Radio Ndeke Luka",
            "https://example.org/news/1",
            "2024-05-03",
            "C",
            3,
            "Shots were heard north of Bambari.",
        ),
    ]
    html = client.get(response["Location"]).content.decode()
    assert "Incident reported. It is waiting for a verifier to review it." in html
    assert "Patrol leader (B2)" in html
    assert "B - Usually reliable" in html


def test_service_reasons_appear_next_to_their_fields_and_nothing_typed_is_lost(mission, reporter):
    data = _post(
        mission,
        casualties=[
            {**BLANK_CASUALTY, "category": "civilians", "best": "many"},
            {"category": "peacekeepers", "outcome": "killed", "low": "5", "best": "2", "high": ""},
            {"category": "peacekeepers", "outcome": "injured", "low": "", "best": "4", "high": "1"},
            {**BLANK_CASUALTY, "category": "peacekeepers", "best": "1"},  # killed, twice
            {**BLANK_CASUALTY, "best": "3"},  # who?
        ],
        sources=[{**BLANK_SOURCE, "reliability": "B"}],  # graded, but no name
        title="",
        latitude="95",
        ended_at="2024-05-01T07:30",
    )
    response = client_for(reporter).post("/incidents/new/", data)
    html = response.content.decode()

    assert response.status_code == 422
    assert Incident.objects.count() == 0
    assert IncidentRevision.objects.count() == 0
    assert "The incident was not saved yet." in html

    def errors_of(field: str) -> str:
        match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
        assert match, field
        return match.group(1)

    assert "Give the incident a short title." in errors_of("title")
    assert "Latitude must be between -90 and 90 degrees." in errors_of("latitude")
    assert "The end is before the start." in errors_of("ended_at")
    assert "Give a whole number of people, 0 or more." in errors_of("casualties-0-best")
    assert "The low estimate is above the best estimate." in errors_of("casualties-1-low")
    assert "The high estimate is below the best estimate." in errors_of("casualties-2-high")
    assert "Say who the casualties were." in errors_of("casualties-4-category")
    assert re.search(  # the duplicate row: said on the row, in its first cell
        r'<tr class="formset-row">\s*<td><div class="error" role="alert">'
        r'<ul class="errorlist nonfield"><li>This category and outcome appear twice.</li>',
        html,
    )
    assert "This field is required." in errors_of("sources-0-name")
    assert "9 fields need your attention." in html
    assert 'aria-invalid="true"' in html
    # everything typed comes back, rows included
    assert "A patrol was fired upon 12 km north of Bambari." in html
    assert 'value="95"' in html
    assert 'value="many"' in html
    assert 'name="casualties-1-low" value="5"' in html
    assert 'name="casualties-TOTAL_FORMS" value="5"' in html
    assert 'value="2024-05-02T07:30"' in html
    assert re.search(r'<option value="ambush" selected>', html)
    assert re.search(
        r'name="sources-0-reliability"[^>]*>.*?<option value="B" selected>', html, re.S
    )


def test_classification_above_clearance_is_refused_on_its_field(mission, reporter):
    # A tampered form: the select does not offer it, the service refuses it.
    response = client_for(reporter).post(
        "/incidents/new/", _post(mission, classification="confidential")
    )
    assert response.status_code == 422
    assert Incident.objects.count() == 0
    html = response.content.decode()
    assert "Select a valid choice." in html


def test_a_mission_where_the_user_may_not_report_is_refused(mission, other_mission, reporter):
    member(other_mission, Role.HQ_READER, "internal", user=reporter)
    response = client_for(reporter).post("/incidents/new/", _post(other_mission))
    assert response.status_code == 422
    assert Incident.objects.count() == 0
    assert "Select a valid choice." in response.content.decode()


def test_users_who_may_report_nowhere_are_told_what_to_do(mission):
    reader = member(mission, Role.HQ_READER, "internal")
    for user in (reader, UserFactory()):
        response = client_for(user).get("/incidents/new/")
        assert response.status_code == 403
        assert "Ask your mission administrator" in response.content.decode()
        assert client_for(user).post("/incidents/new/", _post(mission)).status_code == 403
    assert Incident.objects.count() == 0


def test_the_page_carries_every_types_subtypes_for_the_script(mission, reporter):
    client = client_for(reporter)
    html = client.get("/incidents/new/").content.decode()
    match = re.search(r'<script id="subtype-options" type="application/json">(.*?)</script>', html)
    options = json.loads(match.group(1))
    by_type = {t["code"]: t for t in options["types"]}
    assert by_type["restriction_of_movement"]["label"] == "Restriction of movement"
    assert ["blocked_route", "Blocked route"] in by_type["restriction_of_movement"]["subtypes"]
    assert "ambush" not in dict(by_type["restriction_of_movement"]["subtypes"])
    assert options["choose"] == "Choose a subtype"
    # Sent back with a problem, the page lists only the chosen type's subtypes.
    page = client.post(
        "/incidents/new/", _post(mission, incident_type="restriction_of_movement", title="")
    ).content.decode()
    subtype = re.search(r'<select name="subtype".*?</select>', page, re.S).group(0)
    assert 'value="blocked_route"' in subtype
    assert 'value="ambush"' not in subtype
    assert "<optgroup" not in subtype


def test_subtype_of_another_type_is_refused_next_to_the_subtype(mission, reporter):
    response = client_for(reporter).post(
        "/incidents/new/", _post(mission, incident_type="protest", subtype="ambush")
    )
    assert response.status_code == 422
    assert "Choose a subtype of the selected type." in response.content.decode()


def test_nested_service_field_names_map_onto_the_form(mission, reporter):
    form = IncidentReportForm(
        _post(
            mission,
            casualties=[
                {**BLANK_CASUALTY, "category": "civilians", "best": "4"},
                BLANK_CASUALTY,  # left empty: not sent
                {**BLANK_CASUALTY, "category": "unknown", "best": "2", "DELETE": "on"},
                {**BLANK_CASUALTY, "category": "peacekeepers", "outcome": "injured", "best": "1"},
            ],
        ),
        missions=[mission],
        classifications=[("public", "Public"), ("internal", "Internal")],
    )
    assert form.is_valid(), form.errors
    values = form.service_values()
    assert values["casualties"] == [
        {"category": "civilians", "outcome": "killed", "low": None, "best": 4, "high": None},
        {"category": "peacekeepers", "outcome": "injured", "low": None, "best": 1, "high": None},
    ]
    form.add_service_errors(
        ValidationFailed(
            {
                "casualties[1].best": ["Too many."],
                "casualties[0]": ["This category and outcome appear twice."],
                "sources[0].credibility": ["Credibility is a number from 1 to 6."],
                "country_code": ["Unknown country code: XXX"],
            }
        )
    )
    rows = form.casualties.forms
    assert rows[3].errors == {"best": ["Too many."]}
    assert rows[0].non_field_errors() == ["This category and outcome appear twice."]
    assert form.sources.forms[0].errors == {"credibility": ["Credibility is a number from 1 to 6."]}
    assert form.non_field_errors() == ["country_code: Unknown country code: XXX"]


def test_clearance_is_checked_for_the_chosen_mission(mission, other_mission, reporter):
    # Confidential is offered (the user holds it in UNMISS) but not theirs in MINUSCA.
    member(other_mission, Role.REPORTER, "confidential", user=reporter)
    response = client_for(reporter).post(
        "/incidents/new/", _post(mission, classification="confidential")
    )
    assert response.status_code == 422
    assert Incident.objects.count() == 0
    assert re.search(
        r'id="id_classification_error"><li>Above your clearance for this mission.</li>',
        response.content.decode(),
    )


# --- editing -----------------------------------------------------------------------------


def _edit_data(client, incident, **overrides):
    """The edit form as the page fills it in, with `overrides` typed over it."""
    page = client.get(f"/incidents/{incident.pk}/edit/").content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for select in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select[1])
        data[select[0]] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(text)
    data.update(overrides)
    return data


def test_an_edit_sends_only_what_changed_with_a_comment(mission, analyst):
    incident = make_incident(mission)
    client = client_for(analyst)
    data = _edit_data(client, incident, title="Clash at Bambari bridge", comment="Place named")
    response = client.post(f"/incidents/{incident.pk}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/incidents/{incident.pk}/"
    revision = IncidentRevision.objects.get(incident=incident, version=2)
    assert revision.changes == {"title": [incident.title, "Clash at Bambari bridge"]}
    assert revision.comment == "Place named"
    assert Incident.objects.get(pk=incident.pk).casualties.count() == 2


def test_an_unchanged_edit_records_nothing(mission, analyst):
    incident = make_incident(mission)
    client = client_for(analyst)
    response = client.post(f"/incidents/{incident.pk}/edit/", _edit_data(client, incident))
    assert response.status_code == 302
    assert IncidentRevision.objects.filter(incident=incident).count() == 1


def test_an_edit_changes_casualty_rows_and_removes_a_source(mission, analyst):
    incident = make_incident(
        mission,
        sources=[
            {"name": "Community alert network", "reliability": "C", "credibility": 3},
            {"name": "Local radio", "reference": "https://example.org/r", "excerpt": "Shots."},
        ],
    )
    client = client_for(analyst)
    page = client.get(f"/incidents/{incident.pk}/edit/").content.decode()
    assert 'name="casualties-TOTAL_FORMS" value="3"' in page  # two recorded rows, one empty
    assert 'name="sources-1-excerpt"' in page
    # The rows are listed in the model's order: killed armed actors (side A), then civilians.
    assert re.search(r'name="casualties-0-category"[^>]*>.*?"armed_side_a" selected', page, re.S)
    data = _edit_data(
        client,
        incident,
        **{"casualties-1-high": "4", "sources-0-DELETE": "on", "comment": "Second source only"},
    )
    response = client.post(f"/incidents/{incident.pk}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    incident.refresh_from_db()
    assert incident.version == 2
    assert [(c.category, c.low, c.best, c.high) for c in incident.casualties.all()] == [
        ("armed_side_a", None, 1, None),
        ("civilians", 2, 3, 4),
    ]
    assert [(s.name, s.reference, s.excerpt) for s in incident.sources.all()] == [
        ("Local radio", "https://example.org/r", "Shots.")
    ]
    revision = IncidentRevision.objects.get(incident=incident, version=2)
    assert set(revision.changes) == {"casualties", "sources"}


def test_an_edit_with_an_impossible_estimate_keeps_every_row(mission, analyst):
    incident = make_incident(mission)
    client = client_for(analyst)
    data = _edit_data(client, incident, **{"casualties-1-low": "9", "title": "Better title"})
    response = client.post(f"/incidents/{incident.pk}/edit/", data)
    page = response.content.decode()
    assert response.status_code == 422
    assert re.search(
        r'id="id_casualties-1-low_error"><li>The low estimate is above the best estimate.</li>',
        page,
    )
    assert 'name="casualties-1-low" value="9"' in page
    assert 'value="Better title"' in page
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_an_edit_over_someone_elses_change_keeps_the_draft(mission, analyst):
    incident = make_incident(mission)
    client = client_for(analyst)
    data = _edit_data(client, incident, title="My better title")
    client.post(f"/incidents/{incident.pk}/edit/", {**data, "title": "Theirs"})  # version 2

    response = client.post(f"/incidents/{incident.pk}/edit/", data)  # still says version 1
    page = response.content.decode()
    assert response.status_code == 422
    assert "This incident was changed by someone else" in page
    assert 'value="My better title"' in page
    assert Incident.objects.get(pk=incident.pk).title == "Theirs"


def test_edit_reasons_appear_next_to_the_fields(mission, analyst):
    incident = make_incident(mission)
    client = client_for(analyst)
    response = client.post(
        f"/incidents/{incident.pk}/edit/", _edit_data(client, incident, longitude="200")
    )
    assert response.status_code == 422
    assert re.search(
        r'id="id_longitude_error"><li>Longitude must be between -180 and 180 degrees.</li>',
        response.content.decode(),
    )
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_reporters_edit_their_own_report_only_until_it_is_reviewed(mission, reporter, verifier):
    own = make_incident(mission, author=reporter)
    someone_elses = make_incident(mission)
    client = client_for(reporter)
    assert (
        f'href="/incidents/{own.pk}/edit/"' in client.get(f"/incidents/{own.pk}/").content.decode()
    )
    assert client.get(f"/incidents/{own.pk}/edit/").status_code == 200
    page = client.get(f"/incidents/{someone_elses.pk}/").content.decode()
    assert "/edit/" not in page
    assert client.get(f"/incidents/{someone_elses.pk}/edit/").status_code == 403

    incident_verify(actor=verifier, incident_id=own.pk, version=1)
    assert "/edit/" not in client.get(f"/incidents/{own.pk}/").content.decode()
    response = client.post(f"/incidents/{own.pk}/edit/", {"version": 2, "title": "x"})
    assert response.status_code == 403
    assert "You may not edit this incident." in response.content.decode()
    assert Incident.objects.get(pk=own.pk).version == 2


def test_editing_an_invisible_incident_is_not_found(mission, reporter):
    secret = make_incident(mission, classification="confidential")
    assert client_for(reporter).get(f"/incidents/{secret.pk}/edit/").status_code == 404


def _report_map_config(html: str) -> dict:
    match = re.search(
        r'<script id="report-map-config" type="application/json">(.*?)</script>', html
    )
    assert match, "report-map-config"
    return json.loads(match.group(1))


def test_the_form_has_a_map_to_place_the_point_and_works_without_javascript(
    mission, other_mission, reporter
):
    from peaceops.incidents.map_api import boundaries_version

    member(other_mission, Role.REPORTER, "internal", user=reporter)
    html = client_for(reporter).get("/incidents/new/").content.decode()

    config = _report_map_config(html)
    assert config["boundariesUrl"] == f"/api/v1/boundaries?v={boundaries_version()}"
    assert config["missions"] == {str(mission.pk): ["CAF"], str(other_mission.pk): ["SSD"]}
    assert config["strings"]["attribution"] == "Boundaries: Natural Earth (public domain)"
    # Without JavaScript the map stays hidden and the typed inputs are the whole story.
    assert '<div id="report-map" class="report-map" hidden>' in html
    assert html.index('name="latitude"') < html.index('id="report-map"')
    assert '<script src="/static/web/incident_form.js"></script>' in html
    assert '<script src="/static/web/vendor/leaflet/leaflet.js"></script>' in html
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts)  # no inline code

    # Posting the form as a browser without JavaScript still creates the incident.
    response = client_for(reporter).post("/incidents/new/", _post(mission))
    assert response.status_code == 302
    assert Incident.objects.get().latitude == pytest.approx(5.7631)


def test_the_edit_form_map_centres_on_the_incidents_mission(mission, analyst):
    incident = make_incident(mission, author=analyst, latitude=4.36, longitude=18.55)
    html = client_for(analyst).get(f"/incidents/{incident.pk}/edit/").content.decode()
    assert _report_map_config(html)["missions"] == {str(mission.pk): ["CAF"]}
    assert 'id="report-map-canvas"' in html
