"""Map reads: the compact point rows behind the map and the map's counts, through the same
access gate as the incident list, and the read-through cache they and the dashboard share.

The cache (see ADR 0014) keeps an answer with the *data version* it was computed at: the id
and time of the newest `IncidentRevision`. Every write to an incident appends one (the
services and the import engine alike), so a cached answer is used only while no incident
has been created, changed or imported since. The key also holds what decides visibility
(the user's clearances per mission), so users with the same access share entries and
nobody gets a figure computed for someone who may see more.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import CharField, Count, F, Subquery, Sum, Value
from django.db.models.functions import Cast, Concat

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.periods import UTCDayText
from peaceops.incidents.models import IncidentRevision
from peaceops.incidents.selectors import IncidentFilters, incident_list

T = TypeVar("T")

# How long an entry lives at most. The data version makes entries exact except in one case:
# on PostgreSQL, a write that commits after a later-numbered one does not move the version;
# this bounds how long such a change may be missing from a cached figure.
CACHE_SECONDS = 120
# Smaller point sets are quicker to read than to keep: they are not cached.
CACHE_MIN_POINTS = 2_000
# The counts the map draws: the month slider, the PRIO-GRID heat view, the admin-1 panel.
MAP_GROUPINGS = ("month", "priogrid", "admin1")

PointRow = tuple[int, float, float, str, int, str]


def _newest_revision() -> Any:
    """The data version as one text value, "<id>@<time>", computed by the database."""
    return (
        IncidentRevision.objects.order_by("-pk")
        .annotate(tag=Concat(Cast("pk", CharField()), Value("@"), Cast("created_at", CharField())))
        .values("tag")[:1]
    )


def incident_data_version() -> str:
    """Changes whenever an incident is created, changed or imported. One look-up on the
    primary key of the revisions."""
    return _newest_revision().values_list("tag", flat=True).first() or ""


def cache_key(*, user: User, name: str, params: Any) -> str:
    """A key for `name` with these parameters, as seen with the user's access."""
    scope = access_scope_for_user(user)
    access = (scope.global_clearance, sorted(scope.mission_clearances().items()))
    digest = hashlib.sha256(repr((name, access, params)).encode()).hexdigest()
    return f"peaceops:read:{name}:{digest}"


def cached_read(*, user: User, name: str, params: Any, compute: Callable[[], T]) -> T:
    """`compute()`, or its answer kept from an earlier call at the current data version."""
    key = cache_key(user=user, name=name, params=params)
    version = incident_data_version()
    entry = cache.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    cache.set(key, (version, value), CACHE_SECONDS)
    return value


def incident_map_points(
    *, user: User, filters: IncidentFilters | None, limit: int
) -> tuple[list[PointRow], bool, str]:
    """The newest `limit` visible incidents that have a point, as compact rows
    (id, latitude, longitude, type, fatalities, "YYYY-MM-DD" start date in UTC), whether
    more matched (truncated), and the data version they were read at: one query."""
    queryset = (
        incident_list(user=user, filters=filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-started_at", "-id")
        .annotate(started_day=UTCDayText("started_at"), data_version=Subquery(_newest_revision()))
        .values_list(
            "pk",
            "latitude",
            "longitude",
            "incident_type",
            "fatalities",
            "started_day",
            "data_version",
        )
    )
    rows = list(queryset[: limit + 1])
    version = rows[0][6] if rows else ""
    truncated = len(rows) > limit
    return [row[:6] for row in rows[:limit]], truncated, version


def cached_map_points(
    *, user: User, filters: IncidentFilters | None, limit: int, render: Callable[..., T]
) -> T:
    """`render(rows, truncated)` for the map points, kept while the data version holds.
    One query either way: the version (kept answer), or the points with their version."""
    key = cache_key(user=user, name="map-points", params=(filters, limit))
    entry = cache.get(key)
    if entry is not None and entry[0] == incident_data_version():
        return entry[1]
    rows, truncated, version = incident_map_points(user=user, filters=filters, limit=limit)
    value = render(rows, truncated)
    if len(rows) >= CACHE_MIN_POINTS:
        cache.set(key, (version, value), CACHE_SECONDS)
    return value


def map_heat_cells(*, user: User, filters: IncidentFilters | None) -> list[dict[str, Any]]:
    """Incidents and fatalities per PRIO-GRID cell (the heat view), as `incident_aggregate`
    gives them: [{"key": gid, "incidents": n, "fatalities": n}], by cell, without the
    incidents that have no point (no cell).

    Grouped on `priogrid_gid + 0` rather than the column: given the column, SQLite walks the
    whole table in cell order through `incident_priogrid` (0.3 to 0.6 s at 200,000 rows)
    instead of only the rows the filters select through the time indexes (0.17 s).
    PostgreSQL plans both the same way."""
    rows = (
        incident_list(user=user, filters=filters)
        .filter(priogrid_gid__isnull=False)
        .annotate(cell=F("priogrid_gid") + Value(0))
        .values("cell")
        .annotate(incidents=Count("pk"), fatalities=Sum("fatalities"))
        .order_by("cell")
    )
    return [
        {"key": row["cell"], "incidents": row["incidents"], "fatalities": row["fatalities"] or 0}
        for row in rows
    ]
