"""`peaceops forecast evaluate [--level cm|pgm] [--years 2018 2019 ...] [--by-group]`: the
rolling-window evaluation against the VIEWS benchmarks on the research data (../shared/data).
`peaceops forecast run [--level cm|pgm] [--cutoff YYYY-MM] [--steps 12] [--replace]`:
forecasts from the public incidents in the database, stored."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peaceops.forecasting import data, evaluation, lgbm, services
from peaceops.forecasting.months import month_id, parse_month
from peaceops.forecasting.panel import Panel

LEVELS = ("cm", "pgm")
# What the pgm model learns from in the evaluation (ADR 0027); only the GED extracts' cells
# are scored either way.
TRAINING_CELLS = {"extracts": (), "extracts+acled": data.ACLED_EXTRACTS}


def pgm_note(year: int) -> str:
    covered = [e for e in data.EXTRACTS if e.covers_year(year)]
    names = ", ".join(e.country for e in covered)
    note = f"Cells of: {names}."
    syria = next((e for e in covered if e.country == "SYR"), None)
    if syria and syria.last_month < month_id(year, 12):
        note += " Syria scored January-November only (its extract ends 2019-11)."
    return note


def pgm_training_panel(choice: str) -> Panel | None:
    """The panel the pgm model learns from in the evaluation when it is more than the
    scored GED extracts' cells (ADR 0027); None when it is those."""
    extra = TRAINING_CELLS[choice]
    return data.load_pgm_extracts(data.EXTRACTS + extra) if extra else None


class Command(BaseCommand):
    help = "Evaluate the forecasting model against the benchmarks, or run and store forecasts."

    def add_arguments(self, parser: Any) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        evaluate = commands.add_parser("evaluate", help="rolling-window evaluation")
        evaluate.add_argument("--level", choices=LEVELS, action="append")
        evaluate.add_argument("--years", type=int, nargs="+", default=list(evaluation.YEARS))
        evaluate.add_argument("--draws", type=int, default=1000)
        evaluate.add_argument(
            "--pgm-training",
            choices=sorted(TRAINING_CELLS),
            default="extracts",
            help="the cells the pgm model learns from: the GED extracts' only, or also the "
            "nine ACLED countries' (ADR 0027)",
        )
        evaluate.add_argument(
            "--seed",
            type=int,
            help="the model's random seed (LightGBM's bagging, the out-of-fold halves, the "
            f"onset model); default {lgbm.PARAMS['seed']}",
        )
        evaluate.add_argument(
            "--by-group",
            action="store_true",
            help="also print each window's scores split by the units' state at the cut-off "
            "(calm: no fatality in 12 covered months) and by the outcome (0 or more)",
        )
        run = commands.add_parser("run", help="forecast from the database and store")
        run.add_argument("--level", choices=LEVELS, action="append")
        run.add_argument("--cutoff", type=parse_month, help="last month of data, YYYY-MM")
        run.add_argument("--steps", type=int, default=services.STEPS)
        run.add_argument(
            "--replace", action="store_true", help="replace a stored run with the same cut-off"
        )
        run.add_argument(
            "--if-missing",
            action="store_true",
            help="leave a stored run with the same cut-off as it is (for `make run`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        levels = options["level"] or list(LEVELS)
        if options["action"] == "evaluate":
            self._evaluate(levels, tuple(options["years"]), options)
        else:
            self._run(levels, options)

    def _evaluate(self, levels: list[str], years: tuple[int, ...], options: dict) -> None:
        seed = options["seed"]
        results = []
        for level in levels:
            started = time.perf_counter()
            training = None
            if level == "cm":
                panel, notes = data.load_views_cm(), None
            else:
                panel = data.load_pgm_extracts()
                notes = pgm_note
                training = pgm_training_panel(options["pgm_training"])
            years_here = tuple(
                y for y in years if level == "cm" or any(e.covers_year(y) for e in data.EXTRACTS)
            )
            results += evaluation.evaluate(
                panel,
                years_here,
                draws=options["draws"],
                notes=notes,
                progress=self.stdout.write,
                training_panel=training,
                params=None if seed is None else {"seed": seed},
                by_group=options["by_group"],
            )
            self.stdout.write(f"{level}: {time.perf_counter() - started:.0f} s")
        self.stdout.write(evaluation.format_table(results))
        if options["by_group"]:
            self.stdout.write(evaluation.format_parts(results))

    def _run(self, levels: list[str], options: dict) -> None:
        for level in levels:
            started = time.perf_counter()
            try:
                run = services.forecast_run_create(
                    level=level,
                    cutoff=options["cutoff"],
                    steps=options["steps"],
                    replace=options["replace"],
                )
            except services.RunExists as exc:
                if not options["if_missing"]:
                    raise CommandError(str(exc)) from exc
                self.stdout.write(f"{level}: {exc} Kept.")
                continue
            except services.RunRefused as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{level}: run {run.pk}, {run.unit_count} units, months "
                f"{run.first_month:%Y-%m}..{run.last_month:%Y-%m} "
                f"({run.reference}; {time.perf_counter() - started:.0f} s)"
            )
