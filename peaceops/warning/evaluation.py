"""When rules run: for one incident right after it is saved (only the rules of its mission
and type, narrowed to its own admin-1 area, cell or nearby sites), and on a schedule over
everything (the worker's `warning-rules` job, every PEACEOPS_RULES_INTERVAL_MINUTES).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from peaceops.incidents.models import Incident, VerificationStatus
from peaceops.warning.models import Rule, SchedulerState
from peaceops.warning.rule_kinds import KINDS, Firing
from peaceops.warning.rule_params import parse_params
from peaceops.warning.triggers import apply_firing

logger = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    rules: int = 0
    firings: int = 0
    opened: int = 0
    attached: int = 0

    def add(self, outcome: tuple[Any, bool] | None) -> None:
        self.firings += 1
        if outcome is None:
            return
        if outcome[1]:
            self.opened += 1
        else:
            self.attached += 1

    def merge(self, other: "EvaluationResult") -> None:
        self.rules += other.rules
        self.firings += other.firings
        self.opened += other.opened
        self.attached += other.attached


def rule_firings(rule: Rule, *, as_of: datetime, incident: Incident | None = None) -> list[Firing]:
    """What `rule` finds now, without changing anything (also used to explain a rule)."""
    params = parse_params(rule.kind, rule.parameters)
    return KINDS[rule.kind](rule, params, as_of=as_of, incident=incident)


def evaluate_rule(
    rule: Rule, *, as_of: datetime | None = None, incident: Incident | None = None
) -> EvaluationResult:
    result = EvaluationResult(rules=1)
    for firing in rule_firings(rule, as_of=as_of or timezone.now(), incident=incident):
        result.add(apply_firing(rule, firing))
    return result


def evaluate_for_incident(incident_id: int, *, as_of: datetime | None = None) -> EvaluationResult:
    """Run the rules that this incident can set off."""
    result = EvaluationResult()
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or incident.verification_status == VerificationStatus.REJECTED:
        return result
    rules = Rule.objects.filter(mission_id=incident.mission_id, active=True).exclude(
        kind=Rule.Kind.FORECAST
    )
    for rule in rules.select_related("mission").order_by("pk"):
        if rule.incident_types and incident.incident_type not in rule.incident_types:
            continue
        result.merge(evaluate_rule(rule, as_of=as_of, incident=incident))
    return result


def evaluate_all(
    *, as_of: datetime | None = None, mission_id: int | None = None
) -> EvaluationResult:
    """Every active rule over all its areas (the scheduled evaluation)."""
    as_of = as_of or timezone.now()
    result = EvaluationResult()
    rules = Rule.objects.filter(active=True).select_related("mission").order_by("pk")
    if mission_id is not None:
        rules = rules.filter(mission_id=mission_id)
    for rule in rules:
        result.merge(evaluate_rule(rule, as_of=as_of))
        Rule.objects.filter(pk=rule.pk).update(last_evaluated_at=timezone.now())
    return result


SCHEDULE_NAME = "warning-rules"


def _claim_schedule(now: datetime, interval: timedelta) -> bool:
    """Take this period's scheduled run; of several workers, one update matches."""
    SchedulerState.objects.get_or_create(name=SCHEDULE_NAME)
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - interval)
    return bool(SchedulerState.objects.filter(due, name=SCHEDULE_NAME).update(last_run_at=now))


def scheduled_evaluation() -> str | None:
    """The worker's `warning-rules` job."""
    interval = timedelta(minutes=settings.PEACEOPS_RULES_INTERVAL_MINUTES)
    now = timezone.now()
    if not _claim_schedule(now, interval):
        return None
    result = evaluate_all(as_of=now)
    return (
        f"rules: {result.rules} evaluated, {result.firings} firings, "
        f"{result.opened} alerts opened, {result.attached} updated"
    )


# Changes after which an incident may count where it did not: rules count every incident
# that is not rejected, so starting review, verifying or rejecting cannot set a rule off
# (and a bulk verification of hundreds of reports runs no rule at all).
EVALUATED_ACTIONS = frozenset({"created", "updated", "reopened"})


def on_incident_changed(sender: Any, incident_id: int, action: str, **kwargs: Any) -> None:
    """incidents.signals.incident_changed receiver. A rule error never fails the save that
    set it off: it is logged, and the scheduled evaluation covers the incident."""
    if action not in EVALUATED_ACTIONS:
        return
    try:
        evaluate_for_incident(incident_id)
    except Exception:
        logger.exception("rule evaluation for incident %s failed", incident_id)
