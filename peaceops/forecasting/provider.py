"""The forecasting app's answer to the early-warning `forecast` rule type
(peaceops.warning.forecast_signals), registered in ForecastingConfig.ready()."""

import datetime as dt
from collections.abc import Sequence

from peaceops.forecasting import selectors
from peaceops.warning.forecast_signals import ForecastSignal, Level


def forecast_signals_provider(
    level: Level,
    units: Sequence[str],
    threshold: int,
    first_month: dt.date,
    last_month: dt.date,
) -> list[ForecastSignal]:
    """The latest run's forecasts for these units and months (inclusive) as signals, with
    P(fatalities >= threshold). Nothing when no run of the level exists."""
    run = selectors.latest_run(level=level)
    if run is None:
        return []
    rows = selectors.forecasts_of_run(
        run=run,
        units=[str(u) for u in units],
        first_month=first_month.replace(day=1),
        last_month=last_month,
    )
    return [
        ForecastSignal(
            level=level,
            unit=row.unit,
            month=row.month,
            threshold=threshold,
            probability=selectors.probability_at_least(row, threshold, run.threshold),
            median=row.median,
            reference=run.reference,
        )
        for row in rows
    ]
