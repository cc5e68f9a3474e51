import datetime as dt

import numpy as np
import pytest

from peaceops.core.jobs import registered_jobs
from peaceops.forecasting.models import Forecast
from peaceops.forecasting.services import monthly_forecast_job
from peaceops.warning.forecast_signals import forecast_signals


@pytest.mark.django_db
def test_the_warning_rule_gets_the_stored_probabilities(cm_run):
    signals = forecast_signals(
        level="cm",
        units=["CAF", "ISL"],
        threshold=25,
        first_month=dt.date(2024, 1, 1),
        last_month=dt.date(2024, 1, 31),
    )
    car = Forecast.objects.get(run=cm_run, unit="CAF", month=dt.date(2024, 1, 1))
    assert [(s.unit, s.month) for s in signals] == [
        ("CAF", dt.date(2024, 1, 1)),
        ("ISL", dt.date(2024, 1, 1)),
    ]
    assert signals[0].probability == car.probability
    assert signals[0].median == car.median
    assert signals[0].threshold == 25
    assert signals[1].probability == 0
    assert signals[0].reference == cm_run.reference
    assert "data to 2023-12" in signals[0].reference


def _car_in_february(threshold: int):
    (signal,) = forecast_signals(
        level="cm",
        units=["CAF"],
        threshold=threshold,
        first_month=dt.date(2024, 2, 1),
        last_month=dt.date(2024, 2, 1),
    )
    return signal


@pytest.mark.django_db
def test_other_thresholds_use_the_stored_sample(cm_run):
    car = Forecast.objects.get(run=cm_run, unit="CAF", month=dt.date(2024, 2, 1))
    assert _car_in_february(5).probability == float(np.mean(np.asarray(car.sample) >= 5))
    assert _car_in_february(1).probability == car.probability_any


@pytest.mark.django_db
def test_no_run_no_signals():
    assert (
        forecast_signals(
            level="pgm",
            units=["1"],
            threshold=1,
            first_month=dt.date(2024, 1, 1),
            last_month=dt.date(2024, 12, 1),
        )
        == []
    )


def test_the_monthly_job_is_registered():
    jobs = {job.name: job.run_once for job in registered_jobs()}
    assert jobs["forecasts"] is monthly_forecast_job
