"""Exports: each format round-trips with exact values, only what the user may see is
exported, every export is audited, and large exports stream in chunks with a query count
that follows the chunks, not the rows."""

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from peaceops.accounts.models import SecurityEvent
from peaceops.core.classification import Classification
from peaceops.core.errors import ValidationFailed
from peaceops.incidents.exports import (
    COLUMNS,
    csv_chunks,
    export_incidents,
    geojson_chunks,
    parquet_chunks,
    xlsx_chunks,
)
from peaceops.incidents.models import Incident
from peaceops.incidents.selectors import IncidentFilters, incident_list
from peaceops.testing.factories import UserFactory, make_incident

FORMATS = ["csv", "geojson", "parquet", "xlsx"]
UTC = dt.UTC

HEADER = [
    "id",
    "mission",
    "incident_type",
    "subtype",
    "title",
    "narrative",
    "started_at",
    "ended_at",
    "date_precision",
    "latitude",
    "longitude",
    "location_precision",
    "location_name",
    "country_code",
    "admin1",
    "admin2",
    "priogrid_gid",
    "fatalities",
    "injured",
    "verification_status",
    "classification",
    "external_source",
    "external_id",
    "version",
    "created_at",
    "updated_at",
]
HXL = [
    "#event+id",
    "#org+mission",
    "#event+type",
    "#event+type+sub",
    "#event+title",
    "#description",
    "#date+start",
    "#date+end",
    "",
    "#geo+lat",
    "#geo+lon",
    "",
    "#loc+name",
    "#country+code",
    "#adm1+name",
    "#adm2+name",
    "",
    "#affected+killed",
    "#affected+injured",
    "#status",
    "",
    "#meta+source",
    "#meta+id",
    "",
    "",
    "",
]


def z(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def wall_clock(value: dt.datetime) -> dt.datetime:
    """How XLSX holds a time: the UTC wall clock, without a zone (Excel has none)."""
    return value.astimezone(UTC).replace(tzinfo=None)


def exported(fmt: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of an export as dicts, values as the format gives them back."""
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        assert lines[:2] == [HEADER, HXL]
        return [dict(zip(HEADER, line, strict=True)) for line in lines[2:]]
    if fmt == "geojson":
        collection = json.loads(data)
        assert collection["type"] == "FeatureCollection"
        return [feature["properties"] for feature in collection["features"]]
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(data)).to_pylist()
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows: list[dict[str, Any]] = []
    for sheet in workbook.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == HEADER
        rows += [dict(zip(HEADER, row, strict=True)) for row in values[1:]]
    return rows


def exported_ids(fmt: str, data: bytes) -> list[int]:
    return [int(row["id"]) for row in exported(fmt, data)]


def run_export(user, fmt: str, filters: IncidentFilters | None = None) -> bytes:
    stream, _content_type, _filename = export_incidents(user=user, filters=filters, fmt=fmt)
    return b"".join(stream)


@pytest.fixture
def incidents(mission, other_mission, analyst) -> dict[str, Incident]:
    """Two MINUSCA incidents an internal clearance sees (one without a point), a
    confidential one, and one in another mission."""
    clash = make_incident(
        mission,
        author=analyst,
        title="Clash near Bambari",
        narrative='Exchange of fire, "heavy"; two groups.\nDéplacés vers Kaga-Bandoro.',
        started_at="2024-03-05T06:00:00Z",
        ended_at="2024-03-05T09:30:00Z",
        admin2="Bambari",
        casualties=[
            {"category": "civilians", "outcome": "killed", "best": 3},
            {"category": "civilians", "outcome": "injured", "best": 2},
        ],
    )
    no_point = make_incident(
        mission,
        author=analyst,
        incident_type="violence_against_civilians",
        subtype="abduction",
        title="Abduction reported in Ouaka",
        narrative='=HYPERLINK("http://example.org","details")',
        started_at="2024-02-01",
        date_precision="month",
        latitude=None,
        longitude=None,
        location_precision="admin1",
        location_name="",
        country_code="CAF",
        classification=Classification.PUBLIC,
        casualties=[],
    )
    confidential = make_incident(
        mission, author=analyst, title="Confidential", classification=Classification.CONFIDENTIAL
    )
    away = make_incident(other_mission, title="Juba", latitude=4.8594, longitude=31.5713)
    return {"clash": clash, "no_point": no_point, "confidential": confidential, "away": away}


def test_csv_has_header_hxl_row_and_exact_values(incidents, reporter):
    data = run_export(reporter, "csv")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert lines[0] == HEADER
    assert lines[1] == HXL
    clash, no_point = incidents["clash"], incidents["no_point"]
    assert lines[2:] == [
        [
            str(clash.pk),
            "MINUSCA",
            "armed_clash",
            "state_based",
            "Clash near Bambari",
            'Exchange of fire, "heavy"; two groups.\nDéplacés vers Kaga-Bandoro.',
            "2024-03-05T06:00:00Z",
            "2024-03-05T09:30:00Z",
            "day",
            "5.7631",
            "20.6732",
            "exact",
            "Bambari",
            "CAF",
            "Ouaka",
            "Bambari",
            "137922",
            "3",
            "2",
            "reported",
            "internal",
            "",
            "",
            "1",
            z(clash.created_at),
            z(clash.updated_at),
        ],
        [
            str(no_point.pk),
            "MINUSCA",
            "violence_against_civilians",
            "abduction",
            "Abduction reported in Ouaka",
            '=HYPERLINK("http://example.org","details")',
            "2024-02-01T00:00:00Z",
            "",
            "month",
            "",
            "",
            "admin1",
            "",
            "CAF",
            "Ouaka",
            "",
            "",
            "0",
            "0",
            "reported",
            "public",
            "",
            "",
            "1",
            z(no_point.created_at),
            z(no_point.updated_at),
        ],
    ]
    assert data.startswith(b"id,mission,")  # UTF-8 without a byte-order mark
    assert [c.name for c in COLUMNS] == HEADER


def test_geojson_is_a_feature_collection_with_points_and_null_geometry(incidents, reporter):
    collection = json.loads(run_export(reporter, "geojson"))
    clash, no_point = incidents["clash"], incidents["no_point"]
    assert collection["type"] == "FeatureCollection"
    first, second = collection["features"]
    assert first["type"] == "Feature"
    assert first["id"] == clash.pk
    assert first["geometry"] == {"type": "Point", "coordinates": [20.6732, 5.7631]}
    assert first["properties"] == {
        "id": clash.pk,
        "mission": "MINUSCA",
        "incident_type": "armed_clash",
        "subtype": "state_based",
        "title": "Clash near Bambari",
        "narrative": 'Exchange of fire, "heavy"; two groups.\nDéplacés vers Kaga-Bandoro.',
        "started_at": "2024-03-05T06:00:00Z",
        "ended_at": "2024-03-05T09:30:00Z",
        "date_precision": "day",
        "latitude": 5.7631,
        "longitude": 20.6732,
        "location_precision": "exact",
        "location_name": "Bambari",
        "country_code": "CAF",
        "admin1": "Ouaka",
        "admin2": "Bambari",
        "priogrid_gid": 137922,
        "fatalities": 3,
        "injured": 2,
        "verification_status": "reported",
        "classification": "internal",
        "external_source": "",
        "external_id": "",
        "version": 1,
        "created_at": z(clash.created_at),
        "updated_at": z(clash.updated_at),
    }
    assert second["id"] == no_point.pk
    assert second["geometry"] is None
    assert second["properties"]["latitude"] is None
    assert second["properties"]["ended_at"] is None


def test_parquet_has_a_typed_schema_and_exact_values(incidents, reporter):
    table = pq.read_table(io.BytesIO(run_export(reporter, "parquet")))
    timestamp = pa.timestamp("us", tz="UTC")
    types = {
        "int": pa.int64(),
        "float": pa.float64(),
        "str": pa.string(),
        "datetime": timestamp,
    }
    assert [(f.name, f.type) for f in table.schema] == [
        ("id", types["int"]),
        ("mission", types["str"]),
        ("incident_type", types["str"]),
        ("subtype", types["str"]),
        ("title", types["str"]),
        ("narrative", types["str"]),
        ("started_at", timestamp),
        ("ended_at", timestamp),
        ("date_precision", types["str"]),
        ("latitude", types["float"]),
        ("longitude", types["float"]),
        ("location_precision", types["str"]),
        ("location_name", types["str"]),
        ("country_code", types["str"]),
        ("admin1", types["str"]),
        ("admin2", types["str"]),
        ("priogrid_gid", types["int"]),
        ("fatalities", types["int"]),
        ("injured", types["int"]),
        ("verification_status", types["str"]),
        ("classification", types["str"]),
        ("external_source", types["str"]),
        ("external_id", types["str"]),
        ("version", types["int"]),
        ("created_at", timestamp),
        ("updated_at", timestamp),
    ]
    clash, no_point = incidents["clash"], incidents["no_point"]
    first, second = table.to_pylist()
    assert first == {
        "id": clash.pk,
        "mission": "MINUSCA",
        "incident_type": "armed_clash",
        "subtype": "state_based",
        "title": "Clash near Bambari",
        "narrative": 'Exchange of fire, "heavy"; two groups.\nDéplacés vers Kaga-Bandoro.',
        "started_at": dt.datetime(2024, 3, 5, 6, 0, tzinfo=UTC),
        "ended_at": dt.datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
        "date_precision": "day",
        "latitude": 5.7631,
        "longitude": 20.6732,
        "location_precision": "exact",
        "location_name": "Bambari",
        "country_code": "CAF",
        "admin1": "Ouaka",
        "admin2": "Bambari",
        "priogrid_gid": 137922,
        "fatalities": 3,
        "injured": 2,
        "verification_status": "reported",
        "classification": "internal",
        "external_source": "",
        "external_id": "",
        "version": 1,
        "created_at": clash.created_at,
        "updated_at": clash.updated_at,
    }
    assert (second["id"], second["latitude"], second["priogrid_gid"], second["ended_at"]) == (
        no_point.pk,
        None,
        None,
        None,
    )
    assert second["started_at"] == dt.datetime(2024, 2, 1, tzinfo=UTC)


def test_xlsx_has_typed_cells_in_utc_and_keeps_formula_text_as_text(incidents, reporter):
    workbook = openpyxl.load_workbook(io.BytesIO(run_export(reporter, "xlsx")))
    assert workbook.sheetnames == ["incidents"]
    sheet = workbook["incidents"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    clash, no_point = incidents["clash"], incidents["no_point"]
    naive = {"created_at": wall_clock(clash.created_at), "updated_at": wall_clock(clash.updated_at)}
    assert list(rows[1]) == [
        clash.pk,
        "MINUSCA",
        "armed_clash",
        "state_based",
        "Clash near Bambari",
        'Exchange of fire, "heavy"; two groups.\nDéplacés vers Kaga-Bandoro.',
        wall_clock(dt.datetime(2024, 3, 5, 6, 0, tzinfo=UTC)),
        wall_clock(dt.datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        "day",
        5.7631,
        20.6732,
        "exact",
        "Bambari",
        "CAF",
        "Ouaka",
        "Bambari",
        137922,
        3,
        2,
        "reported",
        "internal",
        None,  # empty strings are empty cells
        None,
        1,
        rows[1][24],
        rows[1][25],
    ]
    # Excel stores times as fractions of a day: exact to well within a millisecond.
    assert abs(rows[1][24] - naive["created_at"]) < dt.timedelta(milliseconds=1)
    assert abs(rows[1][25] - naive["updated_at"]) < dt.timedelta(milliseconds=1)
    assert rows[2][0] == no_point.pk
    narrative = sheet.cell(row=3, column=HEADER.index("narrative") + 1)
    assert narrative.data_type == "s"  # not a formula
    assert narrative.value == '=HYPERLINK("http://example.org","details")'


def synthetic(pk: int, **overrides: Any) -> tuple[Any, ...]:
    values = {c.name: None for c in COLUMNS}
    values.update(
        id=pk,
        mission="MINUSCA",
        incident_type="armed_clash",
        subtype="unknown",
        title=f"Row {pk}",
        started_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
        fatalities=0,
        injured=0,
        version=1,
    )
    values.update(overrides)
    return tuple(values[name] for name in HEADER)


def test_xlsx_goes_on_in_a_new_sheet_past_the_row_limit():
    data = b"".join(xlsx_chunks([synthetic(pk) for pk in range(1, 8)], sheet_rows=3))
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["incidents", "incidents 2", "incidents 3", "incidents 4"]
    ids = []
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADER
        assert len(rows) <= 3
        ids += [row[0] for row in rows[1:]]
    assert ids == [1, 2, 3, 4, 5, 6, 7]


def test_xlsx_drops_characters_excel_cannot_store():
    data = b"".join(xlsx_chunks([synthetic(1, title="Bell\x07 and\x00 null")]))
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["incidents"]
    assert list(sheet.iter_rows(values_only=True))[1][HEADER.index("title")] == "Bell and null"


def test_xlsx_that_fails_midway_leaves_no_temporary_files():
    def failing_rows():
        yield synthetic(1)
        yield synthetic(2)
        raise ConnectionError("database went away")

    before = list(ALL_TEMP_FILES)
    with pytest.raises(ConnectionError, match="database went away"):
        b"".join(xlsx_chunks(failing_rows(), batch_rows=1))
    leftover = [path for path in ALL_TEMP_FILES if path not in before]
    assert leftover == []


def test_a_stream_closed_early_stops(incidents, reporter):
    stream, _content_type, _filename = export_incidents(user=reporter, filters=None, fmt="geojson")
    assert next(stream) == b'{"type": "FeatureCollection", "features": ['
    stream.close()  # what StreamingHttpResponse does when the client goes away
    with pytest.raises(StopIteration):
        next(stream)


@pytest.mark.parametrize(
    ("writer", "fmt"),
    [(csv_chunks, "csv"), (geojson_chunks, "geojson"), (parquet_chunks, "parquet")],
)
def test_writers_yield_one_chunk_per_batch(writer, fmt):
    rows = [synthetic(pk) for pk in range(1, 11)]
    chunks = list(writer(iter(rows), batch_rows=4))
    # CSV: 3 batches; GeoJSON: opening + 3 batches + closing; Parquet: 3 row groups + footer.
    assert len(chunks) == {"csv": 3, "geojson": 5, "parquet": 4}[fmt]
    assert exported_ids(fmt, b"".join(chunks)) == list(range(1, 11))
    if fmt == "parquet":
        assert pq.ParquetFile(io.BytesIO(b"".join(chunks))).metadata.num_row_groups == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_export_is_a_valid_file(db, fmt):
    outsider = UserFactory()  # no membership: sees nothing
    assert exported(fmt, run_export(outsider, fmt)) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_exactly_what_the_user_may_see_in_the_list(incidents, reporter, analyst, fmt):
    # The reporter has internal clearance in MINUSCA: not the confidential incident, not
    # UNMISS. The analyst (confidential clearance) also gets the confidential one.
    reporter_ids = exported_ids(fmt, run_export(reporter, fmt))
    assert reporter_ids == [incidents["clash"].pk, incidents["no_point"].pk]
    assert set(reporter_ids) == set(incident_list(user=reporter).values_list("pk", flat=True))
    analyst_ids = exported_ids(fmt, run_export(analyst, fmt))
    assert analyst_ids == sorted(
        [incidents["clash"].pk, incidents["no_point"].pk, incidents["confidential"].pk]
    )


def test_filters_narrow_the_export(incidents, analyst):
    def ids(**filters: Any) -> list[int]:
        return exported_ids("csv", run_export(analyst, "csv", IncidentFilters(**filters)))

    assert ids(incident_type="violence_against_civilians") == [incidents["no_point"].pk]
    assert ids(started_from=dt.date(2024, 3, 1), classification="internal") == [
        incidents["clash"].pk
    ]
    assert ids(mission="UNMISS") == []  # not the analyst's mission: nothing, not an error


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_records_one_security_event(incidents, reporter, fmt):
    filters = IncidentFilters(mission="minusca", started_from=dt.date(2024, 1, 1))
    stream, content_type, filename = export_incidents(user=reporter, filters=filters, fmt=fmt)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)  # before any byte
    assert exported_ids(fmt, b"".join(stream)) == [incidents["clash"].pk, incidents["no_point"].pk]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1
    assert (event.user, event.username) == (reporter, reporter.username)
    assert event.details == {
        "format": fmt,
        "filters": {"mission": "minusca", "started_from": "2024-01-01"},
        "rows": "streamed",
    }
    assert filename.startswith("incidents-")
    assert filename.endswith(f".{fmt}")
    assert (
        content_type
        == {
            "csv": "text/csv; charset=utf-8",
            "geojson": "application/geo+json",
            "parquet": "application/vnd.apache.parquet",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[fmt]
    )


def test_unknown_format_is_refused_and_not_recorded(incidents, reporter):
    with pytest.raises(ValidationFailed) as caught:
        export_incidents(user=reporter, filters=None, fmt="pdf")
    assert caught.value.fields == {"format": ["One of: csv, geojson, parquet, xlsx"]}
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()


def test_12000_incidents_stream_in_chunks_with_one_query_per_chunk(
    mission, reporter, django_assert_num_queries
):
    # bulk_create only for volume: 12,000 incidents through the service would take minutes.
    # Every field the model requires is set; derived fields keep their defaults.
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    Incident.objects.bulk_create(
        [
            Incident(
                mission=mission,
                incident_type="armed_clash",
                subtype="unknown",
                title=f"Synthetic {n}",
                started_at=start + dt.timedelta(minutes=n),
            )
            for n in range(12_000)
        ],
        batch_size=2_000,
    )
    # The user's grants (1), the security event (1), then one query per 5,000-row chunk:
    # 5,000 + 5,000 + 2,000 (3). Not one per row.
    with django_assert_num_queries(5) as captured:
        stream, _content_type, _filename = export_incidents(user=reporter, filters=None, fmt="csv")
        chunks = list(stream)
    chunk_queries = [q["sql"] for q in captured.captured_queries if "LIMIT 5000" in q["sql"]]
    assert len(chunk_queries) == 3
    assert len(chunks) == 3
    assert stream.rows == 12_000
    lines = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"), newline="")))
    assert len(lines) == 2 + 12_000
    ids = [int(line[0]) for line in lines[2:]]
    assert ids == sorted(Incident.objects.values_list("pk", flat=True))


def test_cli_writes_the_file_as_the_user(incidents, reporter, tmp_path: Path):
    output = tmp_path / "out.csv"
    out = io.StringIO()
    call_command(
        "export",
        "--user",
        reporter.username,
        "--format",
        "csv",
        "--output",
        str(output),
        stdout=out,
    )
    assert exported_ids("csv", output.read_bytes()) == [
        incidents["clash"].pk,
        incidents["no_point"].pk,
    ]
    assert out.getvalue() == f"Exported 2 incidents to {output} (csv).\n"
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert (event.username, event.details["format"]) == (reporter.username, "csv")


def test_cli_applies_filters(incidents, reporter, tmp_path: Path):
    output = tmp_path / "out.parquet"
    call_command(
        "export",
        "--user",
        reporter.username,
        "--format",
        "parquet",
        "--output",
        str(output),
        "--mission",
        "MINUSCA",
        "--country",
        "caf",
        "--type",
        "armed_clash",
        "--date-from",
        "2024-03-05",
        "--date-to",
        "2024-03-05",
        stdout=io.StringIO(),
    )
    assert exported_ids("parquet", output.read_bytes()) == [incidents["clash"].pk]
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT).details["filters"] == {
        "mission": "MINUSCA",
        "country": "caf",
        "incident_type": "armed_clash",
        "started_from": "2024-03-05",
        "started_to": "2024-03-05",
    }


def test_cli_unknown_user_is_an_error_and_writes_nothing(incidents, tmp_path: Path):
    output = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="No active user named nobody"):
        call_command("export", "--user", "nobody", "--format", "csv", "--output", str(output))
    assert not output.exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()
