"""The model and the evaluation on a small slice of the real country-month data."""

import lightgbm as lgb
import numpy as np
import pytest

from peaceops.forecasting import data, evaluation, lgbm, metrics
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


def part_of(full: Panel, units: list[str]) -> Panel:
    """The units' rows of `full` from 2005-01, neighbours among them only."""
    keep = [full.units.index(u) for u in units]
    position = {old: new for new, old in enumerate(keep)}
    start = full.column(month_id(2005, 1))
    return Panel(
        level=full.level,
        units=units,
        first_month=month_id(2005, 1),
        values=full.values[keep, start:],
        neighbours=[
            np.array([position[n] for n in full.neighbours[i] if n in position], np.intp)
            for i in keep
        ],
        group=np.arange(len(keep)),
    )


@pytest.fixture(scope="module")
def panel():
    return part_of(data.load_views_cm(last_month=month_id(2018, 12)), UNITS)


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


def test_score_parts_add_up_to_the_mean_scores():
    calm = np.array([True, True, False, False])
    truth = np.array([0.0, 3.0, 0.0, 2.0])
    draws = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 2], [0, 0, 2, 2]], dtype=float)
    rows = evaluation.part_of_rows(calm, truth)
    assert rows.tolist() == [0, 1, 2, 3]
    parts = evaluation.score_parts(draws, truth, rows)
    # 4 draws + 11 pseudo-draws: y=0 with 4 zero draws -> 5/15; y=3 with none in its bin
    # -> 1/15; half the draws 0, half 2 -> 3/15 for either outcome; CRPS 0, 3, 0.5, 0.5
    assert parts == {
        "calm, y=0": {"crps": 0.0, "ign": pytest.approx(np.log2(3) / 4)},
        "calm, y>0": {"crps": 0.75, "ign": pytest.approx(np.log2(15) / 4)},
        "not calm, y=0": {"crps": 0.125, "ign": pytest.approx(np.log2(5) / 4)},
        "not calm, y>0": {"crps": 0.125, "ign": pytest.approx(np.log2(5) / 4)},
    }
    assert sum(p["ign"] for p in parts.values()) == pytest.approx(
        metrics.ignorance(draws, truth).mean()
    )


def test_evaluation_by_group_splits_the_scores_by_calm_units_and_outcomes(panel):
    features = build_features(panel)
    run = {"draws": 100, "rounds": 20}
    plain = evaluation.evaluate_window(panel, features, 2018, **run)
    result = evaluation.evaluate_window(panel, features, 2018, by_group=True, **run)
    assert plain.parts == {}
    assert plain.part_sizes == {}
    assert result.scores == plain.scores
    cutoff = panel.column(month_id(2017, 10))
    calm = (panel.values[:, cutoff - 11 : cutoff + 1] == 0).all(axis=1)
    year = panel.values[:, cutoff + 3 : cutoff + 15]
    assert [u for u, quiet in zip(UNITS, calm, strict=True) if quiet] == UNITS[7:]  # NOR ... JPN
    assert result.part_sizes == {
        "calm, y=0": int((year[calm] == 0).sum()),
        "calm, y>0": int((year[calm] > 0).sum()),
        "not calm, y=0": int((year[~calm] == 0).sum()),
        "not calm, y>0": int((year[~calm] > 0).sum()),
    }
    assert list(result.part_sizes.values()) == [155, 1, 6, 78]
    n = result.unit_months
    assert result.parts["calm, y>0"]["zero"]["crps"] == pytest.approx(year[calm].sum() / n)
    assert result.parts["not calm, y=0"]["zero"]["crps"] == 0.0
    for model, scores in result.scores.items():
        for metric in ("crps", "ign"):
            total = sum(result.parts[part][model][metric] for part in evaluation.PARTS)
            assert total == pytest.approx(scores[metric])
    table = evaluation.format_parts([result])
    assert "cm    2018   calm, y=0" in table
    assert "not calm, y>0" in table


def test_evaluation_may_learn_from_more_units_than_it_scores(panel):
    # ADR 0027: the model learns from and draws for the training panel's 20 units; only
    # the 8 scored units count, and the benchmarks see those 8 alone
    scored = part_of(panel, ["MLI", "NGA", "COL", "CAF", "NOR", "SWE", "IRQ", "FIN"])
    features = build_features(scored)
    training = evaluation.Training(panel, build_features(panel))
    result = evaluation.evaluate_window(
        scored, features, 2018, draws=100, rounds=20, training=training
    )
    alone = evaluation.evaluate_window(scored, features, 2018, draws=100, rounds=20)
    assert result.unit_months == alone.unit_months == 12 * 8
    for name in evaluation.benchmark_names("cm"):
        assert result.scores[name] == alone.scores[name]
    cutoff = month_id(2017, 10)
    steps = list(range(3, 15))
    draws = evaluation.model_draws(
        scored, features, cutoff, steps, draws=100, rounds=20, training=training
    )
    everyone = lgbm.forecast(
        panel, training.features, panel.column(cutoff), steps, draws=100, rounds=20
    )
    rows = [UNITS.index(u) for u in scored.units]
    assert rows == [5, 4, 3, 6, 7, 12, 2, 11]
    assert np.array_equal(draws[3], everyone.draws[3][rows])
    stacked = np.concatenate([draws[s] for s in steps])
    truth = np.concatenate([scored.values[:, scored.column(cutoff) + s] for s in steps])
    assert result.scores["lgbm"] == metrics.score_all(stacked, truth, 25)
    assert result.scores["lgbm"] != alone.scores["lgbm"]


def test_evaluation_with_another_seed_changes_only_the_model(panel):
    features = build_features(panel)
    run = {"draws": 100, "rounds": 20}
    default = evaluation.evaluate_window(panel, features, 2018, **run)
    seven = evaluation.evaluate_window(panel, features, 2018, params={"seed": 7}, **run)
    eight = evaluation.evaluate_window(panel, features, 2018, params={"seed": 8}, **run)
    assert seven.scores == default.scores  # 7 is the model's own seed
    assert eight.scores["lgbm"]["crps"] != default.scores["lgbm"]["crps"]
    for name in evaluation.benchmark_names("cm"):
        assert eight.scores[name] == default.scores[name]


def test_a_training_panel_must_hold_the_scored_units_as_they_are(panel):
    scored = part_of(panel, ["NOR", "SYR"])
    assert evaluation.scored_rows(panel, scored).tolist() == [7, 1]
    with pytest.raises(ValueError, match="lacks 1 scored units"):
        evaluation.scored_rows(part_of(panel, ["SYR"]), scored)
    changed = part_of(panel, ["NOR", "SYR"])
    changed.values[0, 3] += 1
    with pytest.raises(ValueError, match="values differ"):
        evaluation.scored_rows(panel, changed)


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


def two_units(level: str, month: int) -> Panel:
    """Two units, neighbours of each other, over 12 months: 10 fatalities in the first in
    column `month`, none otherwise."""
    values = np.zeros((2, 12))
    values[0, month] = 10.0
    return Panel(
        level=level,
        units=["1", "2"],
        first_month=month_id(2000, 1),
        values=values,
        neighbours=[np.array([1], np.intp), np.array([0], np.intp)],
        group=np.arange(2) if level == "cm" else np.zeros(2, np.intp),
    )


def test_cells_history_draws_weigh_the_last_months_more(monkeypatch):
    # the pool of each cell: its 12 months and its neighbour's, a month k months before the
    # cut-off weighted 0.5 ** (k / 6); the weights of 12 months sum to 0.75 / (1 - 0.5 **
    # (1 / 6)) = 6.874, so a month at the cut-off is 1 / 13.749 = 7.3% of the pool: the
    # quantiles (k + 0.5) / 100 from k = 93 on
    assert lgbm.POOL_HALFLIFE == 6.0
    recent = lgbm.recent_pool(two_units("pgm", 11), 11, 100)
    assert (recent == 10).sum(axis=1).tolist() == [7, 7]
    assert (recent[:, :93] == 0).all()  # in order: the quantiles
    # a year back: 0.5 ** (11 / 6) / 13.749 = 2.0%, from k = 98 on
    assert (lgbm.recent_pool(two_units("pgm", 0), 11, 100) == 10).sum(axis=1).tolist() == [2, 2]
    # version 3: the 24 months in turn (100 draws: 4 or 5 each), however long ago
    monkeypatch.setattr(lgbm, "POOL_HALFLIFE", None)
    assert (lgbm.recent_pool(two_units("pgm", 11), 11, 100) == 10).sum(axis=1).tolist() == [4, 4]
    assert (lgbm.recent_pool(two_units("pgm", 0), 11, 100) == 10).sum(axis=1).tolist() == [5, 4]


def test_countries_history_draws_are_their_own_months_in_turn():
    recent = lgbm.recent_pool(two_units("cm", 11), 11, 100)
    assert (recent == 10).sum(axis=1).tolist() == [8, 0]  # 100 draws of 12 months in turn
    assert np.flatnonzero(recent[0]).tolist() == list(range(11, 100, 12))


def test_weighted_quantiles_invert_the_weighted_distribution():
    values = np.array([5.0, 0.0, 1.0])
    weights = np.array([1.0, 2.0, 1.0])  # 0 half the weight, 1 and 5 a quarter each
    levels = np.array([0.1, 0.5, 0.6, 0.75, 0.76, 0.99])
    assert lgbm.weighted_quantiles(values, weights, levels).tolist() == [0, 0, 1, 1, 5, 5]


def test_error_hurdle_share_is_the_share_of_fatal_months_of_active_cells():
    # cell a: fatalities in 3 of its last 12 months; b: none (calm); c: one, but only 10
    # months covered; d: 2 of 12, one of them 11 months before the cut-off
    values = np.zeros((4, 14))
    values[0, [5, 9, 13]] = [1.0, 4.0, 2.0]
    values[2, :4] = np.nan
    values[2, 12] = 3.0
    values[3, [2, 13]] = [7.0, 1.0]
    panel = Panel(
        level="pgm",
        units=["a", "b", "c", "d"],
        first_month=month_id(2000, 1),
        values=values,
        neighbours=[np.array([], np.intp)] * 4,
        group=np.zeros(4, np.intp),
    )
    share = lgbm.error_hurdle_share(panel, 13)
    assert share[0] == 3 / 12
    assert share[3] == 2 / 12
    assert np.isnan(share[1])
    assert np.isnan(share[2])
    # a month later, d's first fatality is 12 months back: one of 12
    assert lgbm.error_hurdle_share(panel, 12)[3] == 1 / 12
    # countries keep their error draws
    assert np.isnan(lgbm.error_hurdle_share(two_units("cm", 11), 11)).all()


def test_hurdle_errors_keep_the_share_of_non_zero_draws_and_the_mean():
    errors = np.array(
        [
            [0, 0, 0, 0, 0, 1, 2, 3, 4, 10],  # mean 2.0, 5 non-zero
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # no non-zero draw: kept
            [0, 0, 0, 0, 0, 1, 2, 3, 4, 10],  # share NaN: kept
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 9],  # mean 1.0, 2 non-zero, share 0.5
        ],
        dtype=np.float64,
    )
    share = np.array([0.2, 0.5, np.nan, 0.5])
    out = lgbm.hurdle_errors(errors, share, ceiling=100.0)
    # row 0: 2 non-zero draws, the quantiles 0.25 and 0.75 of 1, 2, 3, 4, 10 (2 and 4),
    # times 2.0 / 0.6: 6.67 and 13.33
    assert out[0].tolist() == [0] * 8 + [7, 13]
    assert out[1].tolist() == errors[1].tolist()
    assert out[2].tolist() == errors[2].tolist()
    # row 3: 5 non-zero, the quantiles 0.1 ... 0.9 of 1 and 9: 1, 1, 1, 9, 9 (mean 2.1),
    # times 1.0 / 2.1: 0.48 (rounded to 0: scaling down can take a draw back to zero) and 4.3
    assert out[3].tolist() == [0] * 5 + [0, 0, 0, 4, 4]
    # cut at the ceiling
    assert lgbm.hurdle_errors(errors[:1], share[:1], ceiling=10.0)[0].tolist() == [0] * 8 + [7, 10]


def test_predict_draws_put_the_error_draws_through_the_hurdle():
    # booster 0, so mu = base = 0.5; 12 draws: 9 history draws (zeros here) and 3 error
    # draws at the residual quantiles -1, 1 and 2: expm1 of 0, 1.5 and 2.5, rounded: 0, 3, 11
    model = lgbm.StepModel(
        step=1,
        booster=lgb_constant(3),
        ceiling=float(np.log1p(1000.0)),
        bin_edges=np.array([]),
        residual_quantiles=np.array([[-1.0, 0.0, 1.0, 2.0]]),
    )
    args = (model, np.zeros((2, 3)), np.full(2, 0.5), np.zeros((2, 9)), 12, 0.0)
    assert lgbm.predict_draws(*args)[:, :3].tolist() == [[0, 3, 11], [0, 3, 11]]
    # cell 0 had a fatality in 4 of its 12 months: round(3 / 3) = 1 non-zero error draw,
    # the median of 3 and 11 (3), times the mean 14 / 3 over 1: 14; cell 1 (NaN) keeps its own
    draws = lgbm.predict_draws(*args, nonzero_share=np.array([1 / 3, np.nan]))
    assert draws[:, :3].tolist() == [[0, 0, 14], [0, 3, 11]]
    assert (draws[:, 3:] == 0).all()


def test_forecast_steps_give_cells_the_hurdle_share(monkeypatch):
    panel = two_units("pgm", 11)  # cell 0: one fatal month of 12; cell 1: calm
    seen = []
    original = lgbm.predict_draws

    def spy(*args, nonzero_share=None):
        seen.append(nonzero_share)
        return original(*args, nonzero_share=nonzero_share)

    monkeypatch.setattr(lgbm, "predict_draws", spy)
    lgbm.forecast(panel, build_features(panel), 11, [1], draws=20, rounds=2)
    assert seen[0][0] == 1 / 12
    assert np.isnan(seen[0][1])
    monkeypatch.setattr(lgbm, "ERROR_HURDLE", False)  # version 4
    lgbm.forecast(panel, build_features(panel), 11, [1], draws=20, rounds=2)
    assert seen[1] is None


def lgb_constant(width: int):
    """A booster that predicts 0 for every row: one round on a constant target."""
    x = np.random.default_rng(0).normal(size=(50, width))
    return lgb.train({"verbose": -1, "min_data_in_leaf": 1}, lgb.Dataset(x, np.zeros(50)), 1)


def test_pool_draws_take_the_quantiles_of_each_part():
    # 10 draws, weight 0.2: 2 from the other distribution, its quantiles 0.25 and 0.75 (the
    # 3rd and 8th of 10 values: ceil(10 q) - 1), then 8 of the model's at (k + 0.5) / 8:
    # positions ceil(10 (k + 0.5) / 8) - 1 = 0, 1, 3, 4, 5, 6, 8, 9
    draws = np.array([[9, 0, 8, 1, 7, 2, 6, 3, 5, 4], [0, 0, 0, 0, 0, 0, 0, 0, 0, 50]], float)
    other = np.array([[100, 101, 102, 103, 104, 105, 106, 107, 108, 109], [7] * 10], float)
    pooled = lgbm.pool_draws(draws, other, 0.2)
    assert pooled.tolist() == [
        [102, 107, 0, 1, 3, 4, 5, 6, 8, 9],
        [7, 7, 0, 0, 0, 0, 0, 0, 0, 50],
    ]
    # a weight under half a draw leaves the draws as they are (a copy)
    same = lgbm.pool_draws(draws, other, 0.04)
    assert same.tolist() == draws.tolist()
    assert same is not draws


def test_forecast_steps_pool_cells_with_conflictology_nb(monkeypatch):
    # cell 0: 10 fatalities in each of its last 6 months; cell 1, its neighbour: none. With
    # 20 draws the benchmark repeats the first 20 of the 24 pooled months in turn: cell 0's
    # 12 (six 10s) and 8 of cell 1's (zeros), so its quantiles 0.25 and 0.75 are 0 and 10;
    # cell 1's 12 zeros and cell 0's first 8 months (two 10s): 0 and 0
    values = np.zeros((2, 12))
    values[0, 6:] = 10.0
    panel = Panel(
        level="pgm",
        units=["1", "2"],
        first_month=month_id(2000, 1),
        values=values,
        neighbours=[np.array([1], np.intp), np.array([0], np.intp)],
        group=np.zeros(2, np.intp),
    )
    features = build_features(panel)
    assert lgbm.NEIGHBOURS_POOL == 0.1
    pooled = lgbm.forecast(panel, features, 11, [1], draws=20, rounds=2).draws[1]
    assert pooled[:, :2].tolist() == [[0, 10], [0, 0]]
    monkeypatch.setattr(lgbm, "NEIGHBOURS_POOL", None)  # version 5
    model = lgbm.forecast(panel, features, 11, [1], draws=20, rounds=2).draws[1]
    # the other 18 draws are the model's quantiles (k + 0.5) / 18 of its 20 draws
    levels = (np.arange(18) + 0.5) / 18
    expected = np.quantile(model, levels, axis=1, method="inverted_cdf").T
    assert pooled[:, 2:].tolist() == expected.tolist()
    assert sorted(model[0].tolist()) != sorted(pooled[0].tolist())


def test_countries_are_not_pooled(monkeypatch):
    panel = two_units("cm", 11)
    features = build_features(panel)
    pooled = lgbm.forecast(panel, features, 11, [1], draws=20, rounds=2).draws[1]
    monkeypatch.setattr(lgbm, "NEIGHBOURS_POOL", None)
    assert lgbm.forecast(panel, features, 11, [1], draws=20, rounds=2).draws[1].tolist() == (
        pooled.tolist()
    )
