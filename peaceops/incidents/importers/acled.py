"""ACLED event files (Armed Conflict Location & Event Data) -> SourceRecords.

Reads the CSV that ACLED's export tool and HDX publish ("conflict_data_xxx.csv"), plain or
gzipped, with or without the HXL hashtag row HDX puts on the second line. Both the pre-2023
schema (31 columns, `inter1`/`inter2` as numbers 0-8) and the later one (`inter1` as text,
no `data_id`) are understood; dates may be `2020-10-28` or `28 October 2020`.

ACLED's licence restricts redistribution of the raw data: no ACLED file ships with peaceops.

Mapping choices (see also docs/importing.md):

- event_type / sub_event_type -> incident type / subtype by SUB_EVENT_TYPES below (all 25
  sub-event types of ACLED's 2019-2023 codebook). One table entry is row-dependent:
  Battles / Armed clash is `state_based` when either actor is state forces, `non_state`
  when both actors are non-state armed groups (rebels, militias), `unknown` otherwise (for
  instance external forces or a UN mission against a rebel group). Grenade -> `ied` (a
  hand-delivered explosive, the nearest code we have); Chemical weapon -> other/other (no
  code fits; none in the African files). An unknown sub-event type falls back to its event
  type's entry in EVENT_TYPES; an unknown event type is rejected.
- actor1 / actor2 -> actors on side a / b. ACLED has no actor ids, so the actor's external
  id is its name (names longer than 64 characters: the first 55, "#", and 8 hex digits of
  the name's SHA-1, so that two long names never share an id). The kind comes from
  `inter1` / `inter2` (INTER_KINDS), with two name rules so that the kind is a property of
  the actor and not of one event: ACLED codes a state's forces 8 (external) when they act
  abroad, so "Military Forces of", "Police Forces of" and "Government of" are always state
  forces; and a UN mission ("...United Nations ... Mission ...") is peacekeepers. Rioters
  and protesters are unorganised members of the public: civilians (the name keeps which).
  The associated actors (`assoc_actor_1/2`) stay in the raw record.
- fatalities -> one casualty row, category unknown, killed, best estimate, when above 0:
  ACLED does not split fatalities by side or category, and gives no low/high estimate.
- notes -> narrative (English); source -> sources: ACLED itself graded B2 (usually
  reliable / probably true, as for UCDP) citing the event id, then each name in `source`
  (split on ";") ungraded (F6), since ACLED does not grade them.
- geo_precision 1/2/3 -> location precision exact / near / admin2; time_precision 1/2/3 ->
  date precision day / week / month. location, admin1, admin2 -> location name, admin1,
  admin2 (admin3 stays in the raw record).
- country: `iso3` where given, else the numeric ISO 3166 `iso`, else the English `country`
  name. The point decides in the end (incidents/validation.py).
- external id: `event_id_cnty` (e.g. "ANG3408"), the id ACLED keeps across versions and
  schemas; `data_id` only where a file has no event_id_cnty.
- ACLED data is public and reviewed by ACLED: classified public, verified.
"""

import csv
import datetime as dt
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from peaceops.core.classification import Classification
from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.countries import code_for_name, is_country_code
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.incidents.importers.files import check_utf8
from peaceops.incidents.importers.records import ColumnReader, RowRejection, SourceRecord
from peaceops.incidents.models import Actor, Casualty

EXTERNAL_SOURCE = "acled"

# Battles / Armed clash depends on the actors: see _armed_clash_subtype.
ARMED_CLASH_BY_ACTORS = ("armed_clash", None)

SUB_EVENT_TYPES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("Battles", "Armed clash"): ARMED_CLASH_BY_ACTORS,
    ("Battles", "Government regains territory"): ("armed_clash", "state_based"),
    ("Battles", "Non-state actor overtakes territory"): ("armed_clash", "non_state"),
    ("Explosions/Remote violence", "Air/drone strike"): ("explosive", "air_drone_strike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"): (
        "explosive",
        "shelling_artillery",
    ),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"): ("explosive", "ied"),
    ("Explosions/Remote violence", "Suicide bomb"): ("explosive", "suicide_bomb"),
    ("Explosions/Remote violence", "Grenade"): ("explosive", "ied"),
    ("Explosions/Remote violence", "Chemical weapon"): ("other", "other"),
    ("Violence against civilians", "Attack"): ("violence_against_civilians", "attack"),
    ("Violence against civilians", "Abduction/forced disappearance"): (
        "violence_against_civilians",
        "abduction",
    ),
    ("Violence against civilians", "Sexual violence"): (
        "violence_against_civilians",
        "sexual_violence",
    ),
    ("Protests", "Peaceful protest"): ("protest", "peaceful"),
    ("Protests", "Protest with intervention"): ("protest", "peaceful"),
    ("Protests", "Excessive force against protesters"): ("protest", "excessive_force"),
    ("Riots", "Violent demonstration"): ("protest", "violent"),
    ("Riots", "Mob violence"): ("protest", "violent"),
    ("Strategic developments", "Agreement"): ("strategic_development", "agreement"),
    ("Strategic developments", "Arrests"): ("strategic_development", "arrest"),
    ("Strategic developments", "Change to group/activity"): ("strategic_development", "other"),
    ("Strategic developments", "Disrupted weapons use"): ("strategic_development", "other"),
    ("Strategic developments", "Headquarters or base established"): (
        "strategic_development",
        "other",
    ),
    ("Strategic developments", "Looting/property destruction"): (
        "strategic_development",
        "other",
    ),
    ("Strategic developments", "Non-violent transfer of territory"): (
        "strategic_development",
        "other",
    ),
    ("Strategic developments", "Other"): ("strategic_development", "other"),
}
# For a sub-event type this table does not know (a later codebook).
EVENT_TYPES: dict[str, tuple[str, str | None]] = {
    "Battles": ARMED_CLASH_BY_ACTORS,
    "Explosions/Remote violence": ("other", "other"),
    "Violence against civilians": ("violence_against_civilians", "attack"),
    "Protests": ("protest", "peaceful"),
    "Riots": ("protest", "violent"),
    "Strategic developments": ("strategic_development", "other"),
}

# inter1 / inter2: numbers before 2023, words after.
INTER_KINDS: dict[str, str] = {
    "1": Actor.Kind.STATE_FORCES,
    "2": Actor.Kind.REBEL_GROUP,
    "3": Actor.Kind.MILITIA,  # political militias
    "4": Actor.Kind.COMMUNAL_GROUP,  # identity (communal, ethnic) militias
    "5": Actor.Kind.CIVILIANS,  # rioters
    "6": Actor.Kind.CIVILIANS,  # protesters
    "7": Actor.Kind.CIVILIANS,
    "8": Actor.Kind.EXTERNAL_FORCES,  # external / other forces
    "state forces": Actor.Kind.STATE_FORCES,
    "rebel group": Actor.Kind.REBEL_GROUP,
    "political militia": Actor.Kind.MILITIA,
    "identity militia": Actor.Kind.COMMUNAL_GROUP,
    "rioters": Actor.Kind.CIVILIANS,
    "protesters": Actor.Kind.CIVILIANS,
    "civilians": Actor.Kind.CIVILIANS,
    "external/other forces": Actor.Kind.EXTERNAL_FORCES,
}
STATE_NAME_PREFIXES = ("Military Forces of ", "Police Forces of ", "Government of ")
NON_STATE_ARMED = frozenset(
    {Actor.Kind.REBEL_GROUP, Actor.Kind.MILITIA, Actor.Kind.COMMUNAL_GROUP, Actor.Kind.ARMED_GROUP}
)

GEO_PRECISION = {1: LocationPrecision.EXACT, 2: LocationPrecision.NEAR, 3: LocationPrecision.ADMIN2}
TIME_PRECISION = {1: DatePrecision.DAY, 2: DatePrecision.WEEK, 3: DatePrecision.MONTH}

# Numeric ISO 3166-1 codes of the countries in the HDX country files we have seen; other
# countries are found by `iso3` or by name.
ISO_NUMERIC = {
    "24": "AGO",
    "140": "CAF",
    "180": "COD",
    "231": "ETH",
    "466": "MLI",
    "508": "MOZ",
    "562": "NER",
    "728": "SSD",
    "729": "SDN",
    "800": "UGA",
    "834": "TZA",
    "854": "BFA",
    "894": "ZMB",
}


def actor_external_id(name: str) -> str:
    """The actor's id within ACLED: its name, made unique within 64 characters."""
    if len(name) <= 64:
        return name
    return f"{name[:55]}#{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def actor_kind(name: str, inter: str) -> str:
    """The kind of an ACLED actor; a property of the actor (same name, same kind)."""
    if not name.startswith("Mutiny of "):
        if name.startswith(STATE_NAME_PREFIXES):
            return Actor.Kind.STATE_FORCES
        if "United Nations" in name and "Mission" in name:
            return Actor.Kind.PEACEKEEPERS
    return INTER_KINDS.get(inter.strip().lower(), Actor.Kind.UNKNOWN)


def _armed_clash_subtype(kinds: list[str]) -> str:
    if Actor.Kind.STATE_FORCES in kinds:
        return "state_based"
    if len(kinds) == 2 and all(kind in NON_STATE_ARMED for kind in kinds):
        return "non_state"
    return "unknown"


def _int(value: str) -> int:
    number = float(value)
    if not number.is_integer():
        raise ValueError(value)
    return int(number)


def _date(value: str) -> dt.date:
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return dt.datetime.strptime(value, "%d %B %Y").replace(tzinfo=dt.UTC).date()


def _country_code(row: dict[str, str]) -> str:
    code = (row.get("iso3") or "").strip().upper()
    if is_country_code(code):
        return code
    numeric = (row.get("iso") or "").strip().lstrip("0")
    if numeric in ISO_NUMERIC:
        return ISO_NUMERIC[numeric]
    return code_for_name(row.get("country") or "") or ""


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def acled_row_values(row: dict[str, str]) -> dict[str, Any]:
    """The incident fields for one ACLED row (column name -> text). Raises ValidationFailed
    naming the ACLED column when a value cannot be read."""
    read = ColumnReader(row)
    errors = read.errors

    event_type, sub_event_type = _text(row, "event_type"), _text(row, "sub_event_type")
    mapped = SUB_EVENT_TYPES.get((event_type, sub_event_type)) or EVENT_TYPES.get(event_type)
    if mapped is None:
        errors.add("event_type", f"Unknown ACLED event type {event_type[:60]!r}.")
    started = read("event_date", _date)
    latitude, longitude = read("latitude", float), read("longitude", float)
    fatalities = read("fatalities", _int, required=False) or 0
    if fatalities < 0:
        errors.add("fatalities", "Fatalities cannot be negative.")
    geo_precision = read("geo_precision", _int, required=False)
    time_precision = read("time_precision", _int, required=False)
    errors.raise_if_any()

    actors = []
    for side, name_column, inter_column in (("a", "actor1", "inter1"), ("b", "actor2", "inter2")):
        name = _text(row, name_column)
        if name:
            actors.append(
                {
                    "name": name,
                    "side": side,
                    "kind": actor_kind(name, row.get(inter_column) or ""),
                    "external_source": EXTERNAL_SOURCE,
                    "external_id": actor_external_id(name),
                }
            )
    incident_type, subtype = mapped  # type: ignore[misc]
    if subtype is None:
        subtype = _armed_clash_subtype([a["kind"] for a in actors])

    location = _text(row, "location")
    title = sub_event_type or event_type
    parties = " - ".join(a["name"] for a in actors)
    if parties:
        title = f"{title}: {parties}"
    if location:
        title = f"{title}, {location}"
    event_id = _text(row, "event_id_cnty") or _text(row, "data_id")
    sources = [
        {
            "name": "ACLED",
            "reference": f"ACLED event {event_id}",
            "reliability": "B",
            "credibility": 2,
        }
    ]
    seen: set[str] = set()
    for name in _text(row, "source").split(";"):
        name = name.strip()[:300]
        if name and name not in seen:
            seen.add(name)
            sources.append({"name": name})
    casualties = (
        [
            {
                "category": Casualty.Category.UNKNOWN,
                "outcome": Casualty.Outcome.KILLED,
                "best": fatalities,
            }
        ]
        if fatalities > 0
        else []
    )
    notes = _text(row, "notes")
    return {
        "incident_type": incident_type,
        "subtype": subtype,
        "title": title[:300],
        "narrative": notes,
        "narrative_language": "en" if notes else "",
        "started_at": started,
        "ended_at": None,
        "date_precision": TIME_PRECISION.get(time_precision or 0, DatePrecision.DAY),
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": GEO_PRECISION.get(geo_precision or 0, LocationPrecision.EXACT),
        "location_name": location[:300],
        "admin1": _text(row, "admin1")[:200],
        "admin2": _text(row, "admin2")[:200],
        "country_code": _country_code(row),
        "classification": Classification.PUBLIC,
        "casualties": casualties,
        "sources": sources[:50],
        "actors": actors,
    }


def acled_record(
    line: int, row: dict[str, str], raw: dict[str, Any]
) -> SourceRecord | RowRejection:
    external_id = _text(row, "event_id_cnty") or _text(row, "data_id")
    if not external_id or len(external_id) > 64:
        return RowRejection(
            line=line,
            external_id=external_id[:64],
            fields={"event_id_cnty": ["No event id (event_id_cnty or data_id)."]},
        )
    try:
        values = acled_row_values(row)
    except ValidationFailed as exc:
        return RowRejection(line=line, external_id=external_id, fields=exc.fields)
    warnings = []
    if (row.get("event_type"), row.get("sub_event_type")) not in SUB_EVENT_TYPES:
        warnings.append(
            (
                "sub_event_type",
                f"Unknown ACLED sub-event type {row.get('sub_event_type', '')[:60]!r}; "
                f"mapped by its event type to {values['incident_type']}/{values['subtype']}.",
            )
        )
    return SourceRecord(
        line=line, external_id=external_id, values=values, raw=raw, warnings=tuple(warnings)
    )


def _is_hxl_row(row: dict[str, str]) -> bool:
    return any((value or "").startswith("#") for value in row.values())


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    reader = csv.DictReader(handle)
    missing = {"event_type", "event_date", "latitude", "longitude"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(
            f"Not an ACLED file: no column {', '.join(sorted(missing))} in the header line."
        )
    for row in reader:
        row.pop("", None)
        row.pop(None, None)  # type: ignore[call-overload]  # surplus cells
        if reader.line_num == 2 and _is_hxl_row(row):
            continue
        yield reader.line_num, row, row


def read_acled(path: Path) -> Iterator[tuple[int, dict[str, str], dict[str, Any]]]:
    """(line, row as text, raw record) for every event in an ACLED CSV (plain or .gz)."""
    check_utf8(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        yield from _csv_rows(handle)


def acled_records(path: Path) -> Iterator[SourceRecord | RowRejection]:
    for line, row, raw in read_acled(path):
        yield acled_record(line, row, raw)
