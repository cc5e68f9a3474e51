"""What every importer produces: one SourceRecord per row, or a RowRejection."""

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
