"""Validation of incident input: one function that checks a whole incident and derives the
geographic fields. Every reason names its field; nested rows are named `casualties[2].low`."""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from peaceops.core.classification import Classification
from peaceops.core.errors import FieldErrors
from peaceops.core.geo.countries import country_at, is_country_code, near_country
from peaceops.core.geo.points import DatePrecision, LocationPrecision, point_errors
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.core.taxonomy import SUBTYPES, IncidentType, InformationCredibility, SourceReliability
from peaceops.incidents.models import (
    COUNTED_CATEGORIES,
    NARRATIVE_MAX,
    TITLE_MAX,
    Actor,
    Casualty,
    IncidentActor,
)

# Fields a client may set; derived fields (country from the point, PRIO-GRID cell, totals)
# are computed here and never taken from input.
SCALAR_FIELDS = (
    "incident_type",
    "subtype",
    "title",
    "narrative",
    "narrative_language",
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
    "classification",
)
LIST_FIELDS = ("casualties", "sources", "actors")
EDITABLE_FIELDS = frozenset(SCALAR_FIELDS + LIST_FIELDS)
DERIVED_FIELDS = ("priogrid_gid", "fatalities", "injured")

DEFAULTS: dict[str, Any] = {
    "narrative": "",
    "narrative_language": "",
    "ended_at": None,
    "date_precision": DatePrecision.DAY,
    "latitude": None,
    "longitude": None,
    "location_precision": LocationPrecision.EXACT,
    "location_name": "",
    "country_code": "",
    "admin1": "",
    "admin2": "",
    "classification": Classification.INTERNAL,
    "casualties": [],
    "sources": [],
    "actors": [],
}
_MAX_LENGTH = {
    "title": TITLE_MAX,
    "narrative": NARRATIVE_MAX,
    "narrative_language": 10,
    "location_name": 300,
    "admin1": 200,
    "admin2": 200,
}
_MAX_ROWS = 200
# Choices' `.values` is rebuilt on every access; validation runs per imported row.
_CATEGORIES = frozenset(Casualty.Category.values)
_OUTCOMES = tuple(Casualty.Outcome.values)
_RELIABILITY = frozenset(SourceReliability.values)
_CREDIBILITY = frozenset(InformationCredibility.values)
_SIDES = frozenset(IncidentActor.Side.values)
_ACTOR_KINDS = frozenset(Actor.Kind.values)
_TYPES = frozenset(IncidentType.values)
_DATE_PRECISIONS = frozenset(DatePrecision.values)
_LOCATION_PRECISIONS = frozenset(LocationPrecision.values)
_CLASSIFICATIONS = frozenset(Classification.values)
MAX_COUNT = 10_000_000  # people in one casualty estimate
_TEXT_FIELDS = ("title", "narrative", "narrative_language", "location_name", "admin1", "admin2")
_CHOICE_FIELDS = (
    ("date_precision", _DATE_PRECISIONS),
    ("location_precision", _LOCATION_PRECISIONS),
    ("classification", _CLASSIFICATIONS),
)


def _datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    # The shapes importers give, already in UTC: nothing to convert.
    value_type = type(value)
    if value_type is dt.date:
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value_type is dt.datetime and value.tzinfo is dt.UTC:
        return value
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise ValueError(value)
            parsed = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    else:
        raise ValueError(value)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    number = int(value)
    if number < 0 or number > MAX_COUNT:
        raise ValueError(value)
    return number


def _text(errors: FieldErrors, values: Mapping[str, Any], field: str) -> str:
    value = values.get(field)
    text = "" if value is None else str(value).strip()
    limit = _MAX_LENGTH.get(field)
    if limit and len(text) > limit:
        errors.add(
            field, _("At most %(max)d characters (got %(got)d).") % {"max": limit, "got": len(text)}
        )
    return text


_CIVILIAN_PARTS = frozenset(
    (Casualty.Category.CIVILIANS_WOMEN, Casualty.Category.CIVILIANS_CHILDREN)
)


def _is_mapping(row: Any) -> bool:
    return type(row) is dict or isinstance(row, Mapping)  # the ABC check is slow; rows are dicts


def casualty_order(row: dict[str, Any]) -> tuple[str, str]:
    """How validated casualty rows are ordered: by outcome, then category."""
    return (str(row["outcome"]), str(row["category"]))


def _clean_casualties(errors: FieldErrors, rows: Any) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(rows or []):
        name = f"casualties[{index}]"
        if not _is_mapping(row):
            errors.add(name, _("Each casualty row must be an object."))
            continue
        category, outcome = row.get("category"), row.get("outcome")
        if category not in _CATEGORIES:
            errors.add(
                f"{name}.category", _("Unknown casualty category: %(value)s") % {"value": category}
            )
        if outcome not in _OUTCOMES:
            errors.add(f"{name}.outcome", _("Unknown outcome: %(value)s") % {"value": outcome})
        numbers: dict[str, int | None] = {}
        for estimate in ("low", "best", "high"):
            try:
                numbers[estimate] = _count(row.get(estimate))
            except (TypeError, ValueError):
                errors.add(f"{name}.{estimate}", _("Give a whole number of people, 0 or more."))
                numbers[estimate] = None
        if numbers["best"] is None and f"{name}.best" not in errors:
            errors.add(f"{name}.best", _("The best estimate is required."))
        low, best, high = numbers["low"], numbers["best"], numbers["high"]
        if low is not None and best is not None and low > best:
            errors.add(f"{name}.low", _("The low estimate is above the best estimate."))
        if high is not None and best is not None and high < best:
            errors.add(f"{name}.high", _("The high estimate is below the best estimate."))
        if low is not None and high is not None and low > high:
            errors.add(f"{name}.low", _("The low estimate is above the high estimate."))
        if (category, outcome) in seen:
            errors.add(name, _("This category and outcome appear twice."))
        seen.add((category, outcome))
        cleaned.append(
            {"category": category, "outcome": outcome, "low": low, "best": best, "high": high}
        )
    if not any(row["category"] in _CIVILIAN_PARTS for row in cleaned):
        if len(cleaned) > 1:
            cleaned.sort(key=casualty_order)
        return cleaned
    by_key = {(row["category"], row["outcome"]): row["best"] or 0 for row in cleaned}
    for outcome in _OUTCOMES:
        civilians = by_key.get((Casualty.Category.CIVILIANS, outcome), 0)
        for part in (Casualty.Category.CIVILIANS_WOMEN, Casualty.Category.CIVILIANS_CHILDREN):
            if by_key.get((part, outcome), 0) > civilians:
                index = next(
                    i
                    for i, r in enumerate(cleaned)
                    if (r["category"], r["outcome"]) == (part, outcome)
                )
                errors.add(
                    f"casualties[{index}].best",
                    _("More than the civilians %(outcome)s in total.") % {"outcome": outcome},
                )
    cleaned.sort(key=casualty_order)
    return cleaned


def _clean_sources(errors: FieldErrors, rows: Any) -> list[dict[str, Any]]:
    cleaned = []
    for index, row in enumerate(rows or []):
        name = f"sources[{index}]"
        if not _is_mapping(row):
            errors.add(name, _("Each source must be an object."))
            continue
        source_name = str(row.get("name") or "").strip()
        if not source_name:
            errors.add(f"{name}.name", _("This field is required."))
        elif len(source_name) > 300:
            errors.add(f"{name}.name", _("At most %(max)d characters.") % {"max": 300})
        reference = str(row.get("reference") or "").strip()
        if len(reference) > 1000:
            errors.add(f"{name}.reference", _("At most %(max)d characters.") % {"max": 1000})
        reliability = row.get("reliability") or SourceReliability.F
        if reliability not in _RELIABILITY:
            errors.add(f"{name}.reliability", _("Reliability is a letter from A to F."))
        credibility = row.get("credibility") or InformationCredibility.CANNOT_JUDGE
        if credibility not in _CREDIBILITY:
            errors.add(f"{name}.credibility", _("Credibility is a number from 1 to 6."))
        published_on = row.get("published_on")
        if isinstance(published_on, str) and published_on:
            parsed = parse_date(published_on)
            if parsed is None:
                errors.add(f"{name}.published_on", _("Give a date as YYYY-MM-DD."))
            published_on = parsed
        excerpt = str(row.get("excerpt") or "").strip()
        if len(excerpt) > NARRATIVE_MAX:
            errors.add(f"{name}.excerpt", _("At most %(max)d characters.") % {"max": NARRATIVE_MAX})
        cleaned.append(
            {
                "name": source_name,
                "reference": reference,
                "published_on": published_on or None,
                "reliability": reliability,
                "credibility": credibility,
                "excerpt": excerpt,
            }
        )
    return cleaned


def _clean_actors(errors: FieldErrors, rows: Any) -> list[dict[str, Any]]:
    cleaned = []
    for index, row in enumerate(rows or []):
        name = f"actors[{index}]"
        if not _is_mapping(row):
            errors.add(name, _("Each actor must be an object."))
            continue
        actor_name = str(row.get("name") or "").strip()
        if not actor_name:
            errors.add(f"{name}.name", _("This field is required."))
        elif len(actor_name) > 300:
            errors.add(f"{name}.name", _("At most %(max)d characters.") % {"max": 300})
        side = row.get("side")
        if side not in _SIDES:
            errors.add(f"{name}.side", _("Side is a or b."))
        kind = row.get("kind") or Actor.Kind.UNKNOWN
        if kind not in _ACTOR_KINDS:
            errors.add(f"{name}.kind", _("Unknown actor kind: %(value)s") % {"value": kind})
        cleaned.append(
            {
                "name": actor_name,
                "side": side,
                "kind": kind,
                "external_source": str(row.get("external_source") or "")[:40],
                "external_id": str(row.get("external_id") or "")[:64],
            }
        )
    if len(rows or []) > _MAX_ROWS:
        errors.add("actors", _("At most %(max)d rows.") % {"max": _MAX_ROWS})
    return cleaned


def clean_incident(
    values: Mapping[str, Any], *, point_country: Callable[[float, float], str | None] = country_at
) -> dict[str, Any]:
    """Check a whole incident; return the cleaned values with the derived fields added.

    Raises ValidationFailed with every problem found, each under its field name.
    `point_country` looks up the country of a point (bulk imports pass a batch lookup).
    """
    errors = FieldErrors()
    values = {**DEFAULTS, **values}
    cleaned: dict[str, Any] = {}

    incident_type = values.get("incident_type")
    if incident_type not in _TYPES:
        errors.add(
            "incident_type", _("Unknown incident type: %(value)s") % {"value": incident_type}
        )
    subtype = values.get("subtype")
    if incident_type in SUBTYPES and subtype not in SUBTYPES[incident_type]:
        errors.add(
            "subtype",
            _("Unknown subtype %(value)s for %(type)s.")
            % {"value": subtype, "type": incident_type},
        )
    cleaned["incident_type"], cleaned["subtype"] = incident_type, subtype

    for field in _TEXT_FIELDS:
        cleaned[field] = _text(errors, values, field)
    if not cleaned["title"] and "title" not in errors:
        errors.add("title", _("This field is required."))

    for field in ("started_at", "ended_at"):
        try:
            cleaned[field] = _datetime(values.get(field))
        except (TypeError, ValueError):
            errors.add(field, _("Give a date or date-time in ISO 8601 (YYYY-MM-DD[THH:MM])."))
            cleaned[field] = None
    if cleaned["started_at"] is None and "started_at" not in errors:
        errors.add("started_at", _("This field is required."))
    if (
        cleaned["started_at"]
        and cleaned["ended_at"]
        and cleaned["ended_at"] < cleaned["started_at"]
    ):
        errors.add("ended_at", _("The end is before the start."))

    for field, choices in _CHOICE_FIELDS:
        if values.get(field) not in choices:
            errors.add(field, _("Unknown value: %(value)s") % {"value": values.get(field)})
        cleaned[field] = values.get(field)

    coordinates: dict[str, float | None] = {}
    for field in ("latitude", "longitude"):
        try:
            coordinates[field] = _float(values.get(field))
        except (TypeError, ValueError):
            errors.add(field, _("Give a number in decimal degrees."))
            coordinates[field] = None
    if "latitude" not in errors and "longitude" not in errors:
        for field, reason in point_errors(
            coordinates["latitude"], coordinates["longitude"]
        ).items():
            errors.add(field, reason)
    cleaned.update(coordinates)

    given_country = str(values.get("country_code") or "").strip().upper()
    if given_country and not is_country_code(given_country):
        errors.add("country_code", _("Unknown country code: %(value)s") % {"value": given_country})

    cleaned["casualties"] = _clean_casualties(errors, values.get("casualties"))
    cleaned["sources"] = _clean_sources(errors, values.get("sources"))
    cleaned["actors"] = _clean_actors(errors, values.get("actors"))
    for field in ("casualties", "sources"):
        if len(values.get(field) or []) > _MAX_ROWS:
            errors.add(field, _("At most %(max)d rows.") % {"max": _MAX_ROWS})

    errors.raise_if_any()

    latitude, longitude = cleaned["latitude"], cleaned["longitude"]
    if latitude is not None and longitude is not None:
        derived = point_country(latitude, longitude)
        if (
            given_country
            and derived != given_country
            and near_country(latitude, longitude, given_country)
        ):
            derived = given_country  # a source's word beats our simplified border
        cleaned["country_code"] = derived or given_country
        cleaned["priogrid_gid"] = priogrid_gid(latitude, longitude)
    else:
        cleaned["country_code"] = given_country
        cleaned["priogrid_gid"] = None
    cleaned["fatalities"] = sum(
        row["best"]
        for row in cleaned["casualties"]
        if row["outcome"] == Casualty.Outcome.KILLED and row["category"] in COUNTED_CATEGORIES
    )
    cleaned["injured"] = sum(
        row["best"]
        for row in cleaned["casualties"]
        if row["outcome"] == Casualty.Outcome.INJURED and row["category"] in COUNTED_CATEGORIES
    )
    return cleaned
