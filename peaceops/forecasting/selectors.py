"""The reads of the forecasting app. Stored forecasts are built from public incidents only
(ADR 0011), so every signed-in user may read all of them; the pages and the API require a
signed-in user, and nothing here is scoped by mission."""

import datetime as dt

import numpy as np
from django.db.models import QuerySet

from peaceops.forecasting.history import monthly_counts
from peaceops.forecasting.models import Forecast, ForecastRun


def latest_run(*, level: str) -> ForecastRun | None:
    return (
        ForecastRun.objects.filter(level=level, status=ForecastRun.Status.DONE)
        .order_by("-data_cutoff", "-created_at", "-id")
        .first()
    )


def run_get(*, pk: int) -> ForecastRun | None:
    return ForecastRun.objects.filter(pk=pk).first()


def runs_list(*, level: str | None = None, limit: int = 50) -> list[ForecastRun]:
    runs = ForecastRun.objects.all()
    if level:
        runs = runs.filter(level=level)
    return list(runs[:limit])


def forecasts_of_run(
    *,
    run: ForecastRun,
    units: list[str] | None = None,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
) -> QuerySet[Forecast]:
    rows = Forecast.objects.filter(run=run)
    if units is not None:
        rows = rows.filter(unit__in=units)
    if first_month:
        rows = rows.filter(month__gte=first_month)
    if last_month:
        rows = rows.filter(month__lte=last_month)
    return rows.order_by("unit", "month")


def probability_at_least(forecast: Forecast, threshold: int, run_threshold: int) -> float:
    """P(fatalities >= threshold): exact (from all draws) for the run's threshold and for 1,
    otherwise the share of the stored sample."""
    if threshold == run_threshold:
        return forecast.probability
    if threshold <= 1:
        return forecast.probability_any if threshold == 1 else 1.0
    return float(np.mean(np.asarray(forecast.sample) >= threshold))


def country_history(*, code: str, first_month: int, last_month: int) -> list[tuple[int, float]]:
    """(month id, state-based fatalities) of a country, public incidents only, counted as
    the forecasts count them (history.monthly_counts), every month from first to last
    (zeros included)."""
    counts = monthly_counts("country_code", first_month, last_month, country_code=code)
    return [(month, counts.get((code, month), 0.0)) for month in range(first_month, last_month + 1)]
