"""What every importer produces: one SourceRecord per row, or a RowRejection."""

from dataclasses import dataclass, field
from typing import Any


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
