"""What every importer produces: one SourceRecord per row, or a RowRejection; readers whose
mapping is fixed by their version may hand a RawRecord instead, mapped only when needed, and
checked straight from its text when the reader can (a PlainRow)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peaceops.core.errors import FieldErrors


@dataclass(frozen=True)
class SourceRecord:
    line: int  # line (or record) number in the file, for the error report
    external_id: str
    values: dict[str, Any]  # incident fields, as incident_create takes them
    raw: dict[str, Any]  # the original record, kept for audit
    warnings: tuple[tuple[str, str], ...] = field(default=())  # (field, reason)


@dataclass(frozen=True)
class RawRecord:
    """A row not mapped yet, from a reader whose mapping is fixed by its version (formats.py,
    ADR 0018). The import digests its raw record first and maps it (`mapped`) only when that
    digest is not the one stored for its id: a re-import of unchanged rows maps none of them.
    `mapper` is a module-level function, so that the record can be pickled."""

    line: int
    external_id: str  # as the mapping gives it
    raw: dict[str, Any]
    # (line, the row as text or None to make it from the raw record, raw record) -> record
    mapper: Callable[[int, dict[str, str] | None, dict[str, Any]], "SourceRecord | RowRejection"]
    row: dict[str, str] | None = None  # the raw record's values as text, as read
    # record (with its row) -> the row checked straight from its text, or None where it has
    # anything unusual (ADR 0026); module-level too
    plain: Callable[["RawRecord"], "PlainRow | None"] | None = None

    @property
    def warnings(self) -> tuple[tuple[str, str], ...]:
        return ()  # the mapping finds them; an unchanged row is not checked again

    def mapped(self, raw: dict[str, Any] | None = None) -> "SourceRecord | RowRejection":
        """The mapped record; of `raw` instead of the record's own when given (unpacked)."""
        if raw is None:
            return self.mapper(self.line, self.row, self.raw)
        return self.mapper(self.line, None, raw)

    def plain_row(self) -> "PlainRow | None":
        if self.plain is None or self.row is None:
            return None
        return self.plain(self)


PointCountry = Callable[[float, float], str | None]


class OfRecord:
    """The line and external id of the record an import's stand-in wraps (`record`)."""

    __slots__ = ()
    record: SourceRecord | RawRecord

    @property
    def line(self) -> int:
        return self.record.line

    @property
    def external_id(self) -> str:
        return self.record.external_id


class PlainRow(OfRecord):
    """A row that its reader checks straight from its text: `clean_incident` of its mapped
    values, in one step (ADR 0026). The import looks up the countries of a batch's points
    first (`latitude`, `longitude`), then asks for the validated values (`cleaned`); None
    there means the row needs the general way after all: `record.mapped()`, then
    validation, which names what is wrong."""

    __slots__ = ("record", "latitude", "longitude")

    record: RawRecord

    def __init__(self, record: RawRecord, latitude: float, longitude: float) -> None:
        self.record, self.latitude, self.longitude = record, latitude, longitude

    def cleaned(
        self, point_country: PointCountry
    ) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]] | None:
        """(validated values as `clean_incident` returns them, warnings), or None."""
        raise NotImplementedError


@dataclass(frozen=True)
class RowRejection:
    line: int
    external_id: str
    fields: dict[str, list[str]]  # field -> reasons


class ColumnReader:
    """Reads typed values from a row of text; problems are collected under the source's own
    column names (`read.errors`), so a rejected row points at the cell to fix."""

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.errors = FieldErrors()

    def __call__(self, column: str, convert: Callable[[str], Any], *, required: bool = True) -> Any:
        value = self.row.get(column)
        if value is None or value.strip() == "":
            if required:
                self.errors.add(column, "This column is empty or missing.")
            return None
        try:
            return convert(value)
        except (TypeError, ValueError, OverflowError):
            self.errors.add(column, f"Cannot read {value[:40]!r}.")
            return None
