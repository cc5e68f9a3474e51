"""The import formats: what each reads and how its rows enter the review workflow."""

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peaceops.incidents.importers.acled import EXTERNAL_SOURCE as ACLED
from peaceops.incidents.importers.acled import acled_records
from peaceops.incidents.importers.ged_plain import ged_raw_records
from peaceops.incidents.importers.records import RawRecord, RowRejection, SourceRecord
from peaceops.incidents.importers.tabular import (
    EXTERNAL_SOURCE_PREFIX,
    external_source,
    tabular_records,
)
from peaceops.incidents.importers.ucdp import EXTERNAL_SOURCE as UCDP
from peaceops.incidents.models import VerificationStatus

Reader = Callable[[Path], Iterator[SourceRecord | RawRecord | RowRejection]]


@dataclass(frozen=True)
class ImportFormat:
    source: str
    reader: Reader
    verification_status: str  # what imported rows start as
    needs_mapping: bool = False
    # For readers whose mapping is fixed: re-imports recognise unchanged rows by their raw
    # record and this version (engine.raw_input_digest). Bump it whenever the reader maps the
    # same record differently. Empty: by the mapped values (a mission's mapping may change).
    reader_version: str = ""


FORMATS = {
    # Mapped only where the raw record's digest is not the stored one (records.RawRecord).
    "ucdp": ImportFormat(
        UCDP, ged_raw_records, VerificationStatus.VERIFIED, reader_version="ucdp 1"
    ),
    "acled": ImportFormat(
        ACLED, acled_records, VerificationStatus.VERIFIED, reader_version="acled 1"
    ),
    # A mission's own spreadsheet goes through review; source "tabular:<mapping name>".
    "tabular": ImportFormat(
        EXTERNAL_SOURCE_PREFIX, tabular_records, VerificationStatus.REPORTED, needs_mapping=True
    ),
}


def reader_for(
    name: str, mapping: dict[str, Any] | None, mapping_path: Path | None = None
) -> tuple[str, Reader]:
    """(external source, record reader) for a format; tabular needs its checked mapping."""
    chosen = FORMATS[name]
    if not chosen.needs_mapping:
        return chosen.source, chosen.reader
    if mapping is None:
        raise ValueError("The tabular format needs a column mapping.")
    source = external_source(mapping_path or Path("mapping"))
    return source, functools.partial(chosen.reader, mapping=mapping)
