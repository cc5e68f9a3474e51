"""UCDP Georeferenced Event Dataset (GED) rows -> incident values.

Used by the demo loader now; the full importer (every GED shape, batching, error reports,
progress) builds on `ged_row_values`. Mapping choices:
- type_of_violence 1 -> armed_clash/state_based, 2 -> armed_clash/non_state,
  3 -> violence_against_civilians/attack
- deaths_a / deaths_b / deaths_civilians / deaths_unknown -> killed, best estimate, per
  category; the event-level low/high stay in the raw record
- where_prec 1-7 and date_prec 1-5 -> location / date precision codes
- country: the source's (HDX `iso3`, else the English name), kept where the point lies within
  about 5 km of that country, since UCDP places some towns just across a border
- UCDP data is public: classified public, verified (by UCDP)
- actors: shared across events by UCDP id; kind from the actor alone (a Gleditsch-Ward
  number means state forces, "Civilians" civilians, anything else a non-state armed group)
- sources: UCDP itself graded B2 (usually reliable / probably true), and each article named
  in `source_article` ungraded (F6), since UCDP does not grade them
"""

import csv
import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peaceops.core.classification import Classification
from peaceops.core.geo.countries import code_for_name, is_country_code
from peaceops.core.geo.points import DatePrecision, LocationPrecision
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
    if (gwno or "").strip():
        return Actor.Kind.STATE_FORCES
    return Actor.Kind.ARMED_GROUP


def _country_code(row: dict[str, str]) -> str:
    """The source's country: HDX files carry `iso3`; otherwise the English name."""
    code = (row.get("iso3") or "").strip().upper()
    if is_country_code(code):
        return code
    return code_for_name(row.get("country") or "") or ""


def ged_row_values(row: dict[str, str]) -> dict[str, Any]:
    """The incident fields for one GED row (a dict of the CSV's columns)."""
    violence = _int(row["type_of_violence"]) or 0
    incident_type, subtype = TYPE_OF_VIOLENCE[violence]
    place = (row.get("where_coordinates") or row.get("where_description") or "").strip()
    title = (row.get("dyad_name") or "").strip() or f"{row['side_a']} - {row['side_b']}"
    if place:
        title = f"{title}, {place}"
    actors = []
    for side, name_key, id_key, gw_key in (
        ("a", "side_a", "side_a_new_id", "gwnoa"),
        ("b", "side_b", "side_b_new_id", "gwnob"),
    ):
        name = (row.get(name_key) or "").strip()
        if name:
            actors.append(
                {
                    "name": name,
                    "side": side,
                    "kind": _side_kind(name, row.get(gw_key)),
                    "external_source": EXTERNAL_SOURCE,
                    "external_id": str(_int(row.get(id_key)) or name),
                }
            )
    casualties = [
        {
            "category": category,
            "outcome": Casualty.Outcome.KILLED,
            "best": _int(row.get(column)) or 0,
        }
        for column, category in DEATHS
        if (_int(row.get(column)) or 0) > 0
    ]
    sources = [
        {
            "name": "UCDP GED",
            "reference": f"UCDP GED event {_int(row['id'])}",
            "reliability": "B",
            "credibility": 2,
        }
    ]
    headline = (row.get("source_headline") or "").strip()
    for article in (row.get("source_article") or "").split(";"):
        if article.strip():
            sources.append({"name": article.strip()[:300], "excerpt": headline})
    return {
        "incident_type": incident_type,
        "subtype": subtype,
        "title": title[:300],
        "narrative": headline,
        "started_at": _date(row["date_start"]),
        "ended_at": _date(row["date_end"]),
        "date_precision": DATE_PREC.get(_int(row.get("date_prec")) or 0, DatePrecision.YEAR),
        "latitude": float(row["latitude"]),
        "longitude": float(row["longitude"]),
        "location_precision": WHERE_PREC.get(
            _int(row.get("where_prec")) or 0, LocationPrecision.COUNTRY
        ),
        "location_name": (row.get("where_description") or "").strip()[:300],
        "admin1": (row.get("adm_1") or "").strip()[:200],
        "admin2": (row.get("adm_2") or "").strip()[:200],
        "country_code": _country_code(row),
        "classification": Classification.PUBLIC,
        "casualties": casualties,
        "sources": sources[:50],
        "actors": actors,
    }


def read_ged_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a GED CSV (plain or .gz); skips an HXL hashtag row if the file has one."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row.get("id") or "").startswith("#") or any(
                (value or "").startswith("#")
                for key, value in row.items()
                if key in ("year", "latitude")
            ):
                continue
            yield row
