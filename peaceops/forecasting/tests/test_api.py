import datetime as dt

import pytest

from peaceops.forecasting.models import Forecast
from peaceops.testing.clients import client_for


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/forecasts/runs",
        "/api/v1/forecasts/cm/units/CAF",
        "/api/v1/forecasts/cm/months/2024-01",
    ],
)
def test_anonymous_requests_are_refused(path):
    assert client_for(None).get(path).status_code == 401


@pytest.mark.django_db
def test_unit_forecasts_of_the_latest_run(cm_run, reporter):
    response = client_for(reporter).get("/api/v1/forecasts/cm/units/caf")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == "CAF"
    assert body["run"]["id"] == cm_run.pk
    assert body["run"]["data_cutoff"] == "2023-12-01"
    assert body["run"]["model_name"] == cm_run.model_name
    assert [f["month"] for f in body["forecasts"]] == ["2024-01-01", "2024-02-01"]
    stored = Forecast.objects.get(run=cm_run, unit="CAF", month=dt.date(2024, 1, 1))
    first = body["forecasts"][0]
    assert first["probability"] == stored.probability
    assert first["quantiles"]["0.5"] == stored.quantiles[3]
    assert first["sample"] == stored.sample


@pytest.mark.django_db
def test_month_forecasts_for_the_map(cm_run, analyst):
    body = client_for(analyst).get("/api/v1/forecasts/cm/months/2024-02").json()
    assert body["month"] == "2024-02-01"
    assert len(body["forecasts"]) == cm_run.unit_count
    car = next(f for f in body["forecasts"] if f["unit"] == "CAF")
    stored = Forecast.objects.get(run=cm_run, unit="CAF", month=dt.date(2024, 2, 1))
    assert car == {
        "unit": "CAF",
        "median": stored.median,
        "probability": stored.probability,
        "q05": stored.quantiles[0],
        "q95": stored.quantiles[-1],
    }


@pytest.mark.django_db
def test_errors(cm_run, analyst):
    client = client_for(analyst)
    assert client.get("/api/v1/forecasts/pgm/units/1").status_code == 404  # no pgm run
    assert client.get(f"/api/v1/forecasts/pgm/units/1?run_id={cm_run.pk}").status_code == 404
    assert client.get("/api/v1/forecasts/cm/months/2024-13").status_code == 422
    assert client.get("/api/v1/forecasts/runs/999999").status_code == 404
    runs = client.get("/api/v1/forecasts/runs?level=cm").json()
    assert [r["id"] for r in runs] == [cm_run.pk]
