"""GED rows checked straight from their text (ADR 0026).

`clean_incident(ged_row_values(row))` for a row with nothing unusual, in one step: the GED
mapping already gives most fields in their validated form (choices from fixed tables, text
stripped and cut to length, numbers typed), so what is left of validation here is adding the
defaults, the few checks the mapping cannot settle alone (the point, the order of the dates,
lengths, counts, the country code) and the derived fields. Anything else - a check that
fails, a cell that needs reading cell by cell, a record of the stratified sample - returns
None, and the row takes the general way (`ged_record`, then `clean_incident`), which names
what is wrong. `test_import_ged_plain.py` holds both ways equal on every row of every GED
file in ../shared/data and on rows made to fail each check.

Why: for the import of a full GED release this is most of the reading process's work
(mapping and validating took 25 of its 70 µs a row; this takes about 17).
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peaceops.core.classification import Classification
from peaceops.core.geo.countries import is_country_code, near_country
from peaceops.core.geo.points import DatePrecision, LocationPrecision, point_errors
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.core.taxonomy import InformationCredibility, SourceReliability
from peaceops.incidents.importers.records import (
    PlainRow,
    PointCountry,
    RawRecord,
    RowRejection,
    SourceRecord,
)
from peaceops.incidents.importers.ucdp import (
    DATE_PREC,
    TYPE_OF_VIOLENCE,
    WHERE_PREC,
    _country_code,
    _event_id,
    _int,
    _typed_cells,
    cell_warning,
    ged_actors,
    ged_casualties,
    ged_record,
    ged_record_from_raw,
    ged_sources,
    ged_title,
    read_ged,
)
from peaceops.incidents.models import COUNTED_CATEGORIES, NARRATIVE_MAX
from peaceops.incidents.validation import MAX_COUNT, casualty_order

_UNGRADED = (SourceReliability.F, InformationCredibility.CANNOT_JUDGE)


def _day(value: dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


class GedPlainRow(PlainRow):
    __slots__ = ("typed", "given_cell")

    def __init__(self, record: RawRecord, typed: tuple[Any, ...], given_cell: int | None) -> None:
        super().__init__(record, typed[3], typed[4])
        self.typed, self.given_cell = typed, given_cell

    def cleaned(
        self, point_country: PointCountry
    ) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]] | None:
        row = self.record.row
        assert row is not None  # plain_ged_row made it from the row
        violence, started, ended, latitude, longitude, deaths, date_prec, where_prec, side_ids = (
            self.typed
        )
        incident_type, subtype = TYPE_OF_VIOLENCE[violence]
        title = ged_title(row, incident_type).strip()
        headline = (row.get("source_headline") or "").strip()
        if not title or len(headline) > NARRATIVE_MAX:
            return None
        given_country = _country_code(row).strip().upper()
        if given_country and not is_country_code(given_country):
            return None

        casualties = []
        for casualty in ged_casualties(deaths):
            if casualty["best"] > MAX_COUNT:
                return None
            casualties.append({**casualty, "low": None, "high": None})
        if len(casualties) > 1:
            casualties.sort(key=casualty_order)
        sources = []
        for source in ged_sources(row, headline):
            name = source["name"].strip()
            if not name:
                return None
            sources.append(
                {
                    "name": name,
                    "reference": source.get("reference", ""),
                    "published_on": None,
                    "reliability": source.get("reliability") or _UNGRADED[0],
                    "credibility": source.get("credibility") or _UNGRADED[1],
                    "excerpt": source.get("excerpt", ""),
                }
            )
        actors = ged_actors(row, side_ids)
        for actor in actors:
            if len(actor["name"]) > 300:
                return None
            actor["external_id"] = actor["external_id"][:64]

        derived = point_country(latitude, longitude)
        if (
            given_country
            and derived != given_country
            and near_country(latitude, longitude, given_country)
        ):
            derived = given_country  # as clean_incident: the source's word beats our border
        cell = priogrid_gid(latitude, longitude)
        cleaned = {
            "incident_type": incident_type,
            "subtype": subtype,
            "title": title,
            "narrative": headline,
            "narrative_language": "",
            "location_name": (row.get("where_description") or "").strip()[:300].strip(),
            "admin1": (row.get("adm_1") or "").strip()[:200].strip(),
            "admin2": (row.get("adm_2") or "").strip()[:200].strip(),
            "started_at": _day(started),
            "ended_at": _day(ended),
            "date_precision": DATE_PREC.get(date_prec or 0, DatePrecision.YEAR),
            "location_precision": WHERE_PREC.get(where_prec or 0, LocationPrecision.COUNTRY),
            "classification": Classification.PUBLIC,
            "latitude": latitude,
            "longitude": longitude,
            "casualties": casualties,
            "sources": sources,
            "actors": actors,
            "country_code": derived or given_country,
            "priogrid_gid": cell,
            # GED counts the killed only: every casualty row is one, and none are injured.
            "fatalities": sum(c["best"] for c in casualties if c["category"] in COUNTED_CATEGORIES),
            "injured": 0,
        }
        given_cell = self.given_cell
        warnings = (cell_warning(given_cell, cell),) if given_cell and given_cell != cell else ()
        return cleaned, warnings


def plain_ged_row(record: RawRecord) -> GedPlainRow | None:
    """The record as a GedPlainRow, or None where it needs the general way."""
    row = record.row
    if row is None or "date_start" not in row:  # the stratified sample's (ucdp._normalise)
        return None
    try:
        typed = _typed_cells(row)
        given_cell = _int(row.get("priogrid_gid"))
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None
    if point_errors(typed[3], typed[4]) or typed[2] < typed[1]:
        return None
    return GedPlainRow(record, typed, given_cell if given_cell and given_cell > 0 else None)


def ged_raw_records(path: Path) -> Iterator[RawRecord | SourceRecord | RowRejection]:
    """The rows of a GED file, mapped only when the import needs them (`RawRecord`), and then
    checked straight from their text where they are plain; a row without a readable event id
    is mapped at once (to its rejection)."""
    for line, row, raw in read_ged(path):
        external_id = _event_id(row)
        if external_id is None:
            yield ged_record(line, row, raw)
        else:
            yield RawRecord(line, external_id, raw, ged_record_from_raw, row, plain_ged_row)
