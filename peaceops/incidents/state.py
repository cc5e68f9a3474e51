"""An incident's full state as one JSON-ready dict: the unit of revision history.

`incident_state()` reads it from the database; `cleaned_state()` builds the same shape from
validated input, so a diff of the two says exactly what a write changes.
"""

import datetime as dt
import json
from typing import Any

import orjson

from peaceops.incidents.models import Incident
from peaceops.incidents.validation import DERIVED_FIELDS, LIST_FIELDS, SCALAR_FIELDS

STATE_FIELDS = SCALAR_FIELDS + DERIVED_FIELDS


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def cleaned_state(cleaned: dict[str, Any]) -> dict[str, Any]:
    state = {field: _json_value(cleaned[field]) for field in STATE_FIELDS}
    for field in LIST_FIELDS:
        state[field] = [{k: _json_value(v) for k, v in row.items()} for row in cleaned[field]]
    return state


_STATE_KEYS = frozenset(STATE_FIELDS + LIST_FIELDS)


def _json_default(value: Any) -> Any:
    converted = _json_value(value)
    return str(value) if converted is value else converted


# The text of a state as digests take it: keys sorted, compact, UTF-8, dates as `_json_value`
# writes them (the encoder hands them to `_json_default`), unknown types as their str().
_STATE_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def state_json(state: dict[str, Any]) -> bytes:
    return orjson.dumps(state, default=_json_default, option=_STATE_OPTIONS)


# Validation gives times in UTC (`dt.UTC`), which orjson itself writes as `_json_value` does
# ("...Z", microseconds when there are any), and dates as ISO text: no call back per value.
_UTC_STATE_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def _in_utc(value: Any) -> bool:
    return value is None or (isinstance(value, dt.datetime) and value.tzinfo is dt.UTC)


def cleaned_state_json(cleaned: dict[str, Any]) -> bytes:
    """`state_json(cleaned_state(cleaned))` without building the state: the encoder writes
    the few dates itself (the import digests every row; building its state was the largest
    part of that). Only for a cleaned dict with exactly the state's keys, as validation
    returns it; anything else takes the long way, and times not in UTC go through
    `_json_value`."""
    if cleaned.keys() != _STATE_KEYS:
        return state_json(cleaned_state(cleaned))
    if _in_utc(cleaned["started_at"]) and _in_utc(cleaned["ended_at"]):
        return orjson.dumps(cleaned, default=_json_default, option=_UTC_STATE_OPTIONS)
    return state_json(cleaned)


# Until the third session digests were taken of the standard library's text of the state
# (", " and ": " between items). Kept to recognise content digests stored then, so that the
# first import after the upgrade finds those rows unchanged without reading them back
# (importers/engine.py); it can go once no database holds such digests.
_LEGACY_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_json_default)


def legacy_cleaned_state_json(cleaned: dict[str, Any]) -> str:
    state = cleaned if cleaned.keys() == _STATE_KEYS else cleaned_state(cleaned)
    return _LEGACY_JSON.encode(state)


def incident_state(incident: Incident) -> dict[str, Any]:
    state = {field: _json_value(getattr(incident, field)) for field in STATE_FIELDS}
    state["casualties"] = sorted(
        (
            {
                "category": c.category,
                "outcome": c.outcome,
                "low": c.low,
                "best": c.best,
                "high": c.high,
            }
            for c in incident.casualties.all()
        ),
        key=lambda r: (r["outcome"], r["category"]),
    )
    state["sources"] = [
        {
            "name": s.name,
            "reference": s.reference,
            "published_on": _json_value(s.published_on),
            "reliability": s.reliability,
            "credibility": s.credibility,
            "excerpt": s.excerpt,
        }
        for s in sorted(incident.sources.all(), key=lambda s: (s.position, s.pk))
    ]
    state["actors"] = [
        {
            "name": link.actor.name,
            "side": link.side,
            "kind": link.actor.kind,
            "external_source": link.actor.external_source,
            "external_id": link.actor.external_id,
        }
        for link in sorted(incident.actor_links.all(), key=lambda link: link.pk)
    ]
    return state


def state_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [previous, new]} for each field that differs."""
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }


def state_before(after: dict[str, Any], changes: dict[str, list[Any]]) -> dict[str, Any]:
    """Undo one revision's changes: the state as it was before that revision."""
    previous = dict(after)
    for field, (old, _new) in changes.items():
        previous[field] = old
    return previous
