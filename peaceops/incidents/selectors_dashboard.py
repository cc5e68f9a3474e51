"""Reads for the mission dashboard and the triage list. Like `selectors.py`, every query
starts from `incident_queryset` / `incident_list`, so the access policy applies: a figure
never counts an incident the user could not open.

(Kept apart from `selectors.py` while other work appends to that module; the two may merge.)
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.pagination import Page, keyset_page
from peaceops.core.periods import month_start
from peaceops.core.roles import PERMISSIONS, Action
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.models import Casualty, Incident, VerificationStatus
from peaceops.incidents.selectors import IncidentFilters, incident_list, incident_queryset
from peaceops.incidents.selectors_map import cached_read
from peaceops.missions.models import Mission

DASHBOARD_MONTHS = 24
TOP_AREAS = 10


@dataclass(frozen=True)
class Cell:
    incidents: int = 0
    fatalities: int = 0


@dataclass(frozen=True)
class PeacekeeperMonth:
    month: dt.date
    hostile_acts: int
    restrictions: int
    killed: int
    injured: int


@dataclass(frozen=True)
class AreaRow:
    country_code: str
    admin1: str
    incidents: int
    fatalities: int


@dataclass(frozen=True)
class MissionDashboard:
    mission: Mission
    months: list[dt.date]  # first day of each month, oldest first
    period_start: dt.date
    period_end: dt.date  # inclusive (last day of the current month)
    types: list[str]  # types with at least one incident in the period, taxonomy order
    by_month_type: dict[tuple[dt.date, str], Cell]
    peacekeepers: list[PeacekeeperMonth]
    top_areas: list[AreaRow]
    status_counts: dict[str, int]  # every status, all time
    oldest_unreviewed: dt.datetime | None  # when the oldest still-`reported` one was recorded
    total: int  # every visible incident of the mission, all time
    latest: dt.datetime | None  # the start of the most recent visible incident
    month_totals: dict[dt.date, Cell] = field(default_factory=dict)
    type_totals: dict[str, Cell] = field(default_factory=dict)

    @property
    def period_incidents(self) -> int:
        return sum(cell.incidents for cell in self.month_totals.values())

    @property
    def period_fatalities(self) -> int:
        return sum(cell.fatalities for cell in self.month_totals.values())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def dashboard_months(today: dt.date, count: int = DASHBOARD_MONTHS) -> list[dt.date]:
    """The first days of the `count` months ending with today's month, oldest first."""
    current = today.replace(day=1)
    return [_add_months(current, offset) for offset in range(-count + 1, 1)]


def _as_month(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def mission_dashboard(
    *, user: User, mission: Mission, until: dt.date | None = None
) -> MissionDashboard:
    """Every figure of the mission dashboard for `user`, for the 24 months that end with the
    month of `until` (default: this month). Kept until an incident changes: one query for the
    data version, then, when it changed, five: the period by month, type and area, the
    peacekeepers' casualties, the status counts, the latest incident, the oldest waiting
    report."""
    months = dashboard_months(until or dt.datetime.now(dt.UTC).date())
    data = cached_read(
        user=user,
        name="mission-dashboard",
        params=(mission.pk, months[-1]),
        compute=lambda: _mission_dashboard(user=user, mission=mission, months=months),
    )
    return replace(data, mission=mission)


def _mission_dashboard(*, user: User, mission: Mission, months: list[dt.date]) -> MissionDashboard:
    start = dt.datetime.combine(months[0], dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(_add_months(months[-1], 1), dt.time.min, tzinfo=dt.UTC)
    visible = incident_queryset(user=user).filter(mission=mission).order_by()
    in_period = visible.filter(started_at__gte=start, started_at__lt=end)
    by_month = in_period.annotate(month=month_start("started_at"))

    # One pass over the period's incidents for the months and types and for the top areas:
    # grouped by both, then added up here (a few thousand groups at most).
    by_month_type: dict[tuple[dt.date, str], Cell] = {}
    by_area: dict[tuple[str, str], Cell] = {}
    for row in by_month.values("month", "incident_type", "country_code", "admin1").annotate(
        incidents=Count("pk"), fatalities=Sum("fatalities")
    ):
        for totals, key in (
            (by_month_type, (_as_month(row["month"]), row["incident_type"])),
            (by_area, (row["country_code"], row["admin1"]) if row["admin1"] else None),
        ):
            if key is not None:
                cell = totals.get(key, Cell())
                totals[key] = Cell(
                    cell.incidents + row["incidents"], cell.fatalities + (row["fatalities"] or 0)
                )
    present = {type_ for _month, type_ in by_month_type}
    types = [type_ for type_ in IncidentType.values if type_ in present]
    month_totals = {
        month: Cell(
            sum(by_month_type.get((month, t), Cell()).incidents for t in types),
            sum(by_month_type.get((month, t), Cell()).fatalities for t in types),
        )
        for month in months
    }
    type_totals = {
        t: Cell(
            sum(by_month_type.get((m, t), Cell()).incidents for m in months),
            sum(by_month_type.get((m, t), Cell()).fatalities for m in months),
        )
        for t in types
    }

    casualties: dict[tuple[dt.date, str], int] = {}
    for row in (
        Casualty.objects.filter(
            incident__in=in_period.values("pk"), category=Casualty.Category.PEACEKEEPERS
        )
        .annotate(month=month_start("incident__started_at"))
        .values("month", "outcome")
        .annotate(total=Sum("best"))
        .order_by()
    ):
        casualties[(_as_month(row["month"]), row["outcome"])] = row["total"] or 0
    peacekeepers = [
        PeacekeeperMonth(
            month=month,
            hostile_acts=by_month_type.get(
                (month, IncidentType.HOSTILE_ACT_PEACEKEEPERS), Cell()
            ).incidents,
            restrictions=by_month_type.get(
                (month, IncidentType.RESTRICTION_OF_MOVEMENT), Cell()
            ).incidents,
            killed=casualties.get((month, Casualty.Outcome.KILLED), 0),
            injured=casualties.get((month, Casualty.Outcome.INJURED), 0),
        )
        for month in months
    ]

    ranked = sorted(
        by_area.items(),
        key=lambda item: (-item[1].incidents, -item[1].fatalities, item[0][1], item[0][0]),
    )
    top_areas = [
        AreaRow(country, admin1, cell.incidents, cell.fatalities)
        for (country, admin1), cell in ranked[:TOP_AREAS]
    ]

    status_counts = dict.fromkeys(VerificationStatus.values, 0)
    for row in visible.values("verification_status").annotate(n=Count("pk")):
        status_counts[row["verification_status"]] = row["n"]
    # Two indexed look-ups rather than one aggregate over every row of the mission.
    latest = visible.order_by("-started_at").values_list("started_at", flat=True).first()
    oldest = (
        visible.filter(verification_status=VerificationStatus.REPORTED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )

    return MissionDashboard(
        mission=mission,
        months=months,
        period_start=months[0],
        period_end=_add_months(months[-1], 1) - dt.timedelta(days=1),
        types=types,
        by_month_type=by_month_type,
        peacekeepers=peacekeepers,
        top_areas=top_areas,
        status_counts=status_counts,
        oldest_unreviewed=oldest,
        total=sum(status_counts.values()),
        latest=latest,
        month_totals=month_totals,
        type_totals=type_totals,
    )


# --- the triage list ---------------------------------------------------------------------

_STATUS_ORDER = Case(
    *(When(verification_status=s, then=Value(i)) for i, s in enumerate(VerificationStatus.values)),
    default=Value(len(VerificationStatus.values)),
    output_field=IntegerField(),
)
# sort name -> ordering. "newest" pages by keyset (cursor); the others by OFFSET (page
# number): they stay correct for any ordering, at the cost of deeper pages reading more rows
# and of rows shifting between pages when incidents arrive while someone pages through.
SORTS: dict[str, tuple] = {
    "newest": ("-started_at", "-pk"),
    "oldest": ("started_at", "pk"),
    "fatalities": ("-fatalities", "-started_at", "-pk"),
    "status": (_STATUS_ORDER, "-started_at", "-pk"),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class ListPage:
    items: list[Incident]
    next_cursor: str | None = None  # "newest" only
    page: int = 1  # the other sorts
    has_next: bool = False


def incident_triage_page(
    *,
    user: User,
    filters: IncidentFilters,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    page: int = 1,
    limit: int = 50,
) -> ListPage:
    """A page of the incident list in the chosen order (`SORTS`)."""
    queryset: QuerySet[Incident] = incident_list(user=user, filters=filters).select_related(
        "mission", "assigned_to"
    )
    if sort not in SORTS or sort == DEFAULT_SORT:
        keyset: Page[Incident] = keyset_page(
            queryset, time_field="started_at", cursor=cursor, limit=limit
        )
        return ListPage(items=keyset.items, next_cursor=keyset.next_cursor)
    page = max(page, 1)
    offset = (page - 1) * limit
    rows = list(queryset.order_by(*SORTS[sort])[offset : offset + limit + 1])
    return ListPage(items=rows[:limit], page=page, has_next=len(rows) > limit)


def reviewable_mission_ids(*, user: User) -> set[int] | None:
    """Missions where the user may review (None: every mission, for a global grant)."""
    ids: set[int] = set()
    for grant in access_scope_for_user(user).grants:
        if Action.INCIDENT_REVIEW not in PERMISSIONS[grant.role]:
            continue
        if grant.mission_id is None:
            return None
        ids.add(grant.mission_id)
    return ids


def assignee_choices(*, user: User, mission_ids: set[int] | None = None) -> QuerySet[User]:
    """People the user may assign incidents to: active members of the missions where the user
    may review (narrowed to `mission_ids` when given). The service re-checks each incident."""
    allowed = reviewable_mission_ids(user=user)
    if mission_ids is not None:
        allowed = set(mission_ids) if allowed is None else allowed & set(mission_ids)
    if allowed is None:
        members = User.objects.filter(is_active=True, memberships__mission__isnull=False)
    else:
        members = User.objects.filter(is_active=True, memberships__mission_id__in=allowed)
    return members.distinct().order_by("username")
