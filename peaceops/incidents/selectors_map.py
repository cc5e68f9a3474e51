"""Map reads: the compact point rows behind the map (through the same access gate as the
incident list)."""

from peaceops.accounts.models import User
from peaceops.core.periods import UTCDayText
from peaceops.incidents.selectors import IncidentFilters, incident_list


def incident_map_points(
    *, user: User, filters: IncidentFilters | None, limit: int
) -> tuple[list[tuple[int, float, float, str, int, str]], bool]:
    """The newest `limit` visible incidents that have a point, as compact rows
    (id, latitude, longitude, type, fatalities, "YYYY-MM-DD" start date in UTC) read in one
    query, and whether more matched (truncated)."""
    queryset = (
        incident_list(user=user, filters=filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-started_at", "-id")
        .annotate(started_day=UTCDayText("started_at"))
        .values_list("pk", "latitude", "longitude", "incident_type", "fatalities", "started_day")
    )
    rows = list(queryset[: limit + 1])
    truncated = len(rows) > limit
    return rows[:limit], truncated
