"""Onsets in calm cells (pgm): a cell with no fatality in any of its last 12 months (all
covered) gets its own probability of an onset and draws from the sizes of past onsets.

1. A LightGBM classifier (cross-entropy on the share of the forecast months with at least
   one fatality) learns, on every calm cell and month of the training window, the onset
   probability from ONSET_FEATURES: how far (in cells) the nearest violence of the last 3
   and 12 months is, how many of the 8 neighbours had any in 12 months, and how long ago the
   cell itself last had any (never: missing). The probability is the same for every step.
2. It is halved (ONSET_SHRINK): the classifier learns the rate of its training years, and
   onsets come in waves (in 2010-2014 two to three times as many as in 2015-2017); the
   factor was chosen on the windows 2015-2017.
3. The draws that are not zero come from the sizes of the onsets seen in training. The
   ignorance score adds one pseudo-draw to each of its 11 bins, so a bin gets draws only
   beyond that one: n_b = round((m + 11) p P(bin b of an onset) - 1) of the m draws, which
   maximises the expected score (up to rounding); the rest are zeros. A cell with a small
   probability therefore gets only zeros, as version 2 gave every quiet cell.
"""

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from peaceops.forecasting.features import distance_to_violence, feature_names, window_totals
from peaceops.forecasting.metrics import IGNORANCE_EDGES
from peaceops.forecasting.panel import Panel

CALM_MONTHS = 12
ONSET_FEATURES = ("distance3", "distance12", "nb_active12", "since_any")
ONSET_PARAMS = {
    "objective": "cross_entropy",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "max_bin": 63,
    "min_data_in_leaf": 200,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "deterministic": True,
    "seed": 7,
    "verbose": -1,
}
ONSET_ROUNDS = 100
ONSET_SHRINK = 0.5


def calm_matrix(panel: Panel) -> np.ndarray:
    """(units, months) bool: the unit's last CALM_MONTHS months are all covered and zero."""
    sums, counts = window_totals(panel.values, CALM_MONTHS)
    return (counts == CALM_MONTHS) & (sums == 0)


def onset_features(panel: Panel, features: np.ndarray) -> np.ndarray:
    """(units, months, len(ONSET_FEATURES)): the distances to violence and two columns of
    the model's features (build_features(panel))."""
    names = feature_names(panel.level)
    return np.stack(
        [
            distance_to_violence(panel, 3),
            distance_to_violence(panel, 12),
            features[:, :, names.index("nb_active12")],
            features[:, :, names.index("since_any")],
        ],
        axis=2,
    ).astype(np.float32)


@dataclass
class OnsetModel:
    booster: lgb.Booster | None  # None when training saw no onset: every probability is 0
    sizes: np.ndarray  # fatalities of the onsets seen in training, sorted


@dataclass
class OnsetRows:
    features: np.ndarray  # (rows, len(ONSET_FEATURES))
    share: np.ndarray  # share of the covered forecast months with at least one fatality
    months: np.ndarray  # covered forecast months of each row (its weight)
    sizes: np.ndarray  # fatalities of every onset month of the rows


def onset_rows(
    panel: Panel, x: np.ndarray, cutoff: int, steps: list[int], training_months: int
) -> OnsetRows:
    """The calm cells and months t of the last `training_months` whose forecast months
    t + s (s in `steps`) are all at or before the cut-off, with at least one covered."""
    last = cutoff - max(steps)
    first = max(0, last - training_months + 1)
    if last < first:
        return OnsetRows(np.zeros((0, x.shape[2])), np.zeros(0), np.zeros(0), np.zeros(0))
    later = [panel.values[:, first + s : last + s + 1] for s in steps]
    covered = sum((~np.isnan(y)).astype(np.float64) for y in later)
    hits = sum((np.nan_to_num(y) >= 1).astype(np.float64) for y in later)
    keep = calm_matrix(panel)[:, first : last + 1] & (covered > 0)
    return OnsetRows(
        features=x[:, first : last + 1][keep],
        share=hits[keep] / covered[keep],
        months=covered[keep],
        sizes=np.sort(np.concatenate([y[keep & (np.nan_to_num(y) >= 1)] for y in later])),
    )


def fit_onsets(
    panel: Panel,
    x: np.ndarray,
    cutoff: int,
    steps: list[int],
    *,
    training_months: int,
    threads: int = 1,
    seed: int = ONSET_PARAMS["seed"],
) -> OnsetModel:
    rows = onset_rows(panel, x, cutoff, steps, training_months)
    if not len(rows.sizes):
        return OnsetModel(booster=None, sizes=rows.sizes)
    booster = lgb.train(
        {**ONSET_PARAMS, "num_threads": threads, "seed": seed},
        lgb.Dataset(rows.features, rows.share, weight=rows.months),
        num_boost_round=ONSET_ROUNDS,
    )
    return OnsetModel(booster=booster, sizes=rows.sizes)


def onset_probability(model: OnsetModel, x: np.ndarray) -> np.ndarray:
    """Per row of `x` (rows, len(ONSET_FEATURES)), the probability of at least one
    fatality in a forecast month, shrunk by ONSET_SHRINK."""
    if model.booster is None or not len(x):
        return np.zeros(len(x))
    return ONSET_SHRINK * model.booster.predict(x)


def onset_draws(probability: np.ndarray, sizes: np.ndarray, draws: int) -> np.ndarray:
    """(units, draws): per unit, n_b = round((draws + 11) p P(b) - 1) draws (at least 0)
    in each non-zero ignorance bin b, at the quantiles (k + 0.5) / n_b of the onset sizes
    in that bin (P(b) is their share in it), and zeros for the rest."""
    out = np.zeros((len(probability), draws))
    if not len(sizes):
        return out
    bins = np.digitize(sizes, IGNORANCE_EDGES) - 1
    share = np.bincount(bins, minlength=len(IGNORANCE_EDGES)) / len(sizes)
    pseudo = len(IGNORANCE_EDGES)  # one pseudo-draw per bin
    counts = np.round((draws + pseudo) * probability[:, None] * share[None, :] - 1)
    counts = np.maximum(counts, 0).astype(np.intp)
    for unit in np.flatnonzero(counts.sum(axis=1)):
        values = np.concatenate(
            [
                np.quantile(sizes[bins == b], (np.arange(n) + 0.5) / n)
                for b, n in enumerate(counts[unit])
                if n
            ]
        )[:draws]
        out[unit, draws - len(values) :] = np.round(values)
    return out
