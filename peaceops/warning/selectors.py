"""The only code that reads alerts, rules and metrics for users: everything starts from the
access policy (core.access.restrict), so the board, the API, the map layer and the metrics
count the same alerts."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict
from peaceops.core.errors import NotFound, ValidationFailed
from peaceops.core.pagination import Page, keyset_page
from peaceops.incidents.selectors import incident_queryset
from peaceops.warning.models import (
    OPEN_STATUSES,
    Alert,
    AlertEvent,
    AlertStatus,
    Response,
    Rule,
)
from peaceops.warning.rule_kinds import Firing


@dataclass(frozen=True)
class AlertFilters:
    mission: str | None = None  # acronym
    status: str | None = None
    severity: str | None = None
    source: str | None = None
    threat_type: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    open_only: bool = False


def alert_queryset(*, user: User) -> QuerySet[Alert]:
    return restrict(Alert.objects.all(), access_scope_for_user(user))


def alert_list(*, user: User, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    queryset = alert_queryset(user=user).select_related("mission")
    filters = filters or AlertFilters()
    if filters.mission:
        queryset = queryset.filter(mission__acronym=filters.mission)
    if filters.status:
        if filters.status not in AlertStatus.values:
            raise ValidationFailed({"status": [_("Unknown status.")]})
        queryset = queryset.filter(status=filters.status)
    if filters.open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    for field_name, value in (
        ("severity", filters.severity),
        ("source", filters.source),
        ("threat_type", filters.threat_type),
    ):
        if value:
            queryset = queryset.filter(**{field_name: value})
    if filters.received_from:
        queryset = queryset.filter(received_at__date__gte=filters.received_from)
    if filters.received_to:
        queryset = queryset.filter(received_at__date__lte=filters.received_to)
    return queryset


def alert_page(
    *, user: User, filters: AlertFilters | None, cursor: str | None, limit: int
) -> Page[Alert]:
    return keyset_page(
        alert_list(user=user, filters=filters), time_field="received_at", cursor=cursor, limit=limit
    )


def alert_get(*, user: User, pk: int) -> Alert:
    """One visible alert with its timeline, responses and the incidents the user may see."""
    alert = (
        alert_queryset(user=user)
        .select_related("mission", "rule", "area", "created_by", "message")
        .prefetch_related(
            Prefetch("events", queryset=AlertEvent.objects.select_related("actor")),
            Prefetch("responses", queryset=Response.objects.select_related("created_by")),
            Prefetch("incidents", queryset=incident_queryset(user=user).order_by("-started_at")),
        )
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise NotFound()
    return alert


BOARD_COLUMNS: tuple[str, ...] = tuple(AlertStatus.values)


def alert_board(
    *, user: User, filters: AlertFilters | None = None, per_column: int = 50
) -> dict[str, tuple[list[Alert], int]]:
    """Alerts by status column: the newest `per_column` of each, and how many there are."""
    queryset = alert_list(user=user, filters=filters)
    counts = defaultdict(int)
    for status, count in _status_counts(queryset):
        counts[status] = count
    board: dict[str, tuple[list[Alert], int]] = {}
    for status in BOARD_COLUMNS:
        items = list(
            queryset.filter(status=status).order_by("-received_at", "-id")[:per_column]
            if counts[status]
            else []
        )
        board[status] = (items, counts[status])
    return board


def _status_counts(queryset: QuerySet[Alert]) -> list[tuple[str, int]]:
    return list(
        queryset.order_by()
        .values_list("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )


def rule_list(*, user: User, mission: str | None = None) -> QuerySet[Rule]:
    queryset = restrict(Rule.objects.select_related("mission"), access_scope_for_user(user))
    if mission:
        queryset = queryset.filter(mission__acronym=mission)
    return queryset.order_by("mission__acronym", "name")


def rule_get(*, user: User, pk: int) -> Rule:
    rule = rule_list(user=user).filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    return rule


@dataclass
class MonthMetrics:
    """The figures leadership reports upward, for one mission and month."""

    month: date
    received: int = 0
    acknowledged: int = 0
    responded: int = 0  # alerts with at least one recorded response
    false_alarms: int = 0
    duplicates: int = 0
    open: int = 0
    median_minutes_to_acknowledge: float | None = None
    median_minutes_to_respond: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def genuine(self) -> int:
        """Alerts that were not false alarms or duplicates."""
        return self.received - self.false_alarms - self.duplicates

    @property
    def share_responded(self) -> float | None:
        return round(self.responded / self.genuine, 3) if self.genuine else None


def _minutes(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else max((later - earlier).total_seconds() / 60, 0.0)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def alert_metrics(
    *,
    user: User,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[MonthMetrics]:
    """Per month of receipt: alerts received, time to acknowledge and to first response
    (medians, minutes), share responded (of alerts that were not false alarms or
    duplicates), and response outcomes. Months with no alerts are listed too."""
    filters = AlertFilters(mission=mission, received_from=date_from, received_to=date_to)
    rows = list(
        alert_list(user=user, filters=filters).values_list(
            "pk", "received_at", "acknowledged_at", "first_response_at", "status"
        )
    )
    outcomes: dict[int, list[str]] = defaultdict(list)
    alert_ids = [row[0] for row in rows]
    for start in range(0, len(alert_ids), 900):  # stay under SQLite's parameter limit
        for alert_id, outcome in Response.objects.filter(
            alert_id__in=alert_ids[start : start + 900]
        ).values_list("alert_id", "outcome"):
            outcomes[alert_id].append(outcome)
    months: dict[date, MonthMetrics] = {}
    to_ack: dict[date, list[float]] = defaultdict(list)
    to_respond: dict[date, list[float]] = defaultdict(list)
    for pk, received, acknowledged, responded, status in rows:
        month = date(received.year, received.month, 1)  # months in UTC
        metrics = months.setdefault(month, MonthMetrics(month=month))
        metrics.received += 1
        if acknowledged is not None:
            metrics.acknowledged += 1
            to_ack[month].append(_minutes(acknowledged, received))
        if responded is not None:
            metrics.responded += 1
            to_respond[month].append(_minutes(responded, received))
        metrics.false_alarms += status == AlertStatus.FALSE_ALARM
        metrics.duplicates += status == AlertStatus.DUPLICATE
        metrics.open += status in OPEN_STATUSES
        for outcome in outcomes.get(pk, []):
            metrics.outcomes[outcome] = metrics.outcomes.get(outcome, 0) + 1
    for month, metrics in months.items():
        metrics.median_minutes_to_acknowledge = _median(to_ack[month])
        metrics.median_minutes_to_respond = _median(to_respond[month])
    if not months:
        return []
    first, last = min(months), max(months)
    result, cursor = [], first
    while cursor <= last:
        result.append(months.get(cursor) or MonthMetrics(month=cursor))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return result


def visible_firings(*, user: User, rule: Rule, firings: list[Firing]) -> list[Firing]:
    """Firings whose incidents the user may see (a preview must not reveal the others)."""
    scope = access_scope_for_user(user)
    return [f for f in firings if scope.can_see(rule.mission_id, f.classification)]
