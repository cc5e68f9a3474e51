"""The scores of the 2023 VIEWS prediction competition, for forecasts given as draws.

Every function takes `draws` of shape (n, m) (m draws for each of n unit-months) and the
observed counts `observed` of shape (n,), and returns one score per unit-month; the tables
show their means. Lower is better for all of them.
"""

import numpy as np

# Ignorance-score bins: [0, 0.5), [0.5, 2.5), ..., [500.5, 1000.5), [1000.5, inf).
IGNORANCE_EDGES = np.array([0, 0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5, 500.5, 1000.5])


def crps(draws: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Continuous ranked probability score, ensemble estimator:
    mean |X - y| - 1/2 mean |X - X'| over all ordered pairs of draws (1/m^2)."""
    x = np.sort(np.asarray(draws, dtype=np.float64), axis=1)
    y = np.asarray(observed, dtype=np.float64)
    m = x.shape[1]
    error = np.abs(x - y[:, None]).mean(axis=1)
    weights = 2 * np.arange(1, m + 1) - m - 1
    spread = 2.0 / (m * m) * (x @ weights)  # mean |X - X'|
    return error - 0.5 * spread


def ignorance(draws: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Ignorance score (bits): -log2 of the share of draws in the observation's bin, after
    adding one pseudo-draw to each of the 11 bins (so no bin has probability 0)."""
    bins = len(IGNORANCE_EDGES)
    draw_bins = np.digitize(draws, IGNORANCE_EDGES) - 1
    observed_bins = np.digitize(observed, IGNORANCE_EDGES) - 1
    hits = (draw_bins == observed_bins[:, None]).sum(axis=1)
    return -np.log2((hits + 1) / (draws.shape[1] + bins))


def interval_score(draws: np.ndarray, observed: np.ndarray, level: float = 0.9) -> np.ndarray:
    """Interval score of the central interval (quantiles alpha/2 and 1 - alpha/2 of the
    draws, linear interpolation): width + 2/alpha x the distance outside it."""
    alpha = 1 - level
    lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=1)
    y = np.asarray(observed, dtype=np.float64)
    below = (2 / alpha) * (lower - y) * (y < lower)
    above = (2 / alpha) * (y - upper) * (y > upper)
    return (upper - lower) + below + above


def msle(draws: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Squared log error of the point forecast (the mean of the draws)."""
    return (np.log1p(np.mean(draws, axis=1)) - np.log1p(observed)) ** 2


def brier(draws: np.ndarray, observed: np.ndarray, threshold: float) -> np.ndarray:
    """Brier score of the event 'fatalities >= threshold', its probability = share of draws."""
    probability = (np.asarray(draws) >= threshold).mean(axis=1)
    return (probability - (np.asarray(observed) >= threshold)) ** 2


def score_all(draws: np.ndarray, observed: np.ndarray, threshold: float) -> dict[str, float]:
    """Mean of every metric over the unit-months."""
    return {
        "crps": float(crps(draws, observed).mean()),
        "ign": float(ignorance(draws, observed).mean()),
        "mis": float(interval_score(draws, observed).mean()),
        "msle": float(msle(draws, observed).mean()),
        "brier": float(brier(draws, observed, threshold).mean()),
    }
