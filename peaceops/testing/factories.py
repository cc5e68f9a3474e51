"""Test factories. State is set up through the services wherever one exists, so tests see
the same rows (revisions, derived fields) that real use produces."""

import itertools
from typing import Any

import factory

from peaceops.accounts.models import Membership, User
from peaceops.core.classification import Classification
from peaceops.incidents.models import Incident
from peaceops.incidents.services import incident_create
from peaceops.missions.models import Mission

PASSWORD = "correct horse battery staple"
_titles = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"MTEST{n}")
    name_en = factory.LazyAttribute(lambda o: f"Test mission {o.acronym}")
    kind = Mission.Kind.PEACEKEEPING_OPERATION
    host_countries = factory.LazyFunction(lambda: ["CAF"])


def member(
    mission: Mission | None,
    role: str,
    clearance: str = Classification.STRICTLY_CONFIDENTIAL,
    user: User | None = None,
) -> User:
    """A user holding `role` in `mission` (None: every mission) with `clearance`."""
    user = user or UserFactory()
    Membership.objects.create(user=user, mission=mission, role=role, clearance=clearance)
    return user


def incident_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "incident_type": "armed_clash",
        "subtype": "state_based",
        "title": f"Clash near Bambari {next(_titles)}",
        "narrative": "Exchange of fire between two armed groups.",
        "started_at": "2024-03-05T06:00:00Z",
        "latitude": 5.7631,
        "longitude": 20.6732,
        "location_name": "Bambari",
        "admin1": "Ouaka",
        "classification": Classification.INTERNAL,
        "casualties": [
            {"category": "civilians", "outcome": "killed", "best": 3, "low": 2, "high": 5},
            {"category": "armed_side_a", "outcome": "killed", "best": 1},
        ],
        "sources": [{"name": "Community alert network", "reliability": "C", "credibility": 3}],
        "actors": [{"name": "FACA", "side": "a", "kind": "state_forces"}],
    }
    values.update(overrides)
    return values


def make_incident(mission: Mission, *, author: User | None = None, **overrides: Any) -> Incident:
    """An incident created through the service by `author` (default: a fresh analyst with
    the highest clearance in the mission)."""
    from peaceops.core.roles import Role

    author = author or member(mission, Role.ANALYST)
    return incident_create(actor=author, mission=mission, **incident_values(**overrides))
