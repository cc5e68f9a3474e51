"""What more draws above zero for calm cells would do to the pgm windows (ADR 0029).

The pgm model loses the 2021 window to `bootstrap` on ignorance: its calm cells (no
fatality in any of their last 12 months, all covered) get almost only zeros, and in 2021
violence came to 95 calm cell-months of the Central African Republic and South Sudan.
This script re-draws the model's calm cells two ways for every window 2012-2022 and prints
the CRPS and ignorance ratios to the best benchmark, as `forecast evaluate` does:

- `bootstrap w`: their draws pooled with the `bootstrap` benchmark's at weight w
  (`lgbm.pool_draws`; w = 1: the benchmark's draws alone), a tail the same for every cell;
- `onset k`: the onset model's probabilities multiplied by k (k = 1 is the model as it is;
  then pooled with `conflictology_nb` as the model does), a tail where the classifier
  expects onsets.

It also prints, per window, the share of calm cell-months followed by a fatality in the
12 months before the cut-off and in the forecast year: what a forecast from the data up
to the cut-off could have seen of the coming year's onsets.

Run from the repository root (about 5 minutes on 2 cores, 1.5 GB; name years to run only
those windows):

    .venv/bin/python scripts/forecast_calm_tails.py [2020 2021 ...]

It reads the research data in ../shared/data, like `forecast evaluate`, and no database.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peaceops.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from peaceops.forecasting import data, evaluation, lgbm, onset  # noqa: E402
from peaceops.forecasting.features import build_features  # noqa: E402
from peaceops.forecasting.metrics import crps, ignorance  # noqa: E402
from peaceops.forecasting.months import month_id  # noqa: E402

YEARS = tuple(range(2012, 2023))
BOOTSTRAP_WEIGHTS = (0.0, 0.01, 0.05, 0.25, 0.5, 1.0)
ONSET_FACTORS = (2.0, 4.0, 8.0)


def onset_rates(panel, calm: np.ndarray, cutoff: int, steps: list[int]) -> tuple[float, float]:
    """The share of calm cell-months followed by a fatality the next month, over the 12
    months before the cut-off; the share of the forecast year's months with a fatality in
    the cells calm at the cut-off."""
    values = panel.values
    before = [(calm[:, t], values[:, t + 1]) for t in range(cutoff - 12, cutoff)]
    known = np.concatenate([c & ~np.isnan(v) for c, v in before])
    hits = np.concatenate([np.nan_to_num(v) > 0 for _, v in before])
    steps = [s for s in steps if cutoff + s < values.shape[1]]
    year = values[calm[:, cutoff]][:, [cutoff + s for s in steps]]
    return hits[known].mean(), (year[~np.isnan(year)] > 0).mean()


class Window:
    """One window's scored unit-months, the benchmarks' draws and the model's."""

    def __init__(self, panel, features, year: int):
        self.months = evaluation.scored_months(panel, year)
        self.cutoff, self.steps = self.months.cutoff, self.months.steps
        self.bench = {
            name: evaluation.benchmark_draws(panel, name, self.cutoff, 1000)
            for name in evaluation.benchmark_names("pgm")
        }
        self.model = evaluation.model_draws(
            panel, features, month_id(year - 1, 10), self.steps, draws=1000, rounds=lgbm.ROUNDS
        )
        scores = [self.scores(lambda _step, d=draws: d) for draws in self.bench.values()]
        self.best = [min(values) for values in zip(*scores, strict=True)]

    def scores(self, draws_for) -> tuple[float, float]:
        stacked = evaluation.stack_draws(draws_for, self.steps, self.months.observed)
        truth = self.months.truth
        return crps(stacked, truth).mean(), ignorance(stacked, truth).mean()

    def ratios(self, calm: np.ndarray, calm_draws: np.ndarray) -> tuple[float, float]:
        """The model's ratios with the draws of the `calm` rows replaced."""

        def draws_for(step):
            out = self.model[step].copy()
            out[calm] = calm_draws
            return out

        c, g = self.scores(draws_for)
        return c / self.best[0], g / self.best[1]


def window_ratios(panel, features, calm_all, x, year: int) -> dict[str, tuple[float, float]]:
    w = Window(panel, features, year)
    calm = calm_all[:, w.cutoff]
    own = w.model[w.steps[0]][calm]  # the calm cells' draws are the same for every step
    out = {
        f"bootstrap {b:g}": w.ratios(calm, lgbm.pool_draws(own, w.bench["bootstrap"][calm], b))
        for b in BOOTSTRAP_WEIGHTS
    }
    fit = onset.fit_onsets(panel, x, w.cutoff, w.steps, training_months=lgbm.TRAINING_MONTHS)
    probability = onset.onset_probability(fit, x[calm, w.cutoff])

    def onset_tail(k: float) -> np.ndarray:
        drawn = onset.onset_draws(np.minimum(probability * k, 1), fit.sizes, 1000)
        return lgbm.pool_draws(drawn, w.bench["conflictology_nb"][calm], lgbm.NEIGHBOURS_POOL)

    if not np.array_equal(onset_tail(1.0), own):
        raise SystemExit(f"{year}: the onset draws are not the model's own")
    for k in ONSET_FACTORS:
        out[f"onset {k:g}"] = w.ratios(calm, onset_tail(k))
    return out


def main() -> None:
    panel = data.load_pgm_extracts()
    features = build_features(panel)
    calm_all = onset.calm_matrix(panel)
    x = onset.onset_features(panel, features)
    ratios, rates = {}, {}
    for year in [int(arg) for arg in sys.argv[1:]] or YEARS:
        if any(e.covers_year(year) for e in data.EXTRACTS):
            ratios[year] = window_ratios(panel, features, calm_all, x, year)
            cutoff = panel.column(month_id(year - 1, 10))
            rates[year] = onset_rates(panel, calm_all, cutoff, evaluation.STEPS)
            print(f"{year}: done", file=sys.stderr, flush=True)
    years = sorted(ratios)
    print("CRPS/best and IGN/best of the pgm model with its calm cells' draws re-drawn")
    print(f"{'variant':<14} " + " ".join(f"{y:>13}" for y in years))
    for variant in ratios[years[0]]:
        cells = " ".join(f"{ratios[y][variant][0]:.4f}/{ratios[y][variant][1]:.4f}" for y in years)
        print(f"{variant:<14} {cells}")
    print()
    print("calm cell-months followed by a fatality: 12 months before the cut-off / forecast year")
    for y in years:
        print(f"{y}  {rates[y][0]:.4f} / {rates[y][1]:.4f}")


if __name__ == "__main__":
    main()
