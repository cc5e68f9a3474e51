"""What a form may offer a user: the missions where they may do an action, and the
classifications up to their highest clearance in those missions."""

from typing import Any

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.classification import Classification, rank
from peaceops.core.roles import Action
from peaceops.missions.selectors import missions_of_user


def missions_and_levels(user: User, action: Action) -> tuple[list[Any], list[tuple[str, str]]]:
    scope = access_scope_for_user(user)
    missions = [m for m in missions_of_user(user=user) if scope.allows(action, m.pk)]
    top = max((rank(scope.clearance_for(m.pk) or "public") for m in missions), default=0)
    levels = [(value, str(label)) for value, label in Classification.choices if rank(value) <= top]
    return missions, levels
