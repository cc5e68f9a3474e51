"""`peaceops import ucdp FILE --mission MINUSCA`: load a conflict-event file."""

import csv
import sys
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError

from peaceops.incidents.importers.engine import BATCH_SIZE, Progress, run_import
from peaceops.incidents.importers.files import estimated_rows, file_sha256
from peaceops.incidents.importers.formats import FORMATS, reader_for
from peaceops.incidents.importers.tabular import describe, load_mapping
from peaceops.incidents.models import ImportRowProblem, ImportRun
from peaceops.missions.models import Mission


class ProgressBar:
    """One line on stderr: bar, rows, rows/s and time left."""

    def __init__(self, total: int | None, stream: Any = sys.stderr) -> None:
        self.total, self.stream = total, stream

    last: Progress | None = None

    def __call__(self, state: Progress) -> None:
        self.last = state
        rate = state.rows / state.elapsed if state.elapsed > 0 else 0.0
        if self.total:
            share = min(state.rows / self.total, 1.0)
            bar = "#" * int(share * 30)
            left = (self.total - state.rows) / rate if rate else 0
            line = (
                f"\r[{bar:<30}] {share:4.0%} {state.rows:,}/{self.total:,} rows "
                f"{rate:,.0f} rows/s, {left:,.0f} s left "
            )
        else:
            line = f"\r{state.rows:,} rows {rate:,.0f} rows/s "
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.last is not None and self.total:
            self.total = self.last.rows  # the estimate counted lines; the rows are now known
            self(self.last)
        self.stream.write("\n")


def write_problems(run: ImportRun, problems: list[ImportRowProblem], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "external_id", "field", "reason", "severity"])
        for p in problems:
            writer.writerow([p.line, p.external_id, p.field, p.reason, p.severity])


class Command(BaseCommand):
    help = "Import conflict events from a file into a mission (idempotent; bad rows reported)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("format", choices=sorted(FORMATS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--mission", required=True, help="mission acronym, e.g. MINUSCA")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--errors", type=Path, help="write rejected rows and warnings to CSV")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--serial",
            action="store_true",
            help="read and check rows in this process (default: in a second one, in parallel)",
        )
        parser.add_argument("--mapping", type=Path, help="tabular: the column-mapping file")
        parser.add_argument(
            "--describe", action="store_true", help="tabular: print a proposed mapping, stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["describe"]:
            try:
                proposal = describe(path)
            except (ValueError, OSError) as exc:
                raise CommandError(f"Cannot read {path.name}: {exc}") from exc
            self.stdout.write(yaml.safe_dump(proposal, sort_keys=False, allow_unicode=True))
            return
        mission = Mission.objects.filter(acronym__iexact=options["mission"]).first()
        if mission is None:
            raise CommandError(f"No mission with the acronym {options['mission']}.")
        chosen = FORMATS[options["format"]]
        mapping = None
        if chosen.needs_mapping:
            if not options["mapping"]:
                raise CommandError("The tabular format needs --mapping FILE (see --describe).")
            try:
                mapping = load_mapping(options["mapping"])
            except (ValueError, OSError) as exc:
                raise CommandError(str(exc)) from exc
        source, reader = reader_for(options["format"], mapping, options["mapping"])
        expected = estimated_rows(path)
        bar = None if options["no_progress"] else ProgressBar(expected)
        try:
            run = run_import(
                mission=mission,
                source=source,
                records=reader(path),
                file_name=path.name,
                file_sha256=file_sha256(path),
                verification_status=chosen.verification_status,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=bar,
                parallel=not options["serial"],
                reader_version=chosen.reader_version,
                expected_rows=expected,
            )
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"Cannot read {path.name}: {exc}") from exc
        finally:
            if bar:
                bar.close()
        problems = (
            getattr(run, "_dry_problems", []) if options["dry_run"] else list(run.problems.all())
        )
        if options["errors"]:
            write_problems(run, problems, options["errors"])
        verb = "Would load" if options["dry_run"] else "Loaded"
        self.stdout.write(
            f"{verb} {run.rows_read:,} rows from {path.name} into {mission.acronym}: "
            f"{run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged, "
            f"{run.rejected:,} rejected."
            + ("" if options["dry_run"] else f" (import run {run.pk})")
        )
        for problem in problems[:10]:
            self.stdout.write(
                f"  line {problem.line}: {problem.field}: {problem.reason} ({problem.severity})"
            )
        if len(problems) > 10:
            self.stdout.write(f"  ... {len(problems) - 10:,} more problems")
