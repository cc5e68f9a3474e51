"""The writes of the forecasting app: a forecast run from the incidents in the database,
stored with everything needed to reproduce it.

A run is a system task with no acting user (the CLI, or the worker's monthly job). It reads
only public incidents (ADR 0011). At most one run that has not failed exists per level,
model, version and data cut-off (a database constraint): two workers cannot store the same
run twice, and a repeated run for the same cut-off is refused unless `replace` is given.
"""

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from peaceops.forecasting import history, lgbm, onset
from peaceops.forecasting.evaluation import THRESHOLD
from peaceops.forecasting.features import build_features, feature_names
from peaceops.forecasting.models import Forecast, ForecastRun
from peaceops.forecasting.months import month_id_of, month_start

logger = logging.getLogger(__name__)

QUANTILE_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
SAMPLE_SIZE = 100
DRAWS = 1000
STEPS = 12  # months ahead; the model is built for any number of steps (e.g. 36)
FEATURE_MONTHS = 60  # history before the training window that the features need
BATCH = 2000


class RunRefused(Exception):
    """No data to forecast from, or a run for this cut-off exists already."""


class RunExists(RunRefused):
    """A run of this level, model version and cut-off is stored already."""


@dataclass(frozen=True)
class Summary:
    """Per unit and month, what a Forecast row stores, computed from the draws."""

    mean: float
    median: float
    probability: float
    probability_any: float
    quantiles: list[float]
    sample: list[int]


def summarise(draws: np.ndarray, threshold: int) -> list[Summary]:
    """One Summary per row of `draws` (units, m): quantiles at QUANTILE_LEVELS, P(>= threshold),
    P(>= 1) and SAMPLE_SIZE draws at evenly spaced ranks of the sorted draws."""
    ordered = np.sort(draws, axis=1)
    m = ordered.shape[1]
    ranks = ((np.arange(SAMPLE_SIZE) + 0.5) * m / SAMPLE_SIZE).astype(np.intp)
    quantiles = np.quantile(ordered, QUANTILE_LEVELS, axis=1).T
    probability = (ordered >= threshold).mean(axis=1)
    probability_any = (ordered >= 1).mean(axis=1)
    return [
        Summary(
            mean=float(ordered[i].mean()),
            median=float(np.median(ordered[i])),
            probability=float(probability[i]),
            probability_any=float(probability_any[i]),
            quantiles=[round(float(q), 2) for q in quantiles[i]],
            sample=[int(v) for v in ordered[i, ranks]],
        )
        for i in range(len(ordered))
    ]


def _claim(level: str, cutoff: int, parameters: dict, replace: bool) -> ForecastRun:
    with transaction.atomic():
        existing = ForecastRun.objects.filter(
            level=level,
            model_name=lgbm.MODEL_NAME,
            model_version=lgbm.MODEL_VERSION,
            data_cutoff=month_start(cutoff),
        ).exclude(status=ForecastRun.Status.FAILED)
        if replace:  # also a run left "running" by a killed process
            existing.delete()
        try:
            with transaction.atomic():
                return ForecastRun.objects.create(
                    level=level,
                    model_name=lgbm.MODEL_NAME,
                    model_version=lgbm.MODEL_VERSION,
                    data_cutoff=month_start(cutoff),
                    train_first_month=month_start(cutoff),
                    train_last_month=month_start(cutoff),
                    first_month=month_start(cutoff + 1),
                    last_month=month_start(cutoff + parameters["steps"]),
                    threshold=THRESHOLD[level],
                    parameters=parameters,
                )
        except IntegrityError as exc:
            raise RunExists(
                f"A {level} run of {lgbm.MODEL_NAME} v{lgbm.MODEL_VERSION} with data to "
                f"{month_start(cutoff):%Y-%m} exists already."
            ) from exc


def forecast_run_create(
    *,
    level: str,
    cutoff: int | None = None,
    today: dt.date | None = None,
    steps: int = STEPS,
    draws: int = DRAWS,
    replace: bool = False,
) -> ForecastRun:
    """Forecast `steps` months after the data cut-off (default: the last complete month
    with data) for every country (cm) or cell (pgm), and store the run."""
    today = today or timezone.now().date()
    cutoff = cutoff if cutoff is not None else history.default_cutoff(today)
    span = history.data_span()
    if cutoff is None or span is None or cutoff < span[0]:
        raise RunRefused("There are no public state-based incidents to forecast from.")
    first = max(span[0], cutoff - lgbm.TRAINING_MONTHS - FEATURE_MONTHS + 1)
    if cutoff - first < steps:
        raise RunRefused(
            f"{steps} months ahead need more than {steps} months of history; the data "
            f"run from {month_start(first):%Y-%m} to {month_start(cutoff):%Y-%m}."
        )
    parameters = {
        "steps": steps,
        "draws": draws,
        "history_first_month": f"{month_start(first):%Y-%m}",
        "incident_filter": {k: str(v) for k, v in history.INCIDENT_FILTER.items()},
        "features": feature_names(level),
        "lightgbm": lgbm.PARAMS,
        "rounds": lgbm.ROUNDS,
        "training_months": lgbm.TRAINING_MONTHS,
        "residual_bins": lgbm.RESIDUAL_BINS,
        "history_share": lgbm.HISTORY_SHARE,
        "history_anchor": lgbm.HISTORY_ANCHOR[level],
        "max_scale": lgbm.MAX_SCALE,
    }
    if level == "pgm":
        parameters["history_halflife"] = lgbm.POOL_HALFLIFE
        parameters["error_hurdle"] = lgbm.ERROR_HURDLE
        parameters["neighbours_pool"] = lgbm.NEIGHBOURS_POOL
    if level == "pgm" and lgbm.ONSET_MODEL:
        parameters["onset"] = {
            "calm_months": onset.CALM_MONTHS,
            "features": list(onset.ONSET_FEATURES),
            "lightgbm": onset.ONSET_PARAMS,
            "rounds": onset.ONSET_ROUNDS,
            "shrink": onset.ONSET_SHRINK,
        }
    elif lgbm.QUIET_ZERO:
        parameters["quiet_zero"] = True
    run = _claim(level, cutoff, parameters, replace)
    try:
        panel = (
            history.country_panel(first, cutoff)
            if level == "cm"
            else (history.cell_panel(first, cutoff))
        )
        column = panel.column(cutoff)
        rows, train_first = [], column
        for result in lgbm.forecast_steps(
            panel, build_features(panel), column, list(range(1, steps + 1)), draws=draws
        ):
            month = month_start(cutoff + result.step)
            summaries = summarise(result.draws, run.threshold)
            rows += [
                Forecast(
                    run=run,
                    unit=unit,
                    month=month,
                    step=result.step,
                    mean=summary.mean,
                    median=summary.median,
                    probability=summary.probability,
                    probability_any=summary.probability_any,
                    quantiles=summary.quantiles,
                    sample=summary.sample,
                )
                for unit, summary in zip(panel.units, summaries, strict=True)
            ]
            train_first = min(train_first, result.training[0])
        with transaction.atomic():
            Forecast.objects.bulk_create(rows, batch_size=BATCH)
            run.train_first_month = month_start(panel.first_month + train_first)
            run.train_last_month = month_start(cutoff)
            run.unit_count = len(panel.units)
            run.status = ForecastRun.Status.DONE
            run.finished_at = timezone.now()
            run.save(
                update_fields=[
                    "train_first_month",
                    "train_last_month",
                    "unit_count",
                    "status",
                    "finished_at",
                ]
            )
    except Exception as exc:  # recorded on the run, then raised again
        run.status = ForecastRun.Status.FAILED
        run.message = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    return run


MONTHLY = dt.timedelta(days=30)


def monthly_forecast_job() -> str | None:
    """The worker's job: a new run per level when the last one is at least a month old and
    the data cut-off has moved on since. None when nothing is due. The age is checked first,
    so most calls cost one small query and never touch the incidents."""
    now = timezone.now()
    latest = {
        level: ForecastRun.objects.filter(level=level)
        .exclude(status=ForecastRun.Status.FAILED)
        .first()
        for level in ("cm", "pgm")
    }
    due = [level for level, run in latest.items() if run is None or run.created_at <= now - MONTHLY]
    cutoff = history.default_cutoff(now.date()) if due else None
    if cutoff is None:
        return None
    done = []
    for level in due:
        previous = latest[level]
        if previous is not None and month_id_of(previous.data_cutoff) >= cutoff:
            continue
        try:
            run = forecast_run_create(level=level, cutoff=cutoff, steps=STEPS)
        except RunRefused:
            continue
        done.append(f"{level} run {run.pk} ({run.unit_count} units)")
    return f"forecasts: {', '.join(done)}" if done else None
