"""The forecast pages: the risk map and a country's chart, for signed-in users only."""

import json
import re

import pytest

from peaceops.forecasting.models import Forecast
from peaceops.testing.clients import client_for
from peaceops.testing.forecast_factories import CLASHES, make_cm_run, make_public_clashes
from peaceops.web.forecast_views import percent


@pytest.fixture
def run(mission):
    make_public_clashes(mission)
    return make_cm_run()


def _json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, element_id
    return json.loads(match.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/forecasts/", "/forecasts/countries/CAF/"])
def test_anonymous_users_are_sent_to_sign_in(path):
    response = client_for(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.django_db
def test_map_without_forecasts_says_how_to_make_them(analyst):
    html = client_for(analyst).get("/forecasts/").content.decode()
    assert "No forecasts have been made yet." in html
    assert 'id="forecast-config"' not in html


def test_risk_map_lists_the_months_and_the_highest_risks(run, reporter):
    response = client_for(reporter).get("/forecasts/?month=2024-02")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Forecast risk map · peaceops</title>" in html
    assert '<option value="2024-01">January 2024</option>' in html
    assert '<option value="2024-02" selected>February 2024</option>' in html
    config = _json_script(html, "forecast-config")
    assert config["level"] == "cm"
    assert config["dataUrl"] == "/api/v1/forecasts/cm/months/2024-02"
    assert config["countryUrl"] == "/forecasts/countries/"
    top = Forecast.objects.filter(run=run, month="2024-02-01").order_by(
        "-probability", "-median", "unit"
    )[0]
    assert top.unit == "CAF"  # the only country with clashes
    assert '<a href="/forecasts/countries/CAF/">Central African Republic</a>' in html
    assert '<a href="/forecasts/countries/ISL/">' not in html  # probability 0: not listed
    assert "0% to 5%</li>" in html
    assert _json_script(html, "forecast-strings")["probability"] == "Probability"


def test_a_month_outside_the_run_shows_the_first(run, analyst):
    for month in ("2030-01", "garbage"):
        html = client_for(analyst).get(f"/forecasts/?month={month}").content.decode()
        assert '<option value="2024-01" selected>January 2024</option>' in html
        assert "Highest risk countries" in html


def test_cell_level_without_a_cell_run(run, analyst):
    html = client_for(analyst).get("/forecasts/?level=pgm").content.decode()
    assert "No forecasts have been made yet." in html


def test_country_page_charts_the_history_and_the_forecast(run, analyst):
    response = client_for(analyst).get("/forecasts/countries/caf/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Forecast: Central African Republic · peaceops</title>" in html
    assert html.count('<rect class="history"') == len(CLASHES)
    assert html.count('class="band90"') == 1
    assert html.count('class="band50"') == 1
    assert 'class="median"' in html
    january = Forecast.objects.get(run=run, unit="CAF", month="2024-01-01")
    assert f"<td>January 2024</td><td>{january.median:.0f}</td>" in html
    assert f"<td>{percent(january.probability)}</td></tr>" in html
    assert "data up to December 2023" in html


@pytest.mark.django_db
def test_unknown_country_is_not_found(analyst):
    assert client_for(analyst).get("/forecasts/countries/XYZ/").status_code == 404


def test_percent_for_people():
    assert percent(0.4) == "40%"
    assert percent(0.996) == "100%"
    assert percent(0.001) == "<1%"
    assert percent(0.0) == "0%"
