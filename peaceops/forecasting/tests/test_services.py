import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from peaceops.core.classification import Classification
from peaceops.core.geo.countries import all_countries
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.forecasting import history, lgbm, onset, services
from peaceops.forecasting.models import Forecast, ForecastRun
from peaceops.forecasting.months import month_id
from peaceops.testing.factories import make_incident
from peaceops.testing.forecast_factories import CLASHES


def test_summarise_draws():
    (summary,) = services.summarise(np.arange(1000, dtype=float)[None, :], threshold=25)
    assert summary.probability == 0.975
    assert summary.probability_any == 0.999
    assert summary.median == 499.5
    assert summary.quantiles == [49.95, 99.9, 249.75, 499.5, 749.25, 899.1, 949.05]
    assert summary.sample == list(range(5, 1000, 10))


@pytest.mark.django_db
def test_history_counts_public_state_based_incidents_only(public_clashes):
    panel = history.country_panel(month_id(2023, 1), month_id(2023, 12))
    car = panel.values[panel.units.index("CAF")]
    expected = np.zeros(12)
    for month, killed in CLASHES:
        expected[month - 1] = killed
    assert car.tolist() == expected.tolist()
    assert panel.values.sum() == sum(k for _m, k in CLASHES)


@pytest.mark.django_db
def test_run_stores_every_country_and_month_with_its_provenance(cm_run):
    run = ForecastRun.objects.get(pk=cm_run.pk)
    assert run.status == ForecastRun.Status.DONE
    assert run.model_name == lgbm.MODEL_NAME
    assert run.model_version == lgbm.MODEL_VERSION
    assert run.data_cutoff == dt.date(2023, 12, 1)
    assert run.train_first_month == dt.date(2023, 1, 1)
    assert run.train_last_month == dt.date(2023, 12, 1)
    assert (run.first_month, run.last_month) == (dt.date(2024, 1, 1), dt.date(2024, 2, 1))
    assert run.threshold == 25
    assert run.parameters["draws"] == 200
    assert run.parameters["incident_filter"]["classification"] == "public"
    assert run.parameters["lightgbm"] == lgbm.PARAMS
    assert "onset" not in run.parameters  # the onset model is for cells only
    assert "history_halflife" not in run.parameters  # so is the weighted history pool
    assert "error_hurdle" not in run.parameters  # and the error draws' zeros (version 5)
    assert "neighbours_pool" not in run.parameters  # and the pool with conflictology_nb (6)
    assert run.parameters["quiet_zero"] is True
    countries = len({code for code, _name in all_countries()})
    assert run.unit_count == countries
    assert Forecast.objects.filter(run=run).count() == 2 * countries
    car = Forecast.objects.get(run=run, unit="CAF", month=dt.date(2024, 1, 1))
    assert car.step == 1
    assert car.quantiles == sorted(car.quantiles)
    assert len(car.quantiles) == len(services.QUANTILE_LEVELS)
    assert len(car.sample) == services.SAMPLE_SIZE
    assert car.probability_any >= car.probability
    iceland = Forecast.objects.get(run=run, unit="ISL", month=dt.date(2024, 2, 1))
    assert iceland.median == 0
    assert iceland.probability == 0


@pytest.mark.django_db
def test_a_second_run_for_the_same_cutoff_is_refused_unless_replaced(cm_run):
    with pytest.raises(services.RunRefused):
        services.forecast_run_create(level="cm", cutoff=month_id(2023, 12), steps=2, draws=200)
    again = services.forecast_run_create(
        level="cm", cutoff=month_id(2023, 12), steps=1, draws=100, replace=True
    )
    assert list(ForecastRun.objects.values_list("pk", flat=True)) == [again.pk]
    assert Forecast.objects.filter(run=again).count() == again.unit_count


@pytest.mark.django_db
def test_no_public_incidents_no_run():
    with pytest.raises(services.RunRefused):
        services.forecast_run_create(level="cm")
    assert not ForecastRun.objects.exists()


@pytest.mark.django_db
def test_monthly_job_runs_both_levels_once(public_clashes, mission, monkeypatch):
    monkeypatch.setattr(services, "STEPS", 1)
    line = services.monthly_forecast_job()
    runs = {run.level: run for run in ForecastRun.objects.all()}
    assert set(runs) == {"cm", "pgm"}
    assert line == (
        f"forecasts: cm run {runs['cm'].pk} ({runs['cm'].unit_count} units), "
        f"pgm run {runs['pgm'].pk} ({runs['pgm'].unit_count} units)"
    )
    assert runs["pgm"].data_cutoff == dt.date(2023, 12, 1)
    assert runs["pgm"].parameters["onset"]["shrink"] == onset.ONSET_SHRINK
    assert runs["pgm"].parameters["history_halflife"] == 6.0
    assert runs["pgm"].parameters["error_hurdle"] is True
    assert runs["pgm"].parameters["neighbours_pool"] == 0.1
    assert runs["pgm"].model_version == "6"
    bambari = str(priogrid_gid(5.7631, 20.6732))  # the cell of the clashes
    assert Forecast.objects.filter(run=runs["pgm"], unit=bambari).count() == 1
    assert Forecast.objects.filter(run=runs["pgm"]).count() == runs["pgm"].unit_count
    assert services.monthly_forecast_job() is None  # nothing due a second time
    # a month later, but no newer data: still nothing to do
    ForecastRun.objects.update(created_at=timezone.now() - dt.timedelta(days=31))
    assert services.monthly_forecast_job() is None
    # newer data: both levels run again, with the new cut-off
    make_incident(
        mission,
        started_at=dt.datetime(2024, 1, 10, 6, tzinfo=dt.UTC),
        classification=Classification.PUBLIC,
    )
    assert services.monthly_forecast_job().startswith("forecasts: cm run")
    cutoffs = ForecastRun.objects.filter(status="done").values_list("level", "data_cutoff")
    assert sorted(cutoffs) == [
        ("cm", dt.date(2023, 12, 1)),
        ("cm", dt.date(2024, 1, 1)),
        ("pgm", dt.date(2023, 12, 1)),
        ("pgm", dt.date(2024, 1, 1)),
    ]
