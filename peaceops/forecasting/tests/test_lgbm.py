"""The model and the evaluation on a small slice of the real country-month data."""

import numpy as np
import pytest

from peaceops.forecasting import data, evaluation, lgbm
from peaceops.forecasting.features import build_features
from peaceops.forecasting.months import month_id
from peaceops.forecasting.panel import Panel

UNITS = [
    "AFG",
    "SYR",
    "IRQ",
    "COL",
    "NGA",
    "MLI",
    "CAF",
    "NOR",
    "ISL",
    "URY",
    "CHL",
    "FIN",
    "SWE",
    "DNK",
    "PRT",
    "IRL",
    "NZL",
    "CAN",
    "AUS",
    "JPN",
]


@pytest.fixture(scope="module")
def panel():
    full = data.load_views_cm(last_month=month_id(2018, 12))
    keep = [full.units.index(u) for u in UNITS]
    position = {old: new for new, old in enumerate(keep)}
    start = full.column(month_id(2005, 1))
    return Panel(
        level="cm",
        units=UNITS,
        first_month=month_id(2005, 1),
        values=full.values[keep, start:],
        neighbours=[
            np.array([position[n] for n in full.neighbours[i] if n in position], np.intp)
            for i in keep
        ],
        group=np.arange(len(keep)),
    )


def test_forecast_is_deterministic_and_follows_the_history(panel):
    features = build_features(panel)
    cutoff = panel.column(month_id(2017, 10))
    first = lgbm.forecast(panel, features, cutoff, [3, 4], draws=200, rounds=20)
    again = lgbm.forecast(panel, features, cutoff, [3, 4], draws=200, rounds=20)
    draws = first.draws[3]
    assert draws.shape == (len(UNITS), 200)
    assert np.array_equal(draws, again.draws[3])
    assert (draws >= 0).all()
    assert (draws == np.round(draws)).all()
    median = dict(zip(UNITS, np.median(draws, axis=1), strict=True))
    assert median["AFG"] > 500
    assert median["SYR"] > 500
    assert median["NOR"] == 0
    assert median["ISL"] == 0
    # training rows: feature months from the panel's start (less than 20 years here) to 3
    # months before the cut-off, target months up to the cut-off
    assert first.training[3] == (0, cutoff)


def test_evaluation_scores_every_model_on_the_forecast_year(panel):
    features = build_features(panel)
    result = evaluation.evaluate_window(panel, features, 2018, draws=100, rounds=20)
    assert set(result.scores) == {"zero", "last", "bootstrap", "conflictology", "lgbm"}
    assert result.unit_months == 12 * len(UNITS)
    assert result.months == 12
    assert result.scores["zero"]["brier"] == pytest.approx(
        float((panel.values[:, -12:] >= 25).mean())
    )
    best = min(result.scores[b]["crps"] for b in evaluation.benchmark_names("cm"))
    assert result.ratio("lgbm", "crps") == pytest.approx(result.scores["lgbm"]["crps"] / best)
    table = evaluation.format_table([result])
    assert "cm    2018   conflictology" in table
    assert f"2018: {12 * len(UNITS)} unit-months, 12 months; lgbm" in table


def test_forecasts_reach_36_months_ahead(panel):
    features = build_features(panel)
    cutoff = panel.column(month_id(2015, 12))
    result = lgbm.forecast(panel, features, cutoff, [36], draws=50, rounds=5)
    assert result.draws[36].shape == (len(UNITS), 50)
    assert result.training[36] == (0, cutoff)  # target months up to the cut-off only


def test_quiet_units_have_no_onset_draws():
    # unit 0 quiet with a quiet neighbour (1); unit 2 quiet itself but next to an active
    # unit (3); unit 4 quiet in the months covered but not covered all 12 months
    values = np.zeros((5, 30))
    values[3, 25] = 4.0
    values[4, :20] = np.nan
    neighbours = [np.array([1]), np.array([0]), np.array([3]), np.array([2]), np.array([], np.intp)]
    panel = Panel(
        level="pgm",
        units=["a", "b", "c", "d", "e"],
        first_month=month_id(2000, 1),
        values=values,
        neighbours=[n.astype(np.intp) for n in neighbours],
        group=np.zeros(5, np.intp),
    )
    assert lgbm.quiet_units(panel, 29).tolist() == [True, True, False, False, False]


def test_forecast_gives_quiet_countries_only_zeros(panel):
    features = build_features(panel)
    cutoff = panel.column(month_id(2017, 10))
    quiet = lgbm.quiet_units(panel, cutoff)
    assert quiet[UNITS.index("NOR")]
    assert not quiet[UNITS.index("SYR")]
    draws = lgbm.forecast(panel, features, cutoff, [3], draws=200, rounds=20).draws[3]
    assert (draws[quiet] == 0).all()
