"""The benchmark models of the 2023 VIEWS prediction competition.

Each takes a panel's values up to the data cut-off (columns `..cutoff`, inclusive) and gives
draws of shape (units, m), the same for every forecast month: the benchmarks do not change
with the horizon. Missing months (NaN) count as 0, since no recorded event means none known.
"""

import numpy as np

from peaceops.forecasting.panel import Panel

DRAWS = 1000
HISTORY = 12  # months of history the bootstrap and conflictology benchmarks draw from


def _recent(values: np.ndarray, cutoff: int) -> np.ndarray:
    """The last HISTORY months up to and including column `cutoff`, NaN as 0."""
    return np.nan_to_num(values[:, max(cutoff - HISTORY + 1, 0) : cutoff + 1])


def zero(values: np.ndarray, cutoff: int, *, draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    return np.zeros((values.shape[0], draws))


def last(values: np.ndarray, cutoff: int, *, draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    """Poisson draws around each unit's last observed month."""
    rate = np.nan_to_num(values[:, cutoff])
    return (
        np.random.default_rng(seed)
        .poisson(rate[:, None], size=(len(rate), draws))
        .astype(np.float64)
    )


def bootstrap(values: np.ndarray, cutoff: int, *, draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    """Draws (with replacement) from all units' values of the last 12 months: one
    distribution for every unit."""
    pool = _recent(values, cutoff).ravel()
    return np.random.default_rng(seed).choice(pool, size=(values.shape[0], draws))


def conflictology(
    values: np.ndarray, cutoff: int, *, draws: int = DRAWS, seed: int = 0
) -> np.ndarray:
    """Each unit's own last 12 months as its draws, repeated in turn up to `draws`."""
    recent = _recent(values, cutoff)
    return recent[:, np.arange(draws) % recent.shape[1]]


def conflictology_neighbours(
    panel: Panel, cutoff: int, *, draws: int = DRAWS, seed: int = 0
) -> np.ndarray:
    """Per cell, the last 12 months of the cell and of its (up to 8) neighbours, pooled, as
    its draws, repeated in turn up to `draws`."""
    recent = _recent(panel.values, cutoff)
    out = np.empty((recent.shape[0], draws))
    for unit, neighbours in enumerate(panel.neighbours):
        pool = np.concatenate([recent[unit], recent[neighbours].ravel()])
        out[unit] = pool[np.arange(draws) % len(pool)]
    return out


BASELINES = {
    "zero": zero,
    "last": last,
    "bootstrap": bootstrap,
    "conflictology": conflictology,
}
