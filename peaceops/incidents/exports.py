"""Exports of incidents: every incident a user may see, as CSV (with an HXL hashtag row),
GeoJSON, Parquet or XLSX, streamed in chunks so memory does not grow with the row count.

Rows come only from `selectors.incident_list`, the access-policy gate, read in primary-key
chunks (keyset on `id`, `CHUNK_ROWS` rows per query). Each writer is a generator of bytes
chunks. Every export records one `SecurityEvent` of kind `export` when it starts.

The chunks are separate queries, not one snapshot: an incident written while an export runs
may or may not be in it, and a row shows its values at the moment its chunk was read.
"""

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from peaceops.accounts.models import SecurityEvent, User
from peaceops.accounts.services import security_event_record
from peaceops.core.errors import ValidationFailed
from peaceops.incidents.selectors import IncidentFilters, incident_list

CHUNK_ROWS = 5_000  # rows per query and per bytes chunk (per Parquet row group)
XLSX_MAX_ROWS = 1_048_576  # rows in one Excel sheet, the header row included
FILE_CHUNK_BYTES = 1 << 20  # how much of the temporary XLSX file each chunk carries

Row = Sequence[Any]
Chunks = Generator[bytes, None, None]


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # for `values_list`
    hxl: str  # the HXL hashtag, or "" where HXL has none
    kind: str  # int, float, datetime or str (the Parquet type and the CSV/JSON rendering)


COLUMNS: tuple[Column, ...] = (
    Column("id", "id", "#event+id", "int"),
    Column("mission", "mission__acronym", "#org+mission", "str"),
    Column("incident_type", "incident_type", "#event+type", "str"),
    Column("subtype", "subtype", "#event+type+sub", "str"),
    Column("title", "title", "#event+title", "str"),
    Column("narrative", "narrative", "#description", "str"),
    Column("started_at", "started_at", "#date+start", "datetime"),
    Column("ended_at", "ended_at", "#date+end", "datetime"),
    Column("date_precision", "date_precision", "", "str"),
    Column("latitude", "latitude", "#geo+lat", "float"),
    Column("longitude", "longitude", "#geo+lon", "float"),
    Column("location_precision", "location_precision", "", "str"),
    Column("location_name", "location_name", "#loc+name", "str"),
    Column("country_code", "country_code", "#country+code", "str"),
    Column("admin1", "admin1", "#adm1+name", "str"),
    Column("admin2", "admin2", "#adm2+name", "str"),
    Column("priogrid_gid", "priogrid_gid", "", "int"),
    Column("fatalities", "fatalities", "#affected+killed", "int"),
    Column("injured", "injured", "#affected+injured", "int"),
    Column("verification_status", "verification_status", "#status", "str"),
    Column("classification", "classification", "", "str"),
    Column("external_source", "external_source", "#meta+source", "str"),
    Column("external_id", "external_id", "#meta+id", "str"),
    Column("version", "version", "", "int"),
    Column("created_at", "created_at", "", "datetime"),
    Column("updated_at", "updated_at", "", "datetime"),
)
NAMES = tuple(c.name for c in COLUMNS)
_LAT, _LON = NAMES.index("latitude"), NAMES.index("longitude")

_ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "str": pa.string(),
}
ARROW_SCHEMA = pa.schema(
    [pa.field(c.name, _ARROW_TYPES[c.kind], nullable=True) for c in COLUMNS],
    metadata={"source": "peaceops incidents export"},
)


def incident_rows(
    *, user: User, filters: IncidentFilters | None = None, chunk_rows: int = CHUNK_ROWS
) -> Iterator[tuple[Any, ...]]:
    """The visible incidents as tuples in `COLUMNS` order, by id, one query per chunk."""
    queryset = incident_list(user=user, filters=filters).order_by("pk")
    fields = [c.field for c in COLUMNS]
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).values_list(*fields)[:chunk_rows])
        yield from chunk
        if len(chunk) < chunk_rows:
            return
        last = chunk[-1][0]


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _plain(row: Row) -> list[Any]:
    """JSON/CSV values: datetimes as ISO 8601 in UTC with a Z."""
    return [_iso(v) if c.kind == "datetime" else v for c, v in zip(COLUMNS, row, strict=True)]


def csv_chunks(rows: Iterable[Row], *, batch_rows: int = CHUNK_ROWS) -> Chunks:
    """UTF-8 CSV: the header row, the HXL hashtag row, then one line per incident. Missing
    values are empty; times are ISO 8601 in UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NAMES)
    writer.writerow([c.hxl for c in COLUMNS])
    for batch in _batches(rows, batch_rows):
        writer.writerows(_plain(row) for row in batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows: the two header rows only
        yield buffer.getvalue().encode("utf-8")


def _feature(row: Row) -> dict[str, Any]:
    latitude, longitude = row[_LAT], row[_LON]
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
    properties = dict(zip(NAMES, _plain(row), strict=True))
    return {"type": "Feature", "id": row[0], "geometry": geometry, "properties": properties}


def geojson_chunks(rows: Iterable[Row], *, batch_rows: int = CHUNK_ROWS) -> Chunks:
    """An RFC 7946 FeatureCollection written piece by piece: a Point per incident (longitude,
    latitude), or a null geometry when it has no point; every column as a property."""
    yield b'{"type": "FeatureCollection", "features": ['
    separator = ""
    for batch in _batches(rows, batch_rows):
        text = ",\n".join(json.dumps(_feature(row), ensure_ascii=False) for row in batch)
        yield (separator + "\n" + text).encode("utf-8")
        separator = ","
    yield b"\n]}\n"


class _Drain(io.RawIOBase):
    """A write-only sink for pyarrow that hands out what was written since the last `take`.
    It keeps counting the position, which the Parquet footer's offsets depend on."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def parquet_chunks(rows: Iterable[Row], *, batch_rows: int = CHUNK_ROWS) -> Chunks:
    """Parquet with a typed schema (`ARROW_SCHEMA`: int64, float64, timestamps in UTC,
    strings), one row group per batch of rows, each row group sent as soon as it is written;
    the footer comes last."""
    sink = _Drain()
    with pq.ParquetWriter(sink, ARROW_SCHEMA) as writer:
        for batch in _batches(rows, batch_rows):
            columns = list(zip(*batch, strict=True))
            table = pa.Table.from_arrays(
                [
                    pa.array(values, type=field.type)
                    for values, field in zip(columns, ARROW_SCHEMA, strict=True)
                ],
                schema=ARROW_SCHEMA,
            )
            writer.write_table(table, row_group_size=len(batch))
            yield sink.take()
    yield sink.take()


def _xlsx_value(ws: Any, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones
    if kind != "str":
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        # openpyxl would write "=..." as a formula: keep imported text as text.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _discard_sheet_files(workbook: Workbook) -> None:
    """Remove the temporary files of a write-only workbook that will not be saved. openpyxl
    deletes them only when it saves or when the process exits; a server lives long."""
    for sheet in workbook.worksheets:
        sheet.close()  # ends the sheet's XML and closes its file
        sheet._writer.cleanup()  # openpyxl has no public way to delete the file


def xlsx_chunks(
    rows: Iterable[Row], *, sheet_rows: int = XLSX_MAX_ROWS, batch_rows: int = CHUNK_ROWS
) -> Chunks:
    """An Excel workbook with one header row per sheet; times are in UTC (Excel has no time
    zones). A sheet holds at most `sheet_rows` rows (Excel's limit, 1,048,576), so beyond it
    the rows go on in a new sheet ("incidents 2", ...).

    An XLSX file is a zip whose directory comes last, and openpyxl cannot hand out the
    bytes as it goes. So the rows are written with a write-only workbook (each sheet goes
    to a temporary file as it grows, strings inline) into a temporary file, and that file
    is then streamed in chunks: the first byte comes only after the last row was read.
    """
    workbook = Workbook(write_only=True)
    sheet: Any = None
    used = sheet_rows  # forces a first sheet
    try:
        for batch in _batches(rows, batch_rows):
            for row in batch:
                if used >= sheet_rows:
                    number = len(workbook.worksheets) + 1
                    title = "incidents" if number == 1 else f"incidents {number}"
                    sheet = workbook.create_sheet(title)
                    sheet.append(NAMES)
                    used = 1
                sheet.append(
                    [_xlsx_value(sheet, c.kind, v) for c, v in zip(COLUMNS, row, strict=True)]
                )
                used += 1
    except BaseException:
        _discard_sheet_files(workbook)
        raise
    if not workbook.worksheets:
        workbook.create_sheet("incidents").append(NAMES)
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(FILE_CHUNK_BYTES):
            yield chunk


Writer = Callable[[Iterable[Row]], Chunks]

FORMATS: dict[str, tuple[Writer, str, str]] = {
    # name: (writer, content type, file extension)
    "csv": (csv_chunks, "text/csv; charset=utf-8", "csv"),
    "geojson": (geojson_chunks, "application/geo+json", "geojson"),
    "parquet": (parquet_chunks, "application/vnd.apache.parquet", "parquet"),
    "xlsx": (
        xlsx_chunks,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
}


class ExportStream(Iterator[bytes]):
    """The bytes of an export. `rows` counts the incidents read so far: once the stream is
    exhausted, the number exported."""

    def __init__(self, rows: Iterable[Row], writer: Writer) -> None:
        self.rows = 0
        self._chunks = writer(self._counted(rows))

    def _counted(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self.rows += 1
            yield row

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        """Stop early (the client went away); a writer's temporary file goes with it."""
        self._chunks.close()


def _filters_for_log(filters: IncidentFilters) -> dict[str, Any]:
    logged: dict[str, Any] = {}
    for name, value in asdict(filters).items():
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        logged[name] = value
    return logged


def export_incidents(
    *,
    user: User,
    filters: IncidentFilters | None,
    fmt: str,
    request: HttpRequest | None = None,
) -> tuple[ExportStream, str, str]:
    """Every incident `user` may see that matches `filters`, as a stream of bytes in `fmt`
    ("csv", "geojson", "parquet" or "xlsx"), with its content type and a file name.

    Records a `SecurityEvent` of kind `export` now, before any row is read, so an export
    that is interrupted is still in the log. The row count is not known then ("streamed").
    An unknown format raises `ValidationFailed` and records nothing.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(
            {"format": [_("One of: %(values)s") % {"values": ", ".join(FORMATS)}]}
        )
    filters = filters or IncidentFilters()
    writer, content_type, extension = FORMATS[fmt]
    rows = incident_rows(user=user, filters=filters)
    security_event_record(
        kind=SecurityEvent.Kind.EXPORT,
        user=user,
        request=request,
        details={"format": fmt, "filters": _filters_for_log(filters), "rows": "streamed"},
    )
    filename = f"incidents-{timezone.now():%Y%m%dT%H%M%SZ}.{extension}"
    return ExportStream(rows, writer), content_type, filename
