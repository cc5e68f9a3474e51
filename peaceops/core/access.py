"""The access policy: the one place that decides what a user may see and do.

A user's memberships become an `AccessScope` (built by `accounts.selectors`). Every selector
that reads user-facing rows passes its queryset through `restrict()`; every service checks
`scope.allows()` before writing. Pages, API, exports, aggregates, counts and search all start
from those selectors, so they cannot disagree.

Rules:
- A grant is (mission, role, clearance); a grant without a mission covers every mission
  (headquarters readers and system administrators).
- A row is visible when the user holds a grant for its mission whose clearance is at least
  the row's classification. Public rows of other missions are not visible either.
- An action on a mission is allowed when some grant covering that mission permits it.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q, QuerySet

from peaceops.core.classification import ORDER, levels_up_to, rank
from peaceops.core.roles import PERMISSIONS, Action, Role

M = TypeVar("M")


@dataclass(frozen=True)
class Grant:
    mission_id: int | None
    role: str
    clearance: str


@dataclass(frozen=True)
class AccessScope:
    user_id: int | None
    grants: tuple[Grant, ...] = ()

    def _covering(self, mission_id: int) -> list[Grant]:
        return [g for g in self.grants if g.mission_id is None or g.mission_id == mission_id]

    def clearance_for(self, mission_id: int) -> str | None:
        """Highest classification visible in this mission, or None if the mission is hidden."""
        levels = [rank(g.clearance) for g in self._covering(mission_id)]
        return ORDER[max(levels)] if levels else None

    def can_see(self, mission_id: int, classification: str) -> bool:
        clearance = self.clearance_for(mission_id)
        return clearance is not None and rank(classification) <= rank(clearance)

    def allows(self, action: Action, mission_id: int) -> bool:
        return any(action in PERMISSIONS[g.role] for g in self._covering(mission_id))

    @property
    def is_system_admin(self) -> bool:
        return any(g.mission_id is None and g.role == Role.SYSTEM_ADMIN for g in self.grants)

    @property
    def global_clearance(self) -> str | None:
        levels = [rank(g.clearance) for g in self.grants if g.mission_id is None]
        return ORDER[max(levels)] if levels else None

    def mission_clearances(self) -> dict[int, str]:
        """Per-mission clearance for missions granted explicitly (global grants excluded)."""
        best: dict[int, str] = {}
        for grant in self.grants:
            if grant.mission_id is None:
                continue
            current = best.get(grant.mission_id)
            if current is None or rank(grant.clearance) > rank(current):
                best[grant.mission_id] = grant.clearance
        return best


ANONYMOUS = AccessScope(user_id=None)


def visibility_q(
    scope: AccessScope, *, mission_field: str, classification_field: str | None
) -> Q | None:
    """The filter selecting rows `scope` may see, or None when it may see nothing."""
    terms: list[Q] = []
    global_clearance = scope.global_clearance
    if global_clearance is not None:
        if classification_field is None:
            return Q()
        terms.append(Q(**{f"{classification_field}__in": levels_up_to(global_clearance)}))
    by_clearance: dict[str, list[int]] = defaultdict(list)
    for mission_id, clearance in scope.mission_clearances().items():
        if global_clearance is None or rank(clearance) > rank(global_clearance):
            by_clearance[clearance].append(mission_id)
    for clearance, mission_ids in sorted(by_clearance.items()):
        term = Q(**{f"{mission_field}__in": sorted(mission_ids)})
        if classification_field is not None:
            term &= Q(**{f"{classification_field}__in": levels_up_to(clearance)})
        terms.append(term)
    if not terms:
        return None
    combined = terms[0]
    for term in terms[1:]:
        combined |= term
    return combined


def restrict(
    queryset: QuerySet[M],
    scope: AccessScope,
    *,
    mission_field: str = "mission_id",
    classification_field: str | None = "classification",
) -> QuerySet[M]:
    """Narrow `queryset` to the rows `scope` may see. The only gate for user-facing reads."""
    condition = visibility_q(
        scope, mission_field=mission_field, classification_field=classification_field
    )
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)
