"""The interface between forecasts and the early-warning `forecast` rule type.

`warning` sits above `forecasting` in the layering (ARCHITECTURE.md), so it cannot import
it. Instead the forecasting app registers a provider here in its AppConfig.ready(); the
forecast rule asks every registered provider for the probability that fatalities reach a
threshold in the units (countries or PRIO-GRID cells) and months it watches. With no
provider registered the rule simply finds nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

Level = Literal["cm", "pgm"]  # country-month, PRIO-GRID-month (the VIEWS levels)


@dataclass(frozen=True)
class ForecastSignal:
    level: Level
    unit: str  # ISO 3166-1 alpha-3 for "cm", the PRIO-GRID gid as text for "pgm"
    month: date  # first day of the forecast month
    threshold: int  # fatalities
    probability: float  # P(fatalities >= threshold) in that unit and month, 0..1
    median: float  # median forecast fatalities
    reference: str  # what produced it, for the alert's "why": model version, data cut-off


# provider(level, units, threshold, first_month, last_month) -> signals for those units
ForecastProvider = Callable[[Level, Sequence[str], int, date, date], list[ForecastSignal]]

_PROVIDERS: list[ForecastProvider] = []


def register_provider(provider: ForecastProvider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def forecast_signals(
    *, level: Level, units: Sequence[str], threshold: int, first_month: date, last_month: date
) -> list[ForecastSignal]:
    """All registered providers' signals for these units and months (inclusive)."""
    signals: list[ForecastSignal] = []
    for provider in _PROVIDERS:
        signals.extend(provider(level, units, threshold, first_month, last_month))
    return signals
