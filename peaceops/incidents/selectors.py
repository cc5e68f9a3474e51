"""The only code that reads incidents for users. Everything starts from `incident_queryset`,
which applies the access policy, so pages, API, exports, counts and aggregates agree."""

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db.models import Count, DateTimeField, F, Func, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict
from peaceops.core.errors import NotFound
from peaceops.core.pagination import Page, keyset_page
from peaceops.core.periods import month_start, week_start
from peaceops.core.roles import Action
from peaceops.incidents.models import (
    Incident,
    IncidentActor,
    IncidentDayCount,
    IncidentRevision,
    VerificationStatus,
)


@dataclass(frozen=True)
class IncidentFilters:
    mission: str | None = None  # acronym
    country: str | None = None  # ISO alpha-3
    admin1: str | None = None
    incident_type: str | None = None
    subtype: str | None = None
    verification_status: str | None = None
    classification: str | None = None
    started_from: dt.date | None = None
    started_to: dt.date | None = None  # inclusive
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    text: str | None = None
    source: str | None = None  # external_source; FIELD_SOURCE for reports made in peaceops


# The `source` filter value for incidents reported in peaceops (external_source == "").
FIELD_SOURCE = "field"


def incident_queryset(*, user: User) -> QuerySet[Incident]:
    """Every incident the user may see. The single gate for reads."""
    return restrict(Incident.objects.all(), access_scope_for_user(user))


def _filtered(queryset: QuerySet[Incident], filters: IncidentFilters) -> QuerySet[Incident]:
    if filters.mission:
        queryset = queryset.filter(mission__acronym__iexact=filters.mission)
    if filters.country:
        queryset = queryset.filter(country_code=filters.country.upper())
    if filters.admin1:
        queryset = queryset.filter(admin1=filters.admin1)
    if filters.incident_type:
        queryset = queryset.filter(incident_type=filters.incident_type)
    if filters.subtype:
        queryset = queryset.filter(subtype=filters.subtype)
    if filters.verification_status:
        queryset = queryset.filter(verification_status=filters.verification_status)
    if filters.classification:
        queryset = queryset.filter(classification=filters.classification)
    if filters.started_from:
        start = dt.datetime.combine(filters.started_from, dt.time.min, tzinfo=dt.UTC)
        queryset = queryset.filter(started_at__gte=start)
    if filters.started_to:
        end = dt.datetime.combine(
            filters.started_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
        )
        queryset = queryset.filter(started_at__lt=end)
    if filters.bbox:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        queryset = queryset.filter(latitude__gte=min_lat, latitude__lte=max_lat)
        if min_lon <= max_lon:
            queryset = queryset.filter(longitude__gte=min_lon, longitude__lte=max_lon)
        else:  # the box crosses the antimeridian
            queryset = queryset.filter(Q(longitude__gte=min_lon) | Q(longitude__lte=max_lon))
    if filters.source:
        source = "" if filters.source == FIELD_SOURCE else filters.source
        queryset = queryset.filter(external_source=source)
    if filters.text:
        for word in filters.text.split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(narrative__icontains=word)
                | Q(location_name__icontains=word)
            )
    return queryset


def incident_list(*, user: User, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    return _filtered(incident_queryset(user=user), filters or IncidentFilters())


def incident_sources(*, user: User) -> list[str]:
    """The sources of the incidents the user may see, as `source` filter values, sorted
    (FIELD_SOURCE for those reported in peaceops)."""
    values = incident_list(user=user).order_by().values_list("external_source", flat=True)
    return sorted({value or FIELD_SOURCE for value in values.distinct()})


def incident_page(
    *, user: User, filters: IncidentFilters, cursor: str | None, limit: int
) -> Page[Incident]:
    queryset = incident_list(user=user, filters=filters).select_related("mission")
    return keyset_page(queryset, time_field="started_at", cursor=cursor, limit=limit)


def incident_count(*, user: User, filters: IncidentFilters | None = None) -> int:
    return incident_list(user=user, filters=filters).count()


def incident_get(*, user: User, pk: int) -> Incident:
    """One incident with its details, or NotFound when it does not exist or is not visible."""
    incident = (
        incident_queryset(user=user)
        .select_related("mission", "created_by", "reviewed_by")
        .prefetch_related(
            "casualties",
            "sources",
            Prefetch("actor_links", queryset=IncidentActor.objects.select_related("actor")),
        )
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise NotFound()
    return incident


def incident_revisions(*, user: User, incident: Incident) -> QuerySet[IncidentRevision]:
    # Re-check visibility so a caller cannot pass in an incident fetched some other way.
    visible = incident_queryset(user=user).filter(pk=incident.pk)
    return (
        IncidentRevision.objects.filter(incident__in=visible)
        .select_related("actor")
        .order_by("version")
    )


GROUPINGS = ("month", "week", "type", "country", "admin1", "priogrid", "mission")

# What the daily summary can answer: these groupings, under filters on these fields only.
_SUMMARY_GROUPINGS = frozenset({"month", "week", "type", "country", "mission"})
_SUMMARY_FILTERS = frozenset(
    {"mission", "country", "incident_type", "classification", "started_from", "started_to"}
)
_GROUP_FIELDS = {
    "type": "incident_type",
    "country": "country_code",
    "priogrid": "priogrid_gid",
    "mission": "mission__acronym",
}


def _group_key(group_by: str, time_field: Any) -> Any:
    if group_by == "month":
        return month_start(time_field)
    if group_by == "week":
        return week_start(time_field)
    if group_by == "admin1":
        # Admin-1 names repeat across countries, so the key is "CAF/Ouaka".
        return Concat("country_code", Value("/"), "admin1")
    return F(_GROUP_FIELDS[group_by])


class _MidnightUTC(Func):
    """A date as the timestamp of its midnight in UTC, so that the month and week of a summary
    day are computed as those of `started_at` (SQLite's date functions take the date text)."""

    output_field = DateTimeField()
    template = "%(expressions)s"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')")


def _summary_answers(group_by: str, filters: IncidentFilters) -> bool:
    return group_by in _SUMMARY_GROUPINGS and not any(
        getattr(filters, f.name) for f in fields(filters) if f.name not in _SUMMARY_FILTERS
    )


def _summary_rows(*, user: User, group_by: str, filters: IncidentFilters) -> QuerySet[Any]:
    """The same groups from the daily summary, under the same access policy: its rows carry
    the mission and the classification of the incidents they count."""
    queryset = restrict(
        IncidentDayCount.objects.filter(incidents__gt=0), access_scope_for_user(user)
    )
    # Mission, country, type and classification have the same names as on incidents.
    without_dates = replace(filters, started_from=None, started_to=None)
    queryset = _filtered(queryset, without_dates)  # type: ignore[arg-type]
    if filters.started_from:
        queryset = queryset.filter(day__gte=filters.started_from)
    if filters.started_to:
        queryset = queryset.filter(day__lte=filters.started_to)
    return (
        queryset.annotate(key=_group_key(group_by, _MidnightUTC("day")))
        .values("key")
        .annotate(count=Sum("incidents"), dead=Sum("fatalities"))
    )


def incident_aggregate(
    *, user: User, group_by: str, filters: IncidentFilters | None = None
) -> list[dict[str, Any]]:
    """Counts and fatalities per group: [{"key": ..., "incidents": n, "fatalities": n}].
    Read from the daily summary when it can answer (see `_summary_answers`), else from the
    incidents themselves (`incident_aggregate_scan`); both give the same groups."""
    filters = filters or IncidentFilters()
    if not _summary_answers(group_by, filters):
        return incident_aggregate_scan(user=user, group_by=group_by, filters=filters)
    return _aggregate_result(_summary_rows(user=user, group_by=group_by, filters=filters))


def incident_aggregate_scan(
    *, user: User, group_by: str, filters: IncidentFilters | None = None
) -> list[dict[str, Any]]:
    """`incident_aggregate` computed from the incidents (every grouping and filter)."""
    rows = (
        incident_list(user=user, filters=filters)
        .order_by()
        .annotate(key=_group_key(group_by, "started_at"))
        .values("key")
        .annotate(count=Count("pk"), dead=Sum("fatalities"))
    )
    return _aggregate_result(rows)


def _aggregate_result(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    result = []
    for row in rows.order_by("key"):
        key = row["key"]
        if isinstance(key, dt.datetime):
            key = key.date()
        if isinstance(key, dt.date):
            key = key.isoformat()
        result.append({"key": key, "incidents": row["count"], "fatalities": row["dead"] or 0})
    return result


def incident_editable_by(*, user: User, incident: Incident) -> bool:
    """Whether `user` may change `incident` (the rule the update service enforces): analysts,
    verifiers and administrators any incident; a reporter their own until review starts."""
    scope = access_scope_for_user(user)
    if scope.allows(Action.INCIDENT_EDIT_ANY, incident.mission_id):
        return True
    return (
        scope.allows(Action.INCIDENT_EDIT_OWN, incident.mission_id)
        and incident.created_by_id == user.pk
        and incident.verification_status == VerificationStatus.REPORTED
    )
