"""Reads of the mission registry. Missions are public UN facts visible to every signed-in
user; areas are classified and go through the access policy like incidents."""

from django.db.models import QuerySet

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict, visibility_q
from peaceops.core.errors import NotFound
from peaceops.missions.models import Area, Mission


def mission_list(*, user: User) -> QuerySet[Mission]:
    if not user.is_authenticated:
        return Mission.objects.none()
    return Mission.objects.prefetch_related("mandates").order_by("acronym")


def mission_get(*, user: User, acronym: str) -> Mission:
    mission = mission_list(user=user).filter(acronym__iexact=acronym).first()
    if mission is None:
        raise NotFound()
    return mission


def missions_of_user(*, user: User) -> QuerySet[Mission]:
    """Missions the user works in: those whose incidents they may see."""
    condition = visibility_q(
        access_scope_for_user(user), mission_field="pk", classification_field=None
    )
    if condition is None:
        return Mission.objects.none()
    return Mission.objects.filter(condition).order_by("acronym")


def area_list(*, user: User, mission: Mission | None = None) -> QuerySet[Area]:
    areas = restrict(Area.objects.select_related("mission"), access_scope_for_user(user))
    if mission is not None:
        areas = areas.filter(mission=mission)
    return areas.order_by("mission__acronym", "kind", "name")


def area_get(*, user: User, pk: int) -> Area:
    area = area_list(user=user).filter(pk=pk).first()
    if area is None:
        raise NotFound()
    return area
