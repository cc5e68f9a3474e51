"""The UCDP importer on every real GED file in ../shared/data, and on broken ones."""

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from peaceops.incidents.importers.engine import run_import
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.models import ImportRowProblem, ImportRun, Incident, IncidentRevision

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CAR_CSV = DATA / "ucdp_ged_car_v23_1" / "GEDEvent_v23_1_CAR.csv"


def load(mission, path: Path, **kwargs) -> ImportRun:
    return run_import(
        mission=mission,
        source="ucdp_ged",
        records=ged_records(path),
        file_name=path.name,
        file_sha256="",
        verification_status="verified",
        **kwargs,
    )


def file_best_total(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if not (r.get("best") or "").startswith("#")]
    return sum(int(float(r["best"])) for r in rows)


@pytest.mark.parametrize(
    ("relative", "rows", "best"),
    [
        ("ucdp_ged_sample_1000_v23_1/ucdpged_sample_1000.csv", 1_000, None),
        ("ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.csv", 1_848, 14_948),
        ("ucdp_ged_hdx_country_extracts/conflict_data_nga.csv", 4_603, 57_032),
        ("ucdp_ged_hdx_country_extracts/conflict_data_ssd.csv", 941, 13_579),
        ("ucdp_ged_syria_v19_1/ucdp_syria_ged191.csv.gz", 16_566, None),
    ],
)
def test_real_csv_files_load_completely_with_matching_totals(mission, relative, rows, best):
    path = DATA / relative
    run = load(mission, path)
    assert (run.rows_read, run.created, run.rejected) == (rows, rows, 0)
    assert Incident.objects.count() == rows
    total = Incident.objects.aggregate(total=Sum("fatalities"))["total"]
    assert total == file_best_total(path)
    if best is not None:
        assert total == best  # the figure in the file's SOURCE.md
    assert IncidentRevision.objects.filter(action="imported", version=1).count() == rows
    assert set(Incident.objects.values_list("classification", "verification_status")) == {
        ("public", "verified")
    }


@pytest.mark.parametrize(
    ("first", "second", "rows"),
    [
        (
            "ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.csv",
            "ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.geojson",
            1_848,
        ),
        (
            "ucdp_ged_sample_1000_v23_1/ucdpged_sample_1000.csv",
            "ucdp_ged_sample_1000_v23_1/ucdpged.rda",
            1_000,
        ),
    ],
)
def test_the_same_events_in_another_format_are_unchanged(mission, first, second, rows):
    load(mission, DATA / first)
    again = load(mission, DATA / second)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, rows, 0)


def test_syria_rda_equals_its_csv(mission):
    load(mission, DATA / "ucdp_ged_syria_v19_1/ucdp_syria_ged191.csv.gz")
    again = load(mission, DATA / "ucdp_ged_syria_v19_1/ucdp_syria_df.rda")
    assert (again.rows_read, again.unchanged) == (16_566, 16_566)


def test_stratified_sample_json_records(mission):
    path = DATA / "ucdp_ged_stratified_sample_v25_1/events_sample.json"
    records = json.loads(path.read_text())
    run = load(mission, path)
    assert (
        (run.rows_read, run.created, run.rejected)
        == (len(records), len(records), 0)
        == (9_972, 9_972, 0)
    )
    assert Incident.objects.aggregate(total=Sum("fatalities"))["total"] == sum(
        r["best"] for r in records
    )


def test_official_zip(mission, tmp_path):
    archive = tmp_path / "ged231-csv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(CAR_CSV, "GEDEvent_v23_1.csv")
    run = load(mission, archive)
    assert (run.created, run.rejected) == (1_848, 0)


def test_reimport_is_idempotent_and_a_newer_release_updates_with_history(mission, tmp_path):
    load(mission, CAR_CSV)
    revisions = IncidentRevision.objects.count()
    again = load(mission, CAR_CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1_848)
    assert IncidentRevision.objects.count() == revisions

    # A "newer release": one event revised (more deaths), one new event.
    columns, rows = _car_rows()
    target = rows[0]
    target_id = target["id"]
    target["deaths_civilians"] = str(int(target["deaths_civilians"]) + 5)
    target["best"] = str(int(target["best"]) + 5)
    rows.append({**rows[1], "id": "99999999"})
    run = load(mission, _write_rows(tmp_path / "newer.csv", columns, rows))
    assert (run.created, run.updated, run.unchanged, run.rejected) == (1, 1, 1_847, 0)
    incident = Incident.objects.get(external_id=target_id)
    assert incident.version == 2
    revision = incident.revisions.get(version=2)
    assert revision.action == "imported"
    assert revision.comment == f"import run {run.pk}"
    before, after = revision.changes["fatalities"]
    assert after == before + 5
    assert incident.raw["deaths_civilians"] == target["deaths_civilians"]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _car_text() -> str:
    return CAR_CSV.read_text(encoding="utf-8")


def _car_rows() -> tuple[list[str], list[dict[str, str]]]:
    """The CAR file's columns and rows."""
    with CAR_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_truncated_file_loads_whole_rows_and_rejects_the_cut_one(mission, tmp_path):
    with CAR_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames, list(reader)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows[:100])
    whole = buffer.getvalue()
    writer.writerow(rows[100])
    cut = buffer.getvalue()[: len(whole) + 60]  # the 101st row stops after 60 characters
    run = load(mission, _write(tmp_path / "cut.csv", cut))
    assert (run.created, run.rejected) == (100, 1)
    problems = list(run.problems.values_list("line", "field", "reason", "severity"))
    line = whole.count("\n") + 1  # quoted newlines make lines and records differ
    assert problems == [
        (line, column, "This column is empty or missing.", "error")
        for column in ("date_start", "date_end", "latitude", "longitude")
    ]


def test_wrong_encoding_is_refused_before_any_row(mission, tmp_path):
    lines = _car_text().splitlines(keepends=True)[:20]
    text = "".join(lines).replace("Central African Republic", "République centrafricaine", 1)
    path = _write(tmp_path / "latin1.csv", text, encoding="cp1252")
    with pytest.raises(
        CommandError, match=r"Cannot read latin1.csv: line 2 is not UTF-8 \(byte 0xe9\)"
    ):
        call_command("import", "ucdp", str(path), "--mission", "MINUSCA", "--no-progress")
    assert Incident.objects.count() == 0


def test_shuffled_columns_give_the_same_incidents(mission, tmp_path):
    load(mission, CAR_CSV)
    columns, rows = _car_rows()
    run = load(mission, _write_rows(tmp_path / "shuffled.csv", columns[::-1], rows))
    assert (run.unchanged, run.created, run.updated) == (1_848, 0, 0)


def test_missing_columns_are_named_before_any_row(mission, tmp_path):
    buffer = io.StringIO()
    with CAR_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = [c for c in reader.fieldnames if c not in ("latitude", "date_end")]
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    path = _write(tmp_path / "missing.csv", buffer.getvalue())
    with pytest.raises(CommandError, match="not a UCDP GED file: no column date_end, latitude"):
        call_command("import", "ucdp", str(path), "--mission", "MINUSCA", "--no-progress")
    assert Incident.objects.count() == 0


def test_bad_values_are_rejected_by_line_and_field_and_good_rows_load(mission, tmp_path):
    columns, rows = _car_rows()
    rows = rows[:10]
    rows[1]["date_start"] = "2020-13-45"
    rows[3]["latitude"] = "123.5"
    rows[5]["type_of_violence"] = "7"
    rows[7]["deaths_a"] = "-3"
    rows[8]["id"] = rows[2]["id"]  # a duplicate id
    path = _write_rows(tmp_path / "bad.csv", columns, rows)
    report = tmp_path / "report.csv"
    call_command(
        "import",
        "ucdp",
        str(path),
        "--mission",
        "MINUSCA",
        "--no-progress",
        "--errors",
        str(report),
    )
    run = ImportRun.objects.get()
    assert (run.rows_read, run.created, run.rejected) == (10, 5, 5)
    problems = list(run.problems.filter(severity="error").values_list("line", "field", "reason"))
    assert problems == [
        (3, "date_start", "Cannot read '2020-13-45'."),
        (5, "latitude", "Latitude must be between -90 and 90 degrees."),
        (7, "type_of_violence", "Expected 1, 2 or 3, got 7."),
        (9, "deaths_a", "Deaths cannot be negative."),
        (10, "id", "Duplicate of the row on line 4."),
    ]
    with report.open(encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["line", "external_id", "field", "reason", "severity"]
    assert [row[0] for row in written[1:] if row[4] == "error"] == ["3", "5", "7", "9", "10"]


def test_a_point_that_is_not_a_number_rejects_its_row_when_a_cell_is_given(mission, tmp_path):
    # The given PRIO-GRID cell is checked against the point's only where there is a point:
    # `inf` or `nan` with a cell given once stopped the whole import.
    columns, rows = _car_rows()
    rows = rows[:5]
    assert all(int(row["priogrid_gid"]) > 0 for row in rows)
    rows[0]["latitude"] = "inf"
    rows[1]["longitude"] = "nan"
    rows[3]["latitude"] = "-1e308"
    run = load(mission, _write_rows(tmp_path / "points.csv", columns, rows))
    assert (run.rows_read, run.created, run.rejected) == (5, 2, 3)
    assert list(run.problems.values_list("line", "field", "reason")) == [
        (2, "latitude", "Latitude must be between -90 and 90 degrees."),
        (3, "longitude", "Longitude must be between -180 and 180 degrees."),
        (5, "latitude", "Latitude must be between -90 and 90 degrees."),
    ]


def test_dry_run_writes_nothing(mission):
    call_command(
        "import", "ucdp", str(CAR_CSV), "--mission", "MINUSCA", "--dry-run", "--no-progress"
    )
    assert Incident.objects.count() == 0
    assert ImportRun.objects.count() == 0
    assert ImportRowProblem.objects.count() == 0


def test_parallel_reading_gives_the_same_result(mission, other_mission):
    serial = load(mission, CAR_CSV)
    parallel = load(other_mission, CAR_CSV, parallel=True)
    assert (parallel.created, parallel.rejected) == (serial.created, serial.rejected) == (1_848, 0)
    totals = {
        m: Incident.objects.filter(mission=m).aggregate(total=Sum("fatalities"))["total"]
        for m in (mission, other_mission)
    }
    assert totals[mission] == totals[other_mission] == 14_948


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("date_prec", "x"),
        ("where_prec", "1e400"),
        ("side_a_new_id", "abc"),
        ("priogrid_gid", "n/a"),
        ("id", "inf"),
    ],
)
def test_one_unreadable_cell_rejects_or_warns_on_its_row_only(mission, tmp_path, column, value):
    columns, rows = _car_rows()
    rows = rows[:5]
    rows[2][column] = value
    run = load(mission, _write_rows(tmp_path / "one_bad.csv", columns, rows))
    assert run.status == "completed"
    problem = run.problems.get()
    if column == "priogrid_gid":  # informational: the row still loads
        assert (run.created, run.rejected, problem.severity) == (5, 0, "warning")
    else:
        assert (run.created, run.rejected, problem.severity) == (4, 1, "error")
    assert problem.field == column
    assert problem.line == 4


def test_missing_precision_is_the_coarsest_not_exact(mission):
    load(mission, DATA / "ucdp_ged_stratified_sample_v25_1/events_sample.json")
    assert set(Incident.objects.values_list("location_precision", "date_precision")) == {
        ("country", "year")
    }
