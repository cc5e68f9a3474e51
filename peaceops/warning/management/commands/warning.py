"""`peaceops warning evaluate|demo`: run the trigger rules now; load the early-warning demo."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from peaceops.missions.models import Mission
from peaceops.warning.demo import load_warning_demo
from peaceops.warning.evaluation import EvaluationResult, evaluate_all


class Command(BaseCommand):
    help = "Early warning: evaluate every active trigger rule now, or load the demo."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="evaluate every active rule (as scheduled)")
        evaluate.add_argument("--mission", help="only this mission's rules (acronym)")
        evaluate.add_argument(
            "--as-of", help="evaluate as if it were this moment (ISO 8601, with a time zone)"
        )
        sub.add_parser("demo", help="MINUSCA demo: a protected site, rules, alerts (idempotent)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "demo":
            raised, result = load_warning_demo()
            self.stdout.write(f"Demo alerts raised: {raised}. {self._summary(result)}")
            return
        mission_id = None
        if options["mission"]:
            mission = Mission.objects.filter(acronym__iexact=options["mission"]).first()
            if mission is None:
                raise CommandError(f"No mission {options['mission']!r}.")
            mission_id = mission.pk
        as_of = None
        if options["as_of"]:
            as_of = parse_datetime(options["as_of"])
            if as_of is None or as_of.tzinfo is None:
                raise CommandError("--as-of: give an ISO 8601 date and time with a time zone.")
        self.stdout.write(self._summary(evaluate_all(as_of=as_of, mission_id=mission_id)))

    @staticmethod
    def _summary(result: EvaluationResult) -> str:
        return (
            f"Rules evaluated: {result.rules}; findings: {result.firings}; "
            f"alerts opened: {result.opened}; alerts updated: {result.attached}."
        )
