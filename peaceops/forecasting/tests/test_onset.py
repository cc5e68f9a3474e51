"""The onset model of calm cells, on small panels where the right answer is known."""

import numpy as np

from peaceops.forecasting import lgbm, onset
from peaceops.forecasting.features import build_features
from peaceops.forecasting.neighbours import cell_neighbour_indexes
from peaceops.forecasting.panel import Panel


def test_calm_cells_had_no_fatality_in_twelve_covered_months():
    values = np.zeros((3, 14))
    values[1, 5] = 2
    values[2, 3] = np.nan
    panel = Panel(level="pgm", units=["1", "2", "3"], first_month=1, values=values)
    calm = onset.calm_matrix(panel)
    assert calm[0].tolist() == [False] * 11 + [True] * 3  # twelve months needed
    assert not calm[1].any()  # month 5 is within the last 12 of every month up to 16
    assert calm[2].tolist() == [False] * 14  # month 3 not covered: unknown, not calm


def test_onset_rows_label_the_share_of_forecast_months_with_fatalities():
    values = np.zeros((1, 30))
    values[0, 20] = 4
    values[0, 21] = np.nan
    panel = Panel(level="pgm", units=["1"], first_month=1, values=values)
    x = np.broadcast_to(np.arange(30.0)[None, :, None], (1, 30, 4))
    rows = onset.onset_rows(panel, x, 29, [1, 2], training_months=240)
    # calm months t = 11..19 (t = 20 has the event, and calm again only from 32); the
    # forecast months t+1 and t+2 must be at or before the cut-off (29)
    assert rows.features[:, 0].tolist() == list(range(11, 20))
    assert rows.share.tolist() == [0] * 7 + [0.5, 1.0]  # t=19: month 21 not covered
    assert rows.months.tolist() == [2] * 8 + [1]
    assert rows.sizes.tolist() == [4, 4]  # month 20, seen from t = 18 and t = 19
    recent = onset.onset_rows(panel, x, 29, [1, 2], training_months=10)  # t = 18..27
    assert recent.share.tolist() == [0.5, 1.0]


def test_onset_draws_give_each_ignorance_bin_its_share_beyond_the_pseudo_draw():
    sizes = np.array([1.0, 1.0, 1.0, 30.0])  # three quarters in [0.5, 2.5), one in [25.5, 50.5)
    draws = onset.onset_draws(np.array([0.2, 0.0005, 0.0]), sizes, 1000)
    # (1000 + 11) * 0.2 * 0.75 - 1 = 150.65 -> 151 ones; 1011 * 0.2 * 0.25 - 1 = 49.55 -> 50
    assert (draws[0] == 1).sum() == 151
    assert (draws[0] == 30).sum() == 50
    assert (draws[0] == 0).sum() == 799
    assert (draws[1:] == 0).all()  # below one draw beyond the pseudo-draw: only zeros
    assert (onset.onset_draws(np.array([0.5]), np.zeros(0), 10) == 0).all()  # no onsets seen


def grid_panel(months: int = 160) -> Panel:
    """A 9 x 9 block of cells: the centre is at war every month; each of its 8 neighbours
    has 5 fatalities in a month with probability 0.05 (fixed seed); the rest none."""
    units = [str(r * 720 + c + 1) for r in range(200, 209) for c in range(300, 309)]
    values = np.zeros((len(units), months))
    centre = units.index(str(204 * 720 + 304 + 1))
    values[centre] = 50
    ring = [units.index(str(r * 720 + c + 1)) for r in (203, 204, 205) for c in (303, 304, 305)]
    onsets = np.random.default_rng(1).random((len(ring), months)) < 0.05
    for unit, when in zip(ring, onsets, strict=True):
        if unit != centre:
            values[unit, when] = 5
    return Panel(
        level="pgm",
        units=units,
        first_month=1,
        values=values,
        neighbours=cell_neighbour_indexes(units),
        group=np.zeros(len(units), np.intp),
    )


def test_calm_cells_draw_onsets_near_violence_and_zeros_far_from_it(monkeypatch):
    panel = grid_panel()
    features = build_features(panel)
    cutoff = panel.values.shape[1] - 1
    pooled = lgbm.forecast(panel, features, cutoff, [1, 2], draws=1000, rounds=10)
    monkeypatch.setattr(lgbm, "NEIGHBOURS_POOL", None)  # the onset draws alone (version 5)
    result = lgbm.forecast(panel, features, cutoff, [1, 2], draws=1000, rounds=10)
    calm = onset.calm_matrix(panel)[:, cutoff]
    rows, cols = np.divmod(np.array([int(u) for u in panel.units]) - 1, 720)
    distance = np.maximum(abs(rows - 204), abs(cols - 304))
    far, near = distance >= 3, calm & (distance == 1)
    assert near.any()
    assert (calm & far).any()
    for step in (1, 2):
        draws = result.draws[step]
        assert (draws[calm & far] == 0).all()  # onsets happened only next to the war
        assert (draws[near] > 0).any(axis=1).all()  # onsets in 1 month in 20
        assert set(np.unique(draws[near])) == {0.0, 5.0}  # the only onset size seen
    assert np.array_equal(result.draws[1][calm], result.draws[2][calm])  # one probability
    # version 6 pools them with the neighbourhood's months: the war's 50 joins near cells',
    # cells far from it keep only zeros
    assert (pooled.draws[1][calm & far] == 0).all()
    assert (pooled.draws[1][near] == 50).any(axis=1).all()
    assert set(np.unique(pooled.draws[1][near])) == {0.0, 5.0, 50.0}


def test_the_onset_model_takes_the_runs_seed():
    panel = grid_panel()
    x = onset.onset_features(panel, build_features(panel))
    cutoff = panel.values.shape[1] - 1
    near = x[:, cutoff]

    def probability(**seed):
        model = onset.fit_onsets(panel, x, cutoff, [1, 2], training_months=120, **seed)
        return onset.onset_probability(model, near)

    assert np.array_equal(probability(), probability(seed=onset.ONSET_PARAMS["seed"]))
    assert not np.array_equal(probability(), probability(seed=8))  # bagging's rows
