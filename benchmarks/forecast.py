"""Time the forecasting pipelines on the research data in ../shared/data.

    .venv/bin/python benchmarks/forecast.py [--level cm|pgm|both] [--draws 1000] [--steps 12]

cm: the VIEWS country-month series 1990-2022, cut-off 2022-12, forecasts 2023-01..2023-12 for
every country. pgm: every cell of the four UCDP GED extracts (Syria, Central African
Republic, Nigeria, South Sudan), cut-off 2019-10 (the last month all four cover), 12 months.
Each prints the time of loading the data, building the features, and training plus drawing
(12 steps, three LightGBM fits each; for pgm also the onset model of calm cells: two
distance-to-violence features and one LightGBM classifier), next to fitting the
conflictology benchmark on the same data, and the process's peak memory. Targets (issue 6,
2 cores): cm under 5 minutes, pgm under 10 minutes, peak memory under 8 GB.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peaceops.settings")
os.environ.setdefault("PEACEOPS_VAR_DIR", tempfile.mkdtemp(prefix="peaceops-forecast-"))

import django  # noqa: E402

django.setup()

from peaceops.forecasting import baselines, data, lgbm  # noqa: E402
from peaceops.forecasting.features import build_features  # noqa: E402
from peaceops.forecasting.months import month_id  # noqa: E402


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def run(level: str, draws: int, steps: int) -> None:
    if level == "cm":
        panel, load = timed(data.load_views_cm)
        cutoff = panel.column(month_id(2022, 12))
    else:
        panel, load = timed(data.load_pgm_extracts)
        cutoff = panel.column(month_id(2019, 10))
    features, build = timed(build_features, panel)
    forecasts, model = timed(
        lgbm.forecast, panel, features, cutoff, list(range(1, steps + 1)), draws=draws
    )
    _draws, conflictology = timed(baselines.conflictology, panel.values, cutoff, draws=draws)
    total = load + build + model
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # GiB (Linux: KiB)
    cells = sum(d.size for d in forecasts.draws.values())
    print(
        f"{level}: {len(panel.units):,} units x {steps} months x {draws:,} draws "
        f"({cells:,} values), threads {lgbm.PARAMS['num_threads']}\n"
        f"  load {load:7.1f} s   features {build:6.1f} s   train + draw {model:7.1f} s   "
        f"total {total:7.1f} s\n"
        f"  conflictology benchmark on the same data: {conflictology * 1000:.1f} ms "
        f"(the model takes {total / conflictology:,.0f} times as long)\n"
        f"  peak memory so far {peak:.2f} GiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=("cm", "pgm", "both"), default="both")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    for level in ("cm", "pgm") if args.level == "both" else (args.level,):
        run(level, args.draws, args.steps)


if __name__ == "__main__":
    main()
