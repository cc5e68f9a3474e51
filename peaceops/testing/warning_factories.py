"""Test helpers for the warning app: alerts, rules and areas made through the services."""

from typing import Any

from peaceops.accounts.models import User
from peaceops.core.roles import Role
from peaceops.missions.models import Area, Mission
from peaceops.missions.services import area_create
from peaceops.testing.factories import member
from peaceops.warning.models import Alert, Rule
from peaceops.warning.rule_services import rule_create
from peaceops.warning.services import alert_raise

BAMBARI = (5.7631, 20.6732)


def alert_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "source": "community",
        "threat_type": "violence_against_civilians",
        "title": "Armed men gathering near the Bambari market",
        "description": "Hotline caller reports about 30 armed men since dawn.",
        "latitude": BAMBARI[0],
        "longitude": BAMBARI[1],
        "location_name": "Bambari",
        "severity": "high",
    }
    values.update(overrides)
    return values


def raise_alert(mission: Mission, *, actor: User | None = None, **overrides: Any) -> Alert:
    actor = actor or member(mission, Role.REPORTER)
    return alert_raise(actor=actor, mission=mission, **alert_values(**overrides))


def make_rule(mission: Mission, *, actor: User | None = None, **values: Any) -> Rule:
    actor = actor or member(mission, Role.ANALYST)
    values.setdefault("name", f"{values.get('kind', 'threshold')} rule")
    return rule_create(actor=actor, mission=mission, **values)


def square(latitude: float, longitude: float, half_degrees: float) -> dict[str, Any]:
    """A GeoJSON square centred on the point."""
    south, north = latitude - half_degrees, latitude + half_degrees
    west, east = longitude - half_degrees, longitude + half_degrees
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


def make_area(
    mission: Mission, *, name: str, kind: str, centre: tuple[float, float], half_degrees: float
) -> Area:
    admin = member(mission, Role.MISSION_ADMIN)
    return area_create(
        actor=admin,
        mission=mission,
        name=name,
        kind=kind,
        geometry=square(centre[0], centre[1], half_degrees),
    )
