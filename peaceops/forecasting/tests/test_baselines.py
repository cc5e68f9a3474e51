import numpy as np
import pytest

from peaceops.forecasting import baselines
from peaceops.forecasting.panel import Panel

# two units, 14 months; column 13 is the cut-off; the last 12 months are columns 2..13
VALUES = np.array(
    [
        [99, 99, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        [99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, np.nan, 4],
    ],
    dtype=float,
)
CUTOFF = 13


def test_zero_is_all_zeros():
    assert not baselines.zero(VALUES, CUTOFF, draws=50).any()


def test_last_is_poisson_around_the_last_month():
    draws = baselines.last(VALUES, CUTOFF, draws=20000, seed=1)
    assert draws.shape == (2, 20000)
    assert draws.mean(axis=1) == pytest.approx([11, 4], rel=0.03)
    assert draws.var(axis=1) == pytest.approx([11, 4], rel=0.05)


def test_bootstrap_draws_from_every_unit_of_the_last_12_months():
    draws = baselines.bootstrap(VALUES, CUTOFF, draws=5000, seed=2)
    pool = set(range(0, 12)) | {0, 4}
    assert set(np.unique(draws).tolist()) <= pool
    assert 99 not in draws  # older than 12 months
    # the same distribution for both units: one pool of 24 values, 12 of them 0 (one of unit
    # 0, ten of unit 1 and its missing month)
    assert (draws == 0).mean(axis=1) == pytest.approx([0.5, 0.5], abs=0.03)


def test_conflictology_uses_each_units_own_12_months_in_turn():
    draws = baselines.conflictology(VALUES, CUTOFF, draws=25)
    assert draws[0].tolist() == [*range(12), *range(12), 0]
    assert draws[1].tolist() == ([0] * 11 + [4]) * 2 + [0]  # the missing month counts as 0


def test_conflictology_with_neighbours_pools_the_cells():
    panel = Panel(
        level="pgm",
        units=["1", "2"],
        first_month=1,
        values=VALUES,
        neighbours=[np.array([1]), np.array([], dtype=np.intp)],
    )
    draws = baselines.conflictology_neighbours(panel, CUTOFF, draws=24)
    assert sorted(draws[0].tolist()) == sorted([*range(12)] + [0] * 11 + [4])
    assert draws[1].tolist() == ([0] * 11 + [4]) * 2
