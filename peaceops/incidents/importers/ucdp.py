"""UCDP Georeferenced Event Dataset (GED) in every shape it comes in -> SourceRecords.

Shapes: the 49-column CSV of releases 20.1-25.1, the 41/42-column 19.1 files (no relid,
fewer ids), HDX country files (an HXL hashtag row as the second line, an index column,
`iso3`), GeoJSON exports (FeatureCollection, point geometry), R `.rda` files (read with
pyreadr), JSON record lists (the 11-field stratified sample: `date`, `civilian_deaths`,
`combatant_deaths`), and the official zip holding any of these; plain or gzipped.

Mapping choices:
- type_of_violence 1 -> armed_clash/state_based, 2 -> armed_clash/non_state,
  3 -> violence_against_civilians/attack
- deaths_a / deaths_b / deaths_civilians / deaths_unknown -> killed, best estimate, per
  category; the event-level low/high stay in the raw record
- where_prec 1-7 and date_prec 1-5 -> location / date precision codes
- country: the source's (HDX `iso3`, else the English name), kept where the point lies within
  about 5 km of that country, since UCDP places some towns just across a border
- UCDP data is public: classified public, verified (by UCDP)
- actors: shared across events by UCDP id; kind from the actor alone (a Gleditsch-Ward
  number or a name "Government of ..." means state forces, "Civilians" civilians, anything
  else a non-state armed group)
- priogrid_gid: checked against the cell computed from the point; a difference is a warning
- sources: UCDP itself graded B2 (usually reliable / probably true), and each article named
  in `source_article` ungraded (F6), since UCDP does not grade them
"""

import csv
import datetime as dt
import functools
import gzip
import io
import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from peaceops.core.classification import Classification
from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.countries import code_for_name, is_country_code
from peaceops.core.geo.points import DatePrecision, LocationPrecision, point_errors
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.incidents.importers.files import check_utf8, check_utf8_stream
from peaceops.incidents.importers.records import ColumnReader, RowRejection, SourceRecord
from peaceops.incidents.models import Actor, Casualty

EXTERNAL_SOURCE = "ucdp_ged"

TYPE_OF_VIOLENCE = {
    1: ("armed_clash", "state_based"),
    2: ("armed_clash", "non_state"),
    3: ("violence_against_civilians", "attack"),
}
WHERE_PREC = {
    1: LocationPrecision.EXACT,
    2: LocationPrecision.NEAR,
    3: LocationPrecision.ADMIN2,
    4: LocationPrecision.ADMIN1,
    5: LocationPrecision.REGION,
    6: LocationPrecision.COUNTRY,
    7: LocationPrecision.INTERNATIONAL,
}
DATE_PREC = {
    1: DatePrecision.DAY,
    2: DatePrecision.WEEK,
    3: DatePrecision.WEEK,
    4: DatePrecision.MONTH,
    5: DatePrecision.YEAR,
}
DEATHS = (
    ("deaths_a", Casualty.Category.ARMED_SIDE_A),
    ("deaths_b", Casualty.Category.ARMED_SIDE_B),
    ("deaths_civilians", Casualty.Category.CIVILIANS),
    ("deaths_unknown", Casualty.Category.UNKNOWN),
)


def _text(value: Any) -> str:
    """Every reader's values as text: None and NaN become ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    return int(float(value))


def _date(value: str) -> dt.date:
    # GED writes 2009-02-20, 2009-02-20 00:00:00(.000) or 2009-02-20T00:00:00
    return dt.date.fromisoformat(value.strip()[:10])


def _side_kind(name: str, gwno: str | None) -> str:
    # A property of the actor, never of one event: actors are shared across events by id.
    if name == "Civilians":
        return Actor.Kind.CIVILIANS
    if (gwno or "").strip() or name.startswith("Government of"):
        return Actor.Kind.STATE_FORCES
    return Actor.Kind.ARMED_GROUP


def _country_code(row: dict[str, str]) -> str:
    """The source's country: HDX files carry `iso3`; otherwise the English name."""
    return _source_country(row.get("iso3") or "", row.get("country") or "")


@functools.lru_cache(maxsize=4096)
def _source_country(iso3: str, name: str) -> str:
    code = iso3.strip().upper()
    if is_country_code(code):
        return code
    return code_for_name(name) or ""


def _normalise(row: dict[str, str]) -> dict[str, str]:
    """Bring the 11-field stratified-sample records onto the standard column names. They give
    civilian and combatant deaths (combatants not split by side) and a best total that may be
    larger; everything but the civilians goes to the unknown category, so totals match."""
    if "date" in row and "date_start" not in row:
        try:
            best, civilians = _int(row.get("best")) or 0, _int(row.get("civilian_deaths")) or 0
        except (ValueError, OverflowError):
            return {**row, "date_start": row["date"], "date_end": row["date"]}  # read() will say
        row = {
            **row,
            "date_start": row["date"],
            "date_end": row["date"],
            "deaths_civilians": str(civilians),
            "deaths_unknown": str(best - civilians),
        }
    return row


_SIDE_ID_COLUMNS = ("side_a_new_id", "side_b_new_id")


def _typed_cells(row: dict[str, str]) -> tuple[Any, ...]:
    """The typed cells of a well-formed row, straight through: any exception means the row
    has something unusual, and `_checked_cells` reads it again cell by cell. Where this
    returns, it returns what `_checked_cells` would."""
    get = row.get
    violence = int(float(get("type_of_violence")))  # type: ignore[arg-type]
    if violence not in TYPE_OF_VIOLENCE:
        raise ValueError(violence)
    deaths = {}
    for column, _category in DEATHS:
        deaths[column] = _int(get(column)) or 0
        if deaths[column] < 0:
            raise ValueError(column)
    return (
        violence,
        _date(get("date_start")),  # type: ignore[arg-type]
        _date(get("date_end")),  # type: ignore[arg-type]
        float(get("latitude")),  # type: ignore[arg-type]
        float(get("longitude")),  # type: ignore[arg-type]
        deaths,
        _int(get("date_prec")),
        _int(get("where_prec")),
        {key: _int(get(key)) for key in _SIDE_ID_COLUMNS},
    )


def _checked_cells(row: dict[str, str]) -> tuple[Any, ...]:
    """`_typed_cells`, cell by cell: raises ValidationFailed naming every GED column that
    cannot be read."""
    read = ColumnReader(row)
    errors = read.errors
    violence = read("type_of_violence", _int)
    if violence is not None and violence not in TYPE_OF_VIOLENCE:
        errors.add("type_of_violence", f"Expected 1, 2 or 3, got {violence}.")
    started, ended = read("date_start", _date), read("date_end", _date)
    latitude, longitude = read("latitude", float), read("longitude", float)
    deaths = {column: read(column, _int, required=False) or 0 for column, _c in DEATHS}
    for column, value in deaths.items():
        if value < 0:
            errors.add(column, "Deaths cannot be negative.")
    date_prec, where_prec = (
        read("date_prec", _int, required=False),
        read("where_prec", _int, required=False),
    )
    side_ids = {key: read(key, _int, required=False) for key in _SIDE_ID_COLUMNS}
    errors.raise_if_any()
    return violence, started, ended, latitude, longitude, deaths, date_prec, where_prec, side_ids


def ged_title(row: dict[str, str], incident_type: str) -> str:
    """The dyad (or the two sides), else the kind of violence; then the place."""
    place = (row.get("where_coordinates") or row.get("where_description") or "").strip()
    side_a, side_b = (row.get("side_a") or "").strip(), (row.get("side_b") or "").strip()
    title = (row.get("dyad_name") or "").strip() or " - ".join(s for s in (side_a, side_b) if s)
    title = title or INCIDENT_TITLES[incident_type]
    if place:
        title = f"{title}, {place}"
    return title[:300]


def ged_actors(row: dict[str, str], side_ids: dict[str, int | None]) -> list[dict[str, Any]]:
    actors = []
    for side, name_key, id_key, gw_key in (
        ("a", "side_a", "side_a_new_id", "gwnoa"),
        ("b", "side_b", "side_b_new_id", "gwnob"),
    ):
        name = (row.get(name_key) or "").strip()
        if name:
            actor_id = side_ids[id_key]
            actors.append(
                {
                    "name": name,
                    "side": side,
                    "kind": _side_kind(name, row.get(gw_key)),
                    "external_source": EXTERNAL_SOURCE,
                    "external_id": str(actor_id) if actor_id is not None else name[:64],
                }
            )
    return actors


def ged_casualties(deaths: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"category": category, "outcome": Casualty.Outcome.KILLED, "best": deaths[column]}
        for column, category in DEATHS
        if deaths[column] > 0
    ]


def ged_sources(row: dict[str, str], headline: str) -> list[dict[str, Any]]:
    """UCDP itself, then each article it names (at most 50 in all)."""
    sources = [
        {
            "name": "UCDP GED",
            "reference": f"UCDP GED event {_int(row['id'])}",
            "reliability": "B",
            "credibility": 2,
        }
    ]
    for article in (row.get("source_article") or "").split(";"):
        if article.strip():
            sources.append({"name": article.strip()[:300], "excerpt": headline})
    return sources[:50]


def ged_row_values(row: dict[str, str]) -> dict[str, Any]:
    """The incident fields for one GED row (column name -> text). Raises ValidationFailed
    naming the GED column when a value cannot be read."""
    row = _normalise(row)
    try:
        typed = _typed_cells(row)
    except (TypeError, ValueError, OverflowError, AttributeError):
        typed = _checked_cells(row)
    violence, started, ended, latitude, longitude, deaths, date_prec, where_prec, side_ids = typed
    incident_type, subtype = TYPE_OF_VIOLENCE[violence]
    headline = (row.get("source_headline") or "").strip()
    return {
        "incident_type": incident_type,
        "subtype": subtype,
        "title": ged_title(row, incident_type),
        "narrative": headline,
        "started_at": started,
        "ended_at": ended,
        # Missing or unknown precision: the coarsest code, never a guess of exactness.
        "date_precision": DATE_PREC.get(date_prec or 0, DatePrecision.YEAR),
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": WHERE_PREC.get(where_prec or 0, LocationPrecision.COUNTRY),
        "location_name": (row.get("where_description") or "").strip()[:300],
        "admin1": (row.get("adm_1") or "").strip()[:200],
        "admin2": (row.get("adm_2") or "").strip()[:200],
        "country_code": _country_code(row),
        "classification": Classification.PUBLIC,
        "casualties": ged_casualties(deaths),
        "sources": ged_sources(row, headline),
        "actors": ged_actors(row, side_ids),
    }


def cell_warning(given_cell: int, computed: int | None) -> tuple[str, str]:
    return ("priogrid_gid", f"UCDP gives cell {given_cell}; the point lies in cell {computed}.")


INCIDENT_TITLES = {
    "armed_clash": "Armed clash",
    "violence_against_civilians": "Violence against civilians",
}


def ged_record(line: int, row: dict[str, str], raw: dict[str, Any]) -> SourceRecord | RowRejection:
    external_id = _event_id(row)
    if external_id is None:
        return RowRejection(
            line=line, external_id=(row.get("id") or "")[:64], fields={"id": ["Not an event id."]}
        )
    try:
        values = ged_row_values(row)
    except ValidationFailed as exc:
        return RowRejection(line=line, external_id=external_id, fields=exc.fields)
    warnings = []
    try:
        given_cell = _int(row.get("priogrid_gid"))
    except (ValueError, OverflowError):
        given_cell = None
        warnings.append(("priogrid_gid", f"Cannot read {row.get('priogrid_gid', '')[:40]!r}."))
    # A point off the globe (or NaN) has no cell: validation rejects the row for the point.
    if given_cell and given_cell > 0 and not point_errors(values["latitude"], values["longitude"]):
        computed = priogrid_gid(values["latitude"], values["longitude"])
        if computed != given_cell:
            warnings.append(cell_warning(given_cell, computed))
    return SourceRecord(
        line=line, external_id=external_id, values=values, raw=raw, warnings=tuple(warnings)
    )


def _is_hxl_row(row: dict[str, str]) -> bool:
    return any((value or "").startswith("#") for value in row.values())


REQUIRED_COLUMNS = ("id", "type_of_violence", "date_start", "date_end", "latitude", "longitude")


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"not a UCDP GED file: no column {', '.join(missing)}")
    for row in reader:
        row.pop("", None)  # pandas index column in some HDX files
        row.pop(None, None)  # type: ignore[call-overload]  # surplus cells
        if reader.line_num == 2 and _is_hxl_row(row):
            continue
        yield reader.line_num, row, row


def _json_rows(data: Any) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        for number, feature in enumerate(data.get("features") or [], start=1):
            properties = dict(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                longitude, latitude = geometry["coordinates"][:2]
                properties.setdefault("longitude", longitude)
                properties.setdefault("latitude", latitude)
            yield number, {k: _text(v) for k, v in properties.items()}, properties
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield number, {k: _text(v) for k, v in record.items()}, record
    else:
        raise ValueError("Expected a GeoJSON FeatureCollection or a list of records.")


def _rda_rows(path: Path) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    import pyreadr

    frames = pyreadr.read_r(str(path))
    frame = next(iter(frames.values()))
    columns = [str(c) for c in frame.columns]
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        raw = {
            c: (None if isinstance(v, float) and math.isnan(v) else _jsonable(v))
            for c, v in zip(columns, values, strict=True)
        }
        yield number, {c: _text(v) for c, v in raw.items()}, raw


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _member_rows(name: str, data: bytes) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    lower = name.lower()
    if lower.endswith(".gz"):
        data, lower = gzip.decompress(data), lower[:-3]
    if lower.endswith((".geojson", ".json")):
        yield from _json_rows(json.loads(data))
    else:
        yield from _csv_rows(io.StringIO(data.decode("utf-8-sig"), newline=""))


def read_ged(path: Path) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    """(line, row as text, raw record) for every event in a GED file of any shape."""
    lower = path.name.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.namelist()
                if m.lower().endswith((".csv", ".csv.gz", ".geojson", ".json"))
            ]
            if not members:
                raise ValueError("The zip holds no CSV, GeoJSON or JSON file.")
            if members[0].lower().endswith(".csv"):
                with archive.open(members[0]) as member:
                    check_utf8_stream(member)
            with archive.open(members[0]) as member:
                if members[0].lower().endswith(".csv"):
                    handle = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                    yield from _csv_rows(handle)
                else:
                    yield from _member_rows(members[0], member.read())
    elif lower.endswith((".rda", ".rdata", ".rds")):
        yield from _rda_rows(path)
    elif lower.endswith((".geojson", ".json", ".geojson.gz", ".json.gz")):
        opener = gzip.open if lower.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            yield from _json_rows(json.load(handle))
    else:
        check_utf8(path)
        opener = gzip.open if lower.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            yield from _csv_rows(handle)


def ged_records(path: Path) -> Iterator[SourceRecord | RowRejection]:
    for line, row, raw in read_ged(path):
        yield ged_record(line, row, raw)


def _event_id(row: dict[str, str]) -> str | None:
    """The event's id as `ged_record` reads it; None where it rejects the row for it."""
    try:
        return str(int(float(row.get("id") or "")))
    except (ValueError, OverflowError):
        return None


def ged_record_from_raw(
    line: int, row: dict[str, str] | None, raw: dict[str, Any]
) -> SourceRecord | RowRejection:
    """`ged_record` of a raw record as `read_ged` gives it, with its row as text when known
    (each reader's row is its raw record's values as text)."""
    if row is None:
        row = {column: _text(value) for column, value in raw.items()}
    return ged_record(line, row, raw)
