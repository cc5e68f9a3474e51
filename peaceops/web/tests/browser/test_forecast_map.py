"""The forecast risk map in a real browser: the script loads the boundaries and the month's
forecasts from the API and colours the countries by probability."""

from playwright.sync_api import expect

from peaceops.forecasting.models import Forecast
from peaceops.testing.forecast_factories import make_cm_run, make_public_clashes
from peaceops.web.forecast_views import RISK_CLASSES


def _colour(probability: float) -> str:
    return next(colour for upper, colour in RISK_CLASSES if probability <= upper)


def test_the_risk_map_colours_the_countries(new_page, world, sign_in, shoot):
    make_public_clashes(world.mission)
    run = make_cm_run()
    car = Forecast.objects.get(run=run, unit="CAF", month="2024-01-01")
    page = new_page()
    sign_in(page, world.reporter)
    page.goto("/forecasts/")
    canvas = page.locator("#forecast-map")
    expect(canvas).to_have_attribute("data-ready", "true")
    expect(page.locator("#forecast-status")).to_have_text(
        f"Forecasts on the map: {run.unit_count}."
    )
    fills = page.locator("#forecast-map path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert car.probability > RISK_CLASSES[0][0]  # not the colour of the quiet countries
    assert fills.count(_colour(car.probability)) == 1  # the Central African Republic
    assert len(fills) > 200  # every country of the boundaries
    shoot(page)
