"""The forecasting model: for each step ahead, a LightGBM regression of log(1 + fatalities)
on the history features, turned into a predictive distribution (a mixture of draws).

1. Level: `mu = base + f_s(features at the cut-off)`, where `base` is log1p of the unit's
   mean over its last 12 months and f_s, one gradient-boosting model per step s (months
   after the cut-off), learns the change from it. Trees cannot extrapolate, so learning the
   change rather than the level keeps the largest wars from being pulled down towards the
   bulk of the training rows. f_s is trained on every unit and month of the last
   TRAINING_MONTHS whose target month is at or before the cut-off.
2. Errors of similar forecasts (a quarter of the draws): the training units are split in two
   halves; a model fitted on each half predicts the other, which gives honest
   (out-of-fold) residuals `log1p(y) - mu_oof`. They are grouped into bins of similar
   `mu_oof` (equal counts), so the spread depends on the level: a unit with no recent
   violence gets mostly zeros and a small chance of an onset, a war gets wide tails. The
   bin's residual quantiles at (k + 0.5) / n are added to `mu`.
3. The unit's own recent months (the other three quarters; for cells pooled with the 8
   neighbours'), scaled to the expected level, so a war that has been steady stays tight
   and one that swings keeps its swings. For cells (version 4) a month k months before the
   cut-off weighs 0.5 ** (k / POOL_HALFLIFE) in the pool, and the draws are the weighted
   pool's quantiles.
   Version 5 (ERROR_HURDLE): the error draws of a cell with a fatality of its own in its last
   12 months keep that share of months as their share of non-zero draws (adding log
   residuals does not keep zeros: a zero outcome's residual added to a higher level is not
   zero), with their mean unchanged.
4. A quiet country (no fatality in it or its neighbours in the last 12 months) takes all
   its draws from that history: all zero, no onset tail (see QUIET_ZERO). A calm cell (none
   in the cell itself in the last 12 months) takes all its draws from the onset model
   (`onset.py`, version 3): its own onset probability, with sizes of past onsets.
5. Version 6 (NEIGHBOURS_POOL): a cell's draws, whatever their source, are a linear pool of
   the model's distribution (90%) and the conflictology_nb benchmark's (10%): the cell's and
   its 8 neighbours' last 12 months, unscaled. Both scores are convex in the distribution,
   so the pool scores at most the weighted mean of its parts, and the benchmark's months
   cover what the model's draws leave out (ADR 0025).
The model's draws go back through expm1, are cut at 0 and at twice the largest training
value, and are rounded (the pool of 5 takes quantiles of whole numbers): the draws are
deterministic (no random numbers), so a run can be reproduced.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from peaceops.forecasting import baselines, onset
from peaceops.forecasting.features import window_totals
from peaceops.forecasting.panel import Panel

MODEL_NAME = "lgbm_mixture"
MODEL_VERSION = "6"

PARAMS = {
    "objective": "regression",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "max_bin": 63,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    # One thread unless PEACEOPS_FORECAST_THREADS says more: on a shared 2-core machine two
    # OpenMP threads spin against other processes and run many times slower.
    "num_threads": int(os.environ.get("PEACEOPS_FORECAST_THREADS", "1")),
    "deterministic": True,
    "seed": 7,
    "verbose": -1,
}
ROUNDS = 150
TRAINING_MONTHS = 240  # the last 20 years of history train the model
RESIDUAL_BINS = 40
MIN_BIN = 200
HISTORY = 12  # months of the unit's own history in the history draws
HISTORY_SHARE = 0.75
MAX_SCALE = 10.0  # the history draws are scaled up by at most this factor
# The history draws are scaled to anchor * mu + (1 - anchor) * base. For cells the model's
# level is noisier than the cell's own recent level (chosen on the windows 2015-2017).
HISTORY_ANCHOR = {"cm": 0.7, "pgm": 0.0}
# Quiet units (no fatality in the unit or its neighbours in any of the last HISTORY months,
# all covered) take all their draws from that history, i.e. all zero, instead of giving a
# quarter of them to the errors of similar forecasts (a small onset tail). The ignorance
# score's pseudo-draws already give the ten non-zero bins 10/1011 (about 1%), more than the
# onsets such units have (about 0.2% of the quiet cell-months of 2015-2017), so onset draws
# cost more there than they earn; CRPS hardly moves. Chosen on the windows 2015-2017 (cm
# and pgm), model version 2. Since version 3 it applies to countries only: calm cells take
# their draws from the onset model (ONSET_MODEL, chosen on the windows 2015-2017; on the
# windows 2018-2022 it did worse than version 2: docs/forecasting.md, ADR 0017).
QUIET_ZERO = True
ONSET_MODEL = True
# Cells' history draws (version 4): quantiles of the pooled last HISTORY months of the cell
# and its 8 neighbours, a month k months before the cut-off weighted 0.5 ** (k / 6): the last
# months say more about the next ones than the months a year back. Chosen on the windows
# 2015-2017 by the rule of ADR 0019. None gives version 3's pool (every month once, in
# turn); countries keep that one.
POOL_HALFLIFE: float | None = 6.0
# Cells' error draws (version 5): for a cell with a fatality of its own in its last HISTORY
# months, all covered, round(n q) of its n error draws are not zero, q the share of those
# months with a fatality: the quantiles (k + 0.5) / round(n q) of the step's non-zero error
# draws, scaled so that the error draws' mean is unchanged (cut at the ceiling). The
# residual bins are equal counts of all training rows, so such cells share the top bins,
# which span a wide range of levels, and adding a zero outcome's residual -mu_oof to a
# higher level gives a non-zero draw: before, a third of these cells' error draws were
# non-zero where a fatality came in 11-25% of the months. Chosen on the windows 2015-2017
# by the rule of ADR 0022. False gives version 4's draws.
ERROR_HURDLE = True
# Cells' draws pooled with the conflictology_nb benchmark (version 6): round(m w) of a cell's m
# draws are the quantiles of the benchmark's draws (the cell's and its 8 neighbours' last
# HISTORY months, unscaled), the others the quantiles of the model's draws (pool_draws()),
# w = NEIGHBOURS_POOL. Chosen on the windows 2012-2017 by the rule of ADR 0025 (among pools
# with zero, bootstrap, conflictology and conflictology_nb at a few weights). None gives
# version 5's draws; countries are never pooled.
NEIGHBOURS_POOL: float | None = 0.1


@dataclass
class StepModel:
    step: int
    booster: lgb.Booster
    ceiling: float  # highest log1p value a draw may take: the training maximum + log(2)
    bin_edges: np.ndarray  # upper mu edge of each bin but the last
    residual_quantiles: np.ndarray  # (bins, draws)


def recent_level(values: np.ndarray, window: int = HISTORY) -> np.ndarray:
    """log1p of each unit's mean monthly count over the last `window` covered months (the
    months before the panel or not covered are left out; 0 when none is covered)."""
    sums, counts = window_totals(values, window)
    return np.log1p(np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0))


@dataclass
class TrainingSet:
    features: np.ndarray  # (rows, k)
    target: np.ndarray  # log1p(fatalities)
    base: np.ndarray  # recent_level() at the feature month: the model learns target - base
    units: np.ndarray  # unit index of each row
    first: int  # first feature column of the rows
    last: int  # last feature column of the rows


def training_set(panel: Panel, features: np.ndarray, cutoff: int, step: int) -> TrainingSet:
    """Rows (unit, t) with t + step <= cutoff (columns) over the last TRAINING_MONTHS, where
    month t and the target month are both covered."""
    last = cutoff - step
    first = max(0, last - TRAINING_MONTHS + 1)
    if last < first:
        raise ValueError("No training months before this cut-off for this step.")
    x = features[:, first : last + 1]
    y = panel.values[:, first + step : last + step + 1]
    keep = ~np.isnan(y) & ~np.isnan(panel.values[:, first : last + 1])
    units = np.broadcast_to(np.arange(panel.values.shape[0])[:, None], keep.shape)
    base = recent_level(panel.values)[:, first : last + 1]
    return TrainingSet(
        features=x[keep],
        target=np.log1p(y[keep]),
        base=base[keep],
        units=units[keep],
        first=first,
        last=last,
    )


def _fit(x: np.ndarray, y: np.ndarray, params: dict, rounds: int) -> lgb.Booster:
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=rounds)


def residual_bins(
    mu: np.ndarray, residuals: np.ndarray, draws: int, bins: int = RESIDUAL_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-count bins of the predictions (at least MIN_BIN rows each) and, per bin, the
    residual quantiles at (k + 0.5) / draws."""
    order = np.argsort(mu, kind="stable")
    size = max(len(mu) // bins, MIN_BIN)
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if len(chunks) > 1 and len(chunks[-1]) < size:  # a short last bin joins the one before
        short = chunks.pop()
        chunks[-1] = np.concatenate([chunks[-1], short])
    levels = (np.arange(draws) + 0.5) / draws
    quantiles = np.stack([np.quantile(residuals[c], levels) for c in chunks])
    edges = np.array([mu[c].max() for c in chunks[:-1]])
    return edges, quantiles


def fit_step(
    training: TrainingSet,
    step: int,
    *,
    draws: int,
    params: dict | None = None,
    rounds: int = ROUNDS,
) -> StepModel:
    params = {**PARAMS, **(params or {})}
    permutation = np.random.default_rng(params["seed"] + step).permutation(
        int(training.units.max()) + 1
    )
    fold = permutation[training.units] % 2
    change = training.target - training.base
    mu_oof = training.base.copy()
    for part in (0, 1):
        fitted = _fit(training.features[fold != part], change[fold != part], params, rounds)
        mu_oof[fold == part] += fitted.predict(training.features[fold == part])
    edges, quantiles = residual_bins(mu_oof, training.target - mu_oof, draws)
    return StepModel(
        step=step,
        booster=_fit(training.features, change, params, rounds),
        ceiling=float(training.target.max() + np.log(2)),
        bin_edges=edges,
        residual_quantiles=quantiles,
    )


def recent_pool(panel: Panel, cutoff: int, draws: int) -> np.ndarray:
    """(units, draws): each unit's last HISTORY months (uncovered months count as 0). For
    countries, or with POOL_HALFLIFE None, the months repeated in turn up to `draws`, and
    for cells with the months of the 8 neighbouring cells joining the cell's own (violence
    moves between neighbouring cells). For cells with POOL_HALFLIFE, the quantiles at
    (k + 0.5) / draws of the same months, a month k months before the cut-off weighted
    0.5 ** (k / POOL_HALFLIFE)."""
    recent = np.nan_to_num(panel.values[:, max(cutoff - HISTORY + 1, 0) : cutoff + 1])
    out = np.empty((recent.shape[0], draws))
    if panel.level == "pgm" and POOL_HALFLIFE is not None:
        ages = np.arange(recent.shape[1])[::-1]  # months before the cut-off
        weights = 0.5 ** (ages / POOL_HALFLIFE)
        levels = (np.arange(draws) + 0.5) / draws
        for unit in range(recent.shape[0]):
            neighbours = panel.neighbours[unit]
            pool = np.concatenate([recent[unit], recent[neighbours].ravel()])
            out[unit] = weighted_quantiles(pool, np.tile(weights, len(neighbours) + 1), levels)
        return out
    for unit in range(recent.shape[0]):
        pool = recent[unit]
        if panel.level == "pgm" and len(panel.neighbours[unit]):
            pool = np.concatenate([pool, recent[panel.neighbours[unit]].ravel()])
        out[unit] = pool[np.arange(draws) % len(pool)]
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The smallest value whose share of the total weight at or below it reaches each level
    (the inverse of the weighted empirical distribution function)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = np.searchsorted(cumulative, levels * cumulative[-1], side="left")
    return values[order][np.minimum(index, len(values) - 1)]


def quiet_units(panel: Panel, cutoff: int) -> np.ndarray:
    """(units,) bool: the unit's last HISTORY months are all covered and, like those of its
    neighbours (uncovered months as 0), all zero."""
    recent = panel.values[:, max(cutoff - HISTORY + 1, 0) : cutoff + 1]
    active = np.nan_to_num(recent).max(axis=1) > 0
    quiet = ~np.isnan(recent).any(axis=1) & ~active
    for unit, neighbours in enumerate(panel.neighbours):
        if quiet[unit] and len(neighbours) and active[neighbours].any():
            quiet[unit] = False
    return quiet


def error_hurdle_share(panel: Panel, cutoff: int) -> np.ndarray:
    """(units,): for cells whose last HISTORY months are all covered with at least one
    fatality among them, the share of those months with a fatality; NaN for the other
    cells, and for every country (their error draws are left as they are)."""
    share = np.full(len(panel.units), np.nan)
    if panel.level != "pgm":
        return share
    fatal = window_totals((np.nan_to_num(panel.values) > 0).astype(np.float64), HISTORY)[0]
    covered = window_totals(panel.values, HISTORY)[1][:, cutoff]
    active = (covered == HISTORY) & (fatal[:, cutoff] > 0)
    share[active] = fatal[active, cutoff] / HISTORY
    return share


def hurdle_errors(errors: np.ndarray, share: np.ndarray, ceiling: float) -> np.ndarray:
    """(units, n) error draws (rounded) with round(n * share) of each unit's draws not zero
    where `share` is not NaN: the quantiles (k + 0.5) / that many (the inverse of the
    empirical distribution) of the unit's non-zero draws, scaled so that the mean of its n
    draws is unchanged, cut at `ceiling` and rounded (scaled down, a draw below 0.5 becomes 0
    again). A unit without a non-zero draw keeps its zeros."""
    out = errors.copy()
    n = errors.shape[1]
    for unit in np.flatnonzero(~np.isnan(share)):
        row = errors[unit]
        nonzero = np.sort(row[row > 0])
        if not len(nonzero):
            continue
        kept = int(round(n * share[unit]))
        new = np.zeros(n)
        if kept:
            levels = (np.arange(kept) + 0.5) / kept
            new[n - kept :] = np.round(np.quantile(nonzero, levels, method="inverted_cdf"))
        mean = new.mean()
        factor = row.mean() / mean if mean > 0 else 1.0
        out[unit] = np.round(np.minimum(new * factor, ceiling))
    return out


def pool_draws(draws: np.ndarray, other: np.ndarray, weight: float) -> np.ndarray:
    """(units, m): a stratified sample of the linear pool weight * F_other + (1 - weight) *
    F_draws of each row, with no random numbers: the first n = round(m * weight) draws are
    the quantiles (k + 0.5) / n of the row of `other` (the inverse of its empirical
    distribution), the other m - n the quantiles (k + 0.5) / (m - n) of the row of `draws`."""
    m = draws.shape[1]
    n = int(round(m * weight))
    if n == 0:
        return draws.copy()

    def quantiles(values: np.ndarray, count: int) -> np.ndarray:
        # the inverse of the empirical distribution takes the same positions of every
        # sorted row: those it takes of 0, 1, ..., m - 1
        levels = (np.arange(count) + 0.5) / count
        positions = np.quantile(np.arange(values.shape[1]), levels, method="inverted_cdf")
        return np.sort(values, axis=1)[:, positions.astype(np.intp)]

    return np.hstack([quantiles(other, n), quantiles(draws, m - n)])


def predict_draws(
    model: StepModel,
    features: np.ndarray,
    base: np.ndarray,
    pool: np.ndarray,
    draws: int,
    anchor: float,
    *,
    nonzero_share: np.ndarray | None = None,
) -> np.ndarray:
    """(units, draws) fatalities for the units whose features (units, k) are given; `base`
    is recent_level() and `pool` recent_pool() at the cut-off for the same units, with at
    least round(draws * HISTORY_SHARE) draws (the first of them are used). With
    `nonzero_share` (error_hurdle_share() for the same units), the error draws go through
    hurdle_errors()."""
    mu = base + model.booster.predict(features)
    bins = np.searchsorted(model.bin_edges, mu, side="left")
    own = round(draws * HISTORY_SHARE)
    pick = np.linspace(0, model.residual_quantiles.shape[1] - 1, draws - own).round()
    errors = np.expm1(
        np.clip(
            mu[:, None] + model.residual_quantiles[bins][:, pick.astype(np.intp)], 0, model.ceiling
        )
    )
    # the history draws keep their zeros and are scaled to the expected level
    level = np.expm1(anchor * mu + (1 - anchor) * base)
    mean = pool[:, :own].mean(axis=1)
    scale = np.minimum(np.divide(level, mean, out=np.zeros_like(mean), where=mean > 0), MAX_SCALE)
    history = np.minimum(pool[:, :own] * scale[:, None], np.expm1(model.ceiling))
    out = np.round(np.hstack([errors, history]))
    if nonzero_share is not None:
        out[:, : draws - own] = hurdle_errors(
            out[:, : draws - own], nonzero_share, np.expm1(model.ceiling)
        )
    return out


def fixed_draws(
    panel: Panel,
    features: np.ndarray,
    cutoff: int,
    steps: list[int],
    draws: int,
    *,
    seed: int = PARAMS["seed"],
) -> tuple[np.ndarray, np.ndarray] | None:
    """The units whose draws do not come from the step models, and their draws (the same
    for every step): for cells, the calm ones with the onset model's draws (fitted with
    `seed`); for countries, the quiet ones with zeros (their history: every month of them
    and their neighbours was 0). None when neither rule is on."""
    if panel.level == "pgm" and ONSET_MODEL:
        calm = onset.calm_matrix(panel)[:, cutoff]
        x = onset.onset_features(panel, features)
        model = onset.fit_onsets(
            panel,
            x,
            cutoff,
            steps,
            training_months=TRAINING_MONTHS,
            threads=PARAMS["num_threads"],
            seed=seed,
        )
        out = np.zeros((len(panel.units), draws))
        out[calm] = onset.onset_draws(
            onset.onset_probability(model, x[calm, cutoff]), model.sizes, draws
        )
        return calm, out
    if QUIET_ZERO:
        return quiet_units(panel, cutoff), np.zeros((len(panel.units), draws))
    return None


@dataclass
class StepForecast:
    step: int
    draws: np.ndarray  # (units, draws)
    training: tuple[int, int]  # first feature column and last target column of the rows


@dataclass
class Forecasts:
    draws: dict[int, np.ndarray]  # step -> (units, draws)
    training: dict[int, tuple[int, int]] = field(default_factory=dict)  # step -> columns


def forecast_steps(
    panel: Panel,
    features: np.ndarray,
    cutoff: int,
    steps: list[int],
    *,
    draws: int = 1000,
    params: dict | None = None,
    rounds: int = ROUNDS,
) -> Iterator[StepForecast]:
    """The forecasts for months cutoff + step of every unit, from the data up to column
    `cutoff` (inclusive), one step at a time (the caller may keep only a summary: the draws
    of every cell of many countries for 12 steps do not need to be in memory at once)."""
    pool = recent_pool(panel, cutoff, round(draws * HISTORY_SHARE))
    base = recent_level(panel.values[:, : cutoff + 1])[:, cutoff]
    # one seed for the run: the step models' (params may set it) and the onset model's
    seed = {**PARAMS, **(params or {})}["seed"]
    fixed = fixed_draws(panel, features, cutoff, steps, draws, seed=seed)
    share = error_hurdle_share(panel, cutoff) if ERROR_HURDLE else None
    neighbours = None
    if panel.level == "pgm" and NEIGHBOURS_POOL:
        neighbours = baselines.conflictology_neighbours(panel, cutoff, draws=draws)
    for step in steps:
        training = training_set(panel, features, cutoff, step)
        model = fit_step(training, step, draws=draws, params=params, rounds=rounds)
        out = predict_draws(
            model,
            features[:, cutoff],
            base,
            pool,
            draws,
            HISTORY_ANCHOR[panel.level],
            nonzero_share=share,
        )
        if fixed is not None:
            units, held = fixed
            out[units] = held[units]
        if neighbours is not None:
            out = pool_draws(out, neighbours, NEIGHBOURS_POOL)
        yield StepForecast(step=step, draws=out, training=(training.first, training.last + step))


def forecast(
    panel: Panel, features: np.ndarray, cutoff: int, steps: list[int], **options: Any
) -> Forecasts:
    """All steps of forecast_steps() (same options) at once."""
    out = Forecasts(draws={})
    for result in forecast_steps(panel, features, cutoff, steps, **options):
        out.draws[result.step] = result.draws
        out.training[result.step] = result.training
    return out
