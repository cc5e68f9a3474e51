"""REST endpoints of the forecasting app (mounted by peaceops.api.main).

Forecasts come from public incidents only (ADR 0011): any signed-in user or token may read
them; anonymous requests get 401 like the rest of the API.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from peaceops.core.errors import NotFound, ValidationFailed
from peaceops.forecasting import selectors
from peaceops.forecasting.models import Forecast, ForecastRun
from peaceops.forecasting.months import month_start as first_day
from peaceops.forecasting.months import parse_month
from peaceops.forecasting.services import QUANTILE_LEVELS

router = Router(tags=["forecasting"])

LevelIn = Literal["cm", "pgm"]


class RunOut(Schema):
    id: int
    level: str
    model_name: str
    model_version: str
    status: str
    data_cutoff: dt.date
    train_first_month: dt.date
    train_last_month: dt.date
    first_month: dt.date
    last_month: dt.date
    threshold: int
    unit_count: int
    parameters: dict
    reference: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ForecastOut(Schema):
    unit: str
    month: dt.date
    step: int
    mean: float
    median: float
    probability: float  # P(fatalities >= the run's threshold)
    probability_any: float  # P(fatalities >= 1)
    quantiles: dict[str, float]
    sample: list[int]


class UnitForecastsOut(Schema):
    run: RunOut
    unit: str
    forecasts: list[ForecastOut]


class MonthForecastOut(Schema):
    unit: str
    median: float
    probability: float
    q05: float
    q95: float


class MonthForecastsOut(Schema):
    run: RunOut
    month: dt.date
    forecasts: list[MonthForecastOut]


def run_out(run: ForecastRun) -> dict:
    fields = {name: getattr(run, name) for name in RunOut.model_fields}
    return fields


def forecast_out(row: Forecast) -> dict:
    return {
        "unit": row.unit,
        "month": row.month,
        "step": row.step,
        "mean": row.mean,
        "median": row.median,
        "probability": row.probability,
        "probability_any": row.probability_any,
        "quantiles": {f"{q:g}": v for q, v in zip(QUANTILE_LEVELS, row.quantiles, strict=True)},
        "sample": row.sample,
    }


def _run(level: str, run_id: int | None) -> ForecastRun:
    run = selectors.run_get(pk=run_id) if run_id else selectors.latest_run(level=level)
    if run is None or run.level != level:
        raise NotFound(_("No forecast run of this level."))
    return run


@router.get("/forecasts/runs", response=list[RunOut], summary="Forecast runs, newest first")
def list_runs(request: HttpRequest, level: LevelIn | None = None) -> list[dict]:
    return [run_out(run) for run in selectors.runs_list(level=level)]


@router.get("/forecasts/runs/{run_id}", response=RunOut, summary="One forecast run")
def get_run(request: HttpRequest, run_id: int) -> dict:
    run = selectors.run_get(pk=run_id)
    if run is None:
        raise NotFound(_("No such forecast run."))
    return run_out(run)


@router.get(
    "/forecasts/{level}/units/{unit}",
    response=UnitForecastsOut,
    summary="Forecasts of one country (ISO3) or PRIO-GRID cell, every month of a run",
)
def unit_forecasts(
    request: HttpRequest, level: LevelIn, unit: str, run_id: int | None = None
) -> dict:
    run = _run(level, run_id)
    rows = selectors.forecasts_of_run(run=run, units=[unit.upper()])
    return {"run": run_out(run), "unit": unit.upper(), "forecasts": [forecast_out(r) for r in rows]}


@router.get(
    "/forecasts/{level}/months/{month}",
    response=MonthForecastsOut,
    summary="Forecasts of every country or cell for one month (YYYY-MM) of a run",
)
def month_forecasts(
    request: HttpRequest, level: LevelIn, month: str, run_id: int | None = None
) -> dict:
    try:
        day = first_day(parse_month(month))
    except ValueError as exc:
        raise ValidationFailed({"month": [_("Expected a month as YYYY-MM.")]}) from exc
    run = _run(level, run_id)
    rows = selectors.forecasts_of_run(run=run, first_month=day, last_month=day)
    return {
        "run": run_out(run),
        "month": day,
        "forecasts": [
            {
                "unit": r.unit,
                "median": r.median,
                "probability": r.probability,
                "q05": r.quantiles[0],
                "q95": r.quantiles[-1],
            }
            for r in rows.only("unit", "median", "probability", "quantiles")
        ],
    }
