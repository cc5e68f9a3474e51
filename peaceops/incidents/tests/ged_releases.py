"""The real CAR extract of UCDP GED, imported as it is or as a "newer release" with changes."""

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from peaceops.incidents.importers.engine import run_import
from peaceops.incidents.importers.formats import FORMATS
from peaceops.incidents.importers.records import RowRejection, SourceRecord
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.models import ImportRun

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CAR_CSV = DATA / "ucdp_ged_car_v23_1" / "GEDEvent_v23_1_CAR.csv"


def import_ged(
    mission, records: Path | Iterable[SourceRecord | RowRejection], **kwargs
) -> ImportRun:
    """Import a GED file (or records already read) into `mission`, as the command does."""
    kwargs.setdefault("reader_version", FORMATS["ucdp"].reader_version)
    return run_import(
        mission=mission,
        source="ucdp_ged",
        records=ged_records(records) if isinstance(records, Path) else records,
        file_name="ged.csv",
        file_sha256="",
        verification_status="verified",
        **kwargs,
    )


def newer_release(tmp_path: Path, change: Callable[[dict[str, str]], None]) -> tuple[Path, str]:
    """The CAR file with `change` applied to its first event: (the file, that event's id)."""
    with CAR_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames, list(reader)
    change(rows[0])
    path = tmp_path / "newer.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path, rows[0]["id"]


def more_civilian_deaths(row: dict[str, str]) -> None:
    row["deaths_civilians"] = str(int(row["deaths_civilians"]) + 5)
