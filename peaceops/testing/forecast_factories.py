"""Test helpers for the forecasting app: public clashes in a mission, and a small stored
country-month run made from them."""

import datetime as dt

from peaceops.core.classification import Classification
from peaceops.forecasting import services
from peaceops.forecasting.models import ForecastRun
from peaceops.forecasting.months import month_id
from peaceops.missions.models import Mission
from peaceops.testing.factories import make_incident

# (month of 2023, killed) of public state-based clashes in the Central African Republic
CLASHES = [(1, 3), (3, 40), (5, 12), (8, 30), (10, 2), (12, 60)]


def make_public_clashes(mission: Mission) -> None:
    for month, killed in CLASHES:
        make_incident(
            mission,
            started_at=dt.datetime(2023, month, 10, 6, tzinfo=dt.UTC),
            classification=Classification.PUBLIC,
            casualties=[{"category": "armed_side_a", "outcome": "killed", "best": killed}],
        )
    # not public: never part of a forecast
    make_incident(
        mission,
        started_at=dt.datetime(2023, 11, 10, 6, tzinfo=dt.UTC),
        classification=Classification.CONFIDENTIAL,
        casualties=[{"category": "armed_side_a", "outcome": "killed", "best": 5000}],
    )


def make_cm_run() -> ForecastRun:
    return services.forecast_run_create(level="cm", cutoff=month_id(2023, 12), steps=2, draws=200)
