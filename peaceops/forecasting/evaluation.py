"""Rolling-window evaluation, as in the 2023 VIEWS prediction competition: each year Y is
forecast from the data up to October of Y-1 (steps 3 to 14), by the benchmarks and by the
model, and scored against what happened.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from peaceops.forecasting import baselines, lgbm, onset
from peaceops.forecasting.features import build_features
from peaceops.forecasting.metrics import crps, ignorance, score_all
from peaceops.forecasting.months import month_id
from peaceops.forecasting.panel import Panel

YEARS = (2018, 2019, 2020, 2021, 2022)
STEPS = list(range(3, 15))  # October of Y-1 + 3 = January of Y ... + 14 = December of Y
THRESHOLD = {"cm": 25, "pgm": 1}
MODEL = "lgbm"
# `--by-group`: the unit-months of a window by the unit's state at the cut-off (calm: no
# fatality in any of its last 12 months, all covered; onset.calm_matrix) and the outcome
PARTS = ("calm, y=0", "calm, y>0", "not calm, y=0", "not calm, y>0")


def benchmark_names(level: str) -> list[str]:
    names = list(baselines.BASELINES)
    if level == "pgm":
        names.append("conflictology_nb")
    return names


@dataclass
class WindowResult:
    level: str
    year: int
    months: int  # forecast months scored
    unit_months: int
    scores: dict[str, dict[str, float]]  # model -> metric -> mean score
    note: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    # `by_group`: part -> model -> metric -> the part's share of the mean score
    parts: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    part_sizes: dict[str, int] = field(default_factory=dict)  # part -> unit-months

    def best_benchmark(self, metric: str) -> float:
        return min(self.scores[name][metric] for name in benchmark_names(self.level))

    def ratio(self, model: str, metric: str) -> float:
        best = self.best_benchmark(metric)
        return self.scores[model][metric] / best if best else float("inf")

    def model_beats_benchmarks(self, metrics: tuple[str, ...] = ("crps", "ign")) -> bool:
        return all(self.ratio(MODEL, m) < 1 for m in metrics)


def part_of_rows(calm: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per scored unit-month, its index in PARTS."""
    return 2 * (~calm).astype(np.intp) + (truth > 0).astype(np.intp)


def score_parts(
    draws: np.ndarray, truth: np.ndarray, parts: np.ndarray
) -> dict[str, dict[str, float]]:
    """part -> {"crps", "ign"}: the sum of the part's unit-months' scores divided by all
    the unit-months, so that the parts add up to the mean score."""
    scores = {"crps": crps(draws, truth), "ign": ignorance(draws, truth)}
    return {
        name: {
            metric: float(values[parts == i].sum() / len(truth))
            for metric, values in scores.items()
        }
        for i, name in enumerate(PARTS)
    }


def stack_draws(
    draws_for: Callable[[int], np.ndarray], steps: list[int], observed: np.ndarray
) -> np.ndarray:
    """(scored unit-months, draws): the draws of every unit-month that `observed` (units,
    steps) marks, step by step: the order of the window's truth."""
    return np.concatenate([draws_for(step)[observed[:, i]] for i, step in enumerate(steps)])


@dataclass(frozen=True)
class ScoredMonths:
    """A window's scored unit-months."""

    cutoff: int  # the panel's column of October of the year before
    steps: list[int]  # those of STEPS that the panel covers
    observed: np.ndarray  # (units, steps): the unit-months with an outcome
    truth: np.ndarray  # their outcomes, in the order of stack_draws


def scored_months(panel: Panel, year: int) -> ScoredMonths:
    cutoff = panel.column(month_id(year - 1, 10))
    steps = [s for s in STEPS if cutoff + s < panel.values.shape[1]]
    observed = ~np.isnan(panel.values[:, [cutoff + s for s in steps]])
    truth = stack_draws(lambda step: panel.values[:, cutoff + step], steps, observed)
    return ScoredMonths(cutoff, steps, observed, truth)


def benchmark_draws(panel: Panel, name: str, cutoff: int, draws: int) -> np.ndarray:
    if name == "conflictology_nb":
        return baselines.conflictology_neighbours(panel, cutoff, draws=draws)
    return baselines.BASELINES[name](panel.values, cutoff, draws=draws, seed=cutoff)


@dataclass
class Training:
    """A larger panel the model learns from and draws for (ADR 0027): it holds every unit
    of the scored panel, with the same values, and more."""

    panel: Panel
    features: np.ndarray


def scored_rows(training: Panel, panel: Panel) -> np.ndarray:
    """The rows of `training` that are the units of `panel`, in its order. Raises
    ValueError unless every unit of `panel` is there with the same values."""
    position = {unit: i for i, unit in enumerate(training.units)}
    missing = [unit for unit in panel.units if unit not in position]
    if missing:
        raise ValueError(f"The training panel lacks {len(missing)} scored units.")
    rows = np.array([position[unit] for unit in panel.units], dtype=np.intp)
    first = training.column(panel.first_month)
    same = training.values[rows, first : first + panel.values.shape[1]]
    if same.shape != panel.values.shape or not np.array_equal(same, panel.values, equal_nan=True):
        raise ValueError("The training panel's values differ from the scored panel's.")
    return rows


def model_draws(
    panel: Panel,
    features: np.ndarray | None,
    cutoff_month: int,
    steps: list[int],
    *,
    draws: int,
    rounds: int,
    training: Training | None = None,
    params: dict | None = None,
) -> dict[int, np.ndarray]:
    """step -> (units of `panel`, draws): the model's forecasts from the data up to
    `cutoff_month`, learnt from `panel` (with its `features`) or, when given, from the
    training panel (with its own); `params` override the model's LightGBM settings
    (`lgbm.forecast_steps`)."""
    options = {"draws": draws, "rounds": rounds, "params": params}
    if training is None:
        return lgbm.forecast(panel, features, panel.column(cutoff_month), steps, **options).draws
    rows = scored_rows(training.panel, panel)
    return {
        result.step: result.draws[rows]
        for result in lgbm.forecast_steps(
            training.panel,
            training.features,
            training.panel.column(cutoff_month),
            steps,
            **options,
        )
    }


def evaluate_window(
    panel: Panel,
    features: np.ndarray | None,
    year: int,
    *,
    draws: int = 1000,
    rounds: int = lgbm.ROUNDS,
    note: str = "",
    training: Training | None = None,
    params: dict | None = None,
    by_group: bool = False,
) -> WindowResult:
    """The benchmarks' and the model's scores for the year; with `by_group`, also each
    part's (PARTS) share of the CRPS and ignorance."""
    window = scored_months(panel, year)
    seconds = {}
    forecasts: dict[str, Callable[[int], np.ndarray]] = {}
    for name in benchmark_names(panel.level):
        started = time.perf_counter()
        fixed = benchmark_draws(panel, name, window.cutoff, draws)
        seconds[name] = time.perf_counter() - started
        forecasts[name] = lambda _step, fixed=fixed: fixed
    started = time.perf_counter()
    forecasts[MODEL] = model_draws(
        panel,
        features,
        month_id(year - 1, 10),
        window.steps,
        draws=draws,
        rounds=rounds,
        training=training,
        params=params,
    ).__getitem__
    seconds[MODEL] = time.perf_counter() - started
    scores: dict[str, dict[str, float]] = {}
    parts: dict[str, dict[str, dict[str, float]]] = {}
    part_sizes: dict[str, int] = {}
    if by_group:
        calm = onset.calm_matrix(panel)[:, window.cutoff]
        rows = part_of_rows(
            stack_draws(lambda _step: calm, window.steps, window.observed), window.truth
        )
        parts = {part: {} for part in PARTS}
        part_sizes = {part: int((rows == i).sum()) for i, part in enumerate(PARTS)}
    for name, draws_for in forecasts.items():
        stacked = stack_draws(draws_for, window.steps, window.observed)
        scores[name] = score_all(stacked, window.truth, THRESHOLD[panel.level])
        if by_group:
            for part, part_scores in score_parts(stacked, window.truth, rows).items():
                parts[part][name] = part_scores
    return WindowResult(
        level=panel.level,
        year=year,
        months=int(window.observed.any(axis=0).sum()),
        unit_months=int(window.observed.sum()),
        scores=scores,
        note=note,
        seconds=seconds,
        parts=parts,
        part_sizes=part_sizes,
    )


def evaluate(
    panel: Panel,
    years: tuple[int, ...] = YEARS,
    *,
    draws: int = 1000,
    rounds: int = lgbm.ROUNDS,
    notes: Callable[[int], str] | None = None,
    progress: Callable[[str], None] | None = None,
    training_panel: Panel | None = None,
    params: dict | None = None,
    by_group: bool = False,
) -> list[WindowResult]:
    """Every window of `years` the panel covers. With `training_panel` (holding every unit
    of `panel` and more), the model learns from and draws for all of its units, and only
    `panel`'s are scored; the benchmarks see `panel` alone. `params` override the model's
    LightGBM settings (e.g. {"seed": 8}: how much the scores move with the seed). With
    `by_group`, each result also has each part's (PARTS) share of CRPS and ignorance."""
    # the model needs the features of the panel it learns from, only
    features, training = None, None
    if training_panel is None:
        features = build_features(panel)
    else:
        training = Training(training_panel, build_features(training_panel))
    results = []
    for year in years:
        if month_id(year, 1) > panel.last_month:
            continue
        result = evaluate_window(
            panel,
            features,
            year,
            draws=draws,
            rounds=rounds,
            note=notes(year) if notes else "",
            training=training,
            params=params,
            by_group=by_group,
        )
        if progress:
            progress(f"{panel.level} {year}: {result.unit_months} unit-months scored")
        results.append(result)
    return results


def format_table(results: list[WindowResult]) -> str:
    """One line per level, window and model: the mean scores and, for CRPS and ignorance,
    the ratio to the best benchmark (below 1 = better than every benchmark)."""
    header = (
        f"{'level':<5} {'window':<6} {'model':<16} {'CRPS':>10} {'IGN':>7} {'MIS':>11} "
        f"{'MSLE':>7} {'Brier':>7} {'CRPS/best':>10} {'IGN/best':>9}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        for model, s in result.scores.items():
            lines.append(
                f"{result.level:<5} {result.year:<6} {model:<16} {s['crps']:>10.3f} "
                f"{s['ign']:>7.3f} {s['mis']:>11.2f} {s['msle']:>7.3f} {s['brier']:>7.4f} "
                f"{result.ratio(model, 'crps'):>10.4f} {result.ratio(model, 'ign'):>9.4f}"
            )
        verdict = "beats" if result.model_beats_benchmarks() else "does NOT beat"
        lines.append(
            f"      {result.year}: {result.unit_months} unit-months, {result.months} months; "
            f"{MODEL} {verdict} every benchmark on CRPS and ignorance. {result.note}".rstrip()
        )
    return "\n".join(lines)


def format_parts(results: list[WindowResult]) -> str:
    """For the results with parts (`by_group`), one line per window, part and model: the
    part's unit-months and its share of the mean CRPS and ignorance (the parts of a model
    add up to its score in the table of format_table)."""
    rows = [
        f"{r.level:<5} {r.year:<6} {part:<14} {r.part_sizes[part]:>11} {model:<16} "
        f"{s['crps']:>9.5f} {s['ign']:>8.5f}"
        for r in results
        for part, by_model in r.parts.items()
        for model, s in by_model.items()
    ]
    header = (
        f"{'level':<5} {'window':<6} {'part':<14} {'unit-months':>11} {'model':<16} "
        f"{'CRPS':>9} {'IGN':>8}"
    )
    return "\n".join([header, "-" * len(header), *rows])
