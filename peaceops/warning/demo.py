"""Early-warning demo for MINUSCA (run after the incidents demo; idempotent):

- an illustrative protected site (Bria) and four trigger rules, one of each kind, evaluated
  against the demo incidents as of the last demo incident (UCDP data end in 2022, so rules
  looking at "now" would find nothing);
- made-up alerts as a community alert network would raise them over the last six months,
  taken through the workflow by the demo analyst. Their workflow times are then moved back
  to plausible moments after receipt so that the response metrics have a history to show;
  this is the only place that writes those times directly, and every demo alert's title
  starts with "[demo]".
"""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from shapely.geometry import Point

from peaceops.accounts.models import User
from peaceops.core.classification import Classification
from peaceops.core.geo.shapes import to_geojson
from peaceops.incidents.models import Incident
from peaceops.missions.models import Area, Mission
from peaceops.missions.services import area_values
from peaceops.warning.evaluation import EvaluationResult, evaluate_all
from peaceops.warning.models import Alert, Rule
from peaceops.warning.services import alert_raise, alert_transition, response_add

BRIA = (6.54, 21.99)
DEMO_RULES = (
    {
        "name": "Armed clashes in one prefecture",
        "kind": Rule.Kind.THRESHOLD,
        "incident_types": ["armed_clash"],
        "parameters": {"window_days": 60, "min_incidents": 3, "group_by": "admin1"},
        "severity": "high",
    },
    {
        "name": "Unusual activity in a prefecture",
        "kind": Rule.Kind.SPIKE,
        "incident_types": [],
        "parameters": {
            "unit": "admin1",
            "window_days": 30,
            "baseline_windows": 12,
            "alpha": 0.05,
            "min_incidents": 2,
        },
        "severity": "medium",
    },
    {
        "name": "Violence near the Bria protected site",
        "kind": Rule.Kind.PROXIMITY,
        "incident_types": ["violence_against_civilians", "armed_clash", "explosive"],
        "parameters": {"distance_km": 50, "window_days": 90, "area_kinds": ["protected_site"]},
        "severity": "critical",
    },
    {
        "name": "Forecast: 25 or more fatalities",
        "kind": Rule.Kind.FORECAST,
        "incident_types": [],
        "parameters": {"level": "cm", "threshold": 25, "min_probability": 0.5},
        "severity": "high",
    },
)

THREATS = (
    ("violence_against_civilians", "[demo] Armed men seen near the market of {place}"),
    ("armed_clash", "[demo] Gunfire reported between groups near {place}"),
    ("displacement", "[demo] Families leaving villages around {place}"),
    ("hostile_act_peacekeepers", "[demo] Threats against the company operating base at {place}"),
)
PLACES = (("Bria", 6.54, 21.99), ("Bambari", 5.76, 20.67), ("Kaga-Bandoro", 6.98, 19.18))


def _site(mission: Mission) -> Area:
    values = area_values(
        name="Bria protected site (illustrative)",
        kind=Area.Kind.PROTECTED_SITE,
        classification=Classification.INTERNAL,
        geometry=to_geojson(Point(BRIA[1], BRIA[0]).buffer(0.01)),
    )
    area, _created = Area.objects.update_or_create(
        mission=mission, name=values.pop("name"), defaults=values
    )
    return area


def _rules(mission: Mission, analyst: User) -> None:
    for spec in DEMO_RULES:
        Rule.objects.update_or_create(
            mission=mission,
            name=spec["name"],
            defaults={
                "kind": spec["kind"],
                "incident_types": spec["incident_types"],
                "parameters": spec["parameters"],
                "severity": spec["severity"],
                "classification": Classification.INTERNAL,
                "created_by": analyst,
            },
        )


def _raised_alerts(mission: Mission, reporter: User, analyst: User) -> int:
    if Alert.objects.filter(mission=mission, title__startswith="[demo]").exists():
        return 0
    rng = random.Random(2026)
    now = timezone.now()
    created = 0
    for index in range(36):
        threat, title = THREATS[index % len(THREATS)]
        place, latitude, longitude = PLACES[index % len(PLACES)]
        received = now - timedelta(days=rng.uniform(1, 180))
        alert = alert_raise(
            actor=reporter,
            mission=mission,
            source="community",
            threat_type=threat,
            title=title.format(place=place),
            latitude=latitude + rng.uniform(-0.05, 0.05),
            longitude=longitude + rng.uniform(-0.05, 0.05),
            location_name=place,
            severity=rng.choice(["low", "medium", "high", "high", "critical"]),
            received_at=received,
        )
        created += 1
        fate = rng.random()
        if fate < 0.1:
            continue  # still new
        alert = alert_transition(
            actor=analyst, alert_id=alert.pk, version=alert.version, to_status="acknowledged"
        )
        acknowledged = received + timedelta(minutes=rng.uniform(5, 240))
        if fate < 0.2:
            alert_transition(
                actor=analyst,
                alert_id=alert.pk,
                version=alert.version,
                to_status="false_alarm",
                reason="[demo] Caller confirmed the shots were a wedding celebration.",
            )
            Alert.objects.filter(pk=alert.pk).update(acknowledged_at=acknowledged)
            continue
        started = acknowledged + timedelta(minutes=rng.uniform(20, 600))
        response_add(
            actor=analyst,
            alert_id=alert.pk,
            kind=rng.choice(["patrol", "patrol", "engagement", "posture", "referral"]),
            unit="[demo] BANBAT 2",
            started_at=started,
            outcome=rng.choice(["prevented", "mitigated", "no_effect", "pending"]),
        )
        alert.refresh_from_db()
        if fate < 0.85:
            alert = alert_transition(
                actor=analyst, alert_id=alert.pk, version=alert.version, to_status="responded"
            )
        if fate < 0.6:
            alert_transition(
                actor=analyst, alert_id=alert.pk, version=alert.version, to_status="closed"
            )
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=acknowledged)
    return created


@transaction.atomic
def load_warning_demo() -> tuple[int, EvaluationResult]:
    mission = Mission.objects.get(acronym="MINUSCA")
    reporter = User.objects.get(username="reporter")
    analyst = User.objects.get(username="analyst")
    _site(mission)
    _rules(mission, analyst)
    raised = _raised_alerts(mission, reporter, analyst)
    latest = Incident.objects.filter(mission=mission).aggregate(latest=Max("started_at"))
    result = evaluate_all(as_of=latest["latest"] or timezone.now(), mission_id=mission.pk)
    return raised, result
