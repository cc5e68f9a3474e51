"""The daily summary of incidents (IncidentDayCount), kept in step with every write.

Each incident counts once in the row of its (mission, classification, country, type, UTC day
of `started_at`), with its fatalities. The import engine adds a batch's new incidents in one
statement; the services add a created incident and move an updated one from its old row to
its new one, in the same transaction as the write. Counts change by signed deltas through
`INSERT ... ON CONFLICT DO UPDATE`, which both databases apply atomically, so concurrent
writers never lose an update. A row whose count drops to zero stays; readers skip it.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection

from peaceops.core.bound_cursor import bound_cursor
from peaceops.incidents.models import Incident, IncidentDayCount

# (mission id, classification, country code, incident type, UTC day)
SummaryKey = tuple[int, str, str, str, dt.date]


def summary_key(mission_id: int, values: Mapping[str, Any]) -> SummaryKey:
    """The summary row of an incident with these (cleaned) values."""
    return (
        mission_id,
        values["classification"],
        values["country_code"],
        values["incident_type"],
        values["started_at"].astimezone(dt.UTC).date(),
    )


def summary_add(deltas: Iterable[tuple[SummaryKey, int, int]]) -> None:
    """Apply (key, incidents, fatalities) deltas, summed per key first."""
    incidents: Counter[SummaryKey] = Counter()
    fatalities: Counter[SummaryKey] = Counter()
    for key, count, dead in deltas:
        incidents[key] += count
        fatalities[key] += dead
    # In key order, so that two writers lock the rows they share in the same order.
    rows = sorted(
        (*key, incidents[key], fatalities[key])
        for key in incidents
        if incidents[key] or fatalities[key]
    )
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(IncidentDayCount._meta.db_table)
    keys = ("mission_id", "classification", "country_code", "incident_type", "day")
    names = ", ".join(ops.quote_name(c) for c in (*keys, "incidents", "fatalities"))
    conflict = (
        f"ON CONFLICT ({', '.join(ops.quote_name(c) for c in keys)}) DO UPDATE SET "
        f"incidents = {table}.incidents + excluded.incidents, "
        f"fatalities = {table}.fatalities + excluded.fatalities"
    )
    if connection.vendor == "postgresql":
        # One statement for all rows, as arrays: an import batch of 10,000 resampled GED
        # events touches some 7,600 rows, and one upsert each cost the client and the
        # server about 30 µs an event between them. The arrays go as parameters, not quoted
        # into the text (bound_cursor).
        with bound_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest(%b::bigint[], "
                "%b::varchar[], %b::varchar[], %b::varchar[], %b::date[], %b::integer[], "
                f"%b::integer[]) {conflict}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        return
    with connection.cursor() as cursor:
        rows = [(*row[:4], ops.adapt_datefield_value(row[4]), *row[5:]) for row in rows]
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s, %s, %s, %s) {conflict}", rows
        )


_KEY_FIELDS = ("classification", "country_code", "incident_type", "started_at")


def summary_snapshot(incident: Incident) -> tuple[SummaryKey, int]:
    """Where a stored incident counts: its summary key and its fatalities."""
    values = {field: getattr(incident, field) for field in _KEY_FIELDS}
    return summary_key(incident.mission_id, values), incident.fatalities


def summary_created(incident: Incident) -> None:
    """Count one new incident."""
    key, fatalities = summary_snapshot(incident)
    summary_add([(key, 1, fatalities)])


def summary_moved(before: tuple[SummaryKey, int], incident: Incident) -> None:
    """Move an updated incident from where it counted (`before`, a `summary_snapshot` taken
    before the change) to where it counts now."""
    after = summary_snapshot(incident)
    if after != before:
        summary_add([(before[0], -1, -before[1]), (after[0], 1, after[1])])
