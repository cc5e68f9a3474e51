import datetime as dt
import html as html_lib
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from peaceops.core.roles import Role
from peaceops.incidents.selectors_dashboard import dashboard_months, mission_dashboard
from peaceops.incidents.services import incident_start_review, incident_verify
from peaceops.testing.clients import client_for
from peaceops.testing.factories import UserFactory, make_incident, member
from peaceops.web.charts import Series, month_label, nice_ticks, stacked_bars

TODAY = dt.datetime.now(dt.UTC).date()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)


def _at(month: dt.date, day: int = 2) -> str:
    return f"{month.replace(day=day).isoformat()}T08:00:00Z"


def _peacekeepers(killed: int, injured: int) -> list[dict]:
    return [
        {"category": "peacekeepers", "outcome": "killed", "best": killed},
        {"category": "peacekeepers", "outcome": "injured", "best": injured},
    ]


@pytest.fixture
def incidents(mission, other_mission):
    """Incidents of every clearance in MINUSCA this month and last, and one in UNMISS."""
    made = {
        "clash": make_incident(
            mission, started_at=_at(LAST_MONTH), admin1="Ouaka", classification="internal"
        ),
        "hostile": make_incident(
            mission,
            incident_type="hostile_act_peacekeepers",
            subtype="ambush",
            started_at=_at(THIS_MONTH, 1),
            admin1="Ouaka",
            classification="public",
            casualties=_peacekeepers(1, 2),
        ),
        "restriction": make_incident(
            mission,
            incident_type="restriction_of_movement",
            subtype="blocked_route",
            started_at=_at(THIS_MONTH, 1),
            admin1="Haute-Kotto",
            classification="internal",
            casualties=[],
        ),
        "secret_hostile": make_incident(
            mission,
            incident_type="hostile_act_peacekeepers",
            subtype="attack_on_base",
            started_at=_at(THIS_MONTH, 1),
            admin1="Vakaga",
            classification="confidential",
            casualties=_peacekeepers(5, 7),
        ),
        "old": make_incident(mission, started_at="2019-01-05", admin1="Ouaka"),
        "elsewhere": make_incident(other_mission, started_at=_at(THIS_MONTH, 1)),
    }
    return made


def test_figures_count_only_what_an_internal_clearance_may_see(mission, incidents):
    user = member(mission, Role.ANALYST, "internal")
    data = mission_dashboard(user=user, mission=mission, until=TODAY)

    assert data.months == dashboard_months(TODAY)
    assert len(data.months) == 24
    assert data.months[-1] == THIS_MONTH
    assert data.types == ["armed_clash", "hostile_act_peacekeepers", "restriction_of_movement"]
    assert data.by_month_type[(LAST_MONTH, "armed_clash")].incidents == 1
    assert data.by_month_type[(LAST_MONTH, "armed_clash")].fatalities == 4
    assert data.by_month_type[(THIS_MONTH, "hostile_act_peacekeepers")].incidents == 1
    assert data.period_incidents == 3  # neither the confidential one nor the 2019 one
    this_month = data.peacekeepers[-1]
    assert (this_month.hostile_acts, this_month.restrictions) == (1, 1)
    assert (this_month.killed, this_month.injured) == (1, 2)
    assert [(a.admin1, a.incidents) for a in data.top_areas] == [
        ("Ouaka", 2),
        ("Haute-Kotto", 1),
    ]
    assert data.status_counts == {"reported": 4, "under_review": 0, "verified": 0, "rejected": 0}
    assert data.total == 4


def test_a_confidential_clearance_sees_the_confidential_figures_too(mission, incidents):
    user = member(mission, Role.ANALYST, "confidential")
    data = mission_dashboard(user=user, mission=mission, until=TODAY)
    this_month = data.peacekeepers[-1]
    assert (this_month.hostile_acts, this_month.killed, this_month.injured) == (2, 6, 9)
    assert ("Vakaga", 1) in [(a.admin1, a.incidents) for a in data.top_areas]
    assert data.total == 5


def test_backlog_counts_by_status_and_the_oldest_waiting_report(mission, incidents, verifier):
    incident_verify(actor=verifier, incident_id=incidents["clash"].pk, version=1)
    incident_start_review(actor=verifier, incident_id=incidents["hostile"].pk, version=1)
    data = mission_dashboard(user=verifier, mission=mission, until=TODAY)
    assert data.status_counts == {"reported": 3, "under_review": 1, "verified": 1, "rejected": 0}
    assert data.oldest_unreviewed == min(
        incidents[k].created_at for k in ("restriction", "secret_hostile", "old")
    )


def test_dashboard_page_shows_charts_tables_and_links(mission, incidents):
    user = member(mission, Role.ANALYST, "internal")
    response = client_for(user).get("/missions/minusca/dashboard/")
    page = response.content.decode()
    assert response.status_code == 200
    svgs = re.findall(r"<svg [^>]*>", page)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg
        assert 'aria-label="' in svg
    assert "<title>Incidents per month by type, MINUSCA</title>" in page
    month_end = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    link = (
        f"/incidents/?mission=MINUSCA&amp;date_from={THIS_MONTH.isoformat()}"
        f"&amp;date_to={month_end.isoformat()}&amp;type=hostile_act_peacekeepers"
    )
    assert f'<a href="{link}">1</a>' in page  # the table's hostile acts this month
    assert f'<a href="{link}" tabindex="-1"><rect' in page  # and its bar
    assert "Restriction of movement" in page
    assert "Vakaga" not in page  # the confidential incident's area
    assert 'href="/incidents/?mission=MINUSCA&amp;country=CAF&amp;admin1=Ouaka' in page
    assert (
        '<a href="/incidents/?mission=MINUSCA&amp;verification=reported">Reported</a></td>'
        '<td class="num">4</td>' in page
    )


def test_dashboard_links_lead_to_the_same_incidents(mission, incidents):
    user = member(mission, Role.ANALYST, "internal")
    client = client_for(user)
    page = client.get("/missions/MINUSCA/dashboard/").content.decode()
    area = re.search(r'href="([^"]*admin1=Ouaka[^"]*)"', page).group(1)
    listed = client.get(html_lib.unescape(area)).content.decode()
    ids = {int(pk) for pk in re.findall(r'href="/incidents/(\d+)/"', listed)}
    assert ids == {incidents["clash"].pk, incidents["hostile"].pk}
    # the downloads carry the region filter too
    assert f"admin1={incidents['clash'].admin1}".replace(" ", "+") in html_lib.unescape(listed)


def test_empty_state_when_the_mission_has_no_visible_incident(mission, other_mission):
    make_incident(mission, classification="confidential")
    user = member(mission, Role.REPORTER, "internal")
    page = client_for(user).get("/missions/MINUSCA/dashboard/").content.decode()
    assert "There are no incidents in MINUSCA that you can see yet." in page
    assert "<svg" not in page
    assert 'href="/incidents/new/?mission=MINUSCA"' in page


def test_dashboard_of_a_mission_the_user_does_not_work_in_is_not_found(
    mission, other_mission, incidents
):
    user = member(mission, Role.ANALYST, "strictly_confidential")
    assert client_for(user).get("/missions/UNMISS/dashboard/").status_code == 404
    assert client_for(user).get("/missions/NOPE/dashboard/").status_code == 404
    assert client_for(UserFactory()).get("/missions/MINUSCA/dashboard/").status_code == 404
    response = Client().get("/missions/MINUSCA/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_global_reader_sees_any_missions_dashboard(mission, other_mission, incidents):
    reader = member(None, Role.HQ_READER, "internal")
    assert client_for(reader).get("/missions/UNMISS/dashboard/").status_code == 200


def test_dashboard_menu_entry_goes_to_the_first_mission(mission, other_mission):
    user = member(other_mission, Role.ANALYST, "internal")
    member(mission, Role.ANALYST, "internal", user=user)
    response = client_for(user).get("/dashboard/")
    assert response["Location"] == "/missions/MINUSCA/dashboard/"
    page = client_for(UserFactory()).get("/dashboard/").content.decode()
    assert "You are not a member of any mission yet" in page


def test_dashboard_queries_do_not_grow_with_incidents(mission, django_assert_max_num_queries):
    user = member(mission, Role.ANALYST, "internal")
    for month in (THIS_MONTH, LAST_MONTH):
        for _ in range(3):
            make_incident(mission, started_at=_at(month), casualties=_peacekeepers(1, 1))
    client = client_for(user)
    with django_assert_max_num_queries(12):
        assert client.get("/missions/MINUSCA/dashboard/").status_code == 200


# --- the chart ---------------------------------------------------------------------------


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(130) == [0, 50, 100, 150]


def test_stacked_bars_is_accessible_and_escapes_text():
    svg = stacked_bars(
        title='Incidents <"A&B">',
        categories=[("m1", "Jan"), ("m2", "Feb")],
        series=[Series("a", "Type <a>", "#123456"), Series("b", "B", "#654321")],
        value=lambda x, key: {"m1": 2, "m2": 1}[x] if key == "a" else 1,
        link=lambda x, key: f"/incidents/?m={x}&k={key}",
    )
    assert svg.startswith('<svg class="chart" role="img" aria-label="Incidents &lt;&quot;A&amp;B')
    assert "<title>Incidents &lt;&quot;A&amp;B&quot;&gt;</title>" in svg
    assert svg.count("<rect") == 4
    assert "<title>Jan · Type &lt;a&gt;: 2</title>" in svg
    assert '<a href="/incidents/?m=m1&amp;k=a" tabindex="-1">' in svg
    assert "<script" not in svg


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Mar 2024"),
        ("fr", "Mar 2024"),
        ("es", "Mar de 2024"),
        ("ru", "Мар 2024 г."),
        ("ar", "مارس 2024"),
        ("zh-hans", "2024年3月"),
    ],
)
def test_month_labels_follow_the_languages_year_month_format(language, label):
    with translation.override(language):
        assert month_label(dt.date(2024, 3, 1)) == label


def test_dashboard_months_are_written_the_chinese_way_in_chinese(mission, incidents):
    user = member(mission, Role.ANALYST, "internal")
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(f"/missions/MINUSCA/dashboard/?until={THIS_MONTH:%Y-%m}").content.decode()
    assert f">{THIS_MONTH.year}年{THIS_MONTH.month}月</a></th>" in html  # the table's rows
    assert f"{LAST_MONTH:%b %Y}" not in html
