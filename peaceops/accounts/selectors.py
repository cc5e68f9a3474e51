"""Reads about users: their access scope and token authentication."""

import hashlib

from django.utils import timezone

from peaceops.accounts.models import ApiToken, Membership, User
from peaceops.core.access import ANONYMOUS, AccessScope, Grant

_SCOPE_CACHE_ATTR = "_peaceops_access_scope"


def access_scope_for_user(user: User | None) -> AccessScope:
    """The user's grants, cached on the user object for the length of a request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _SCOPE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    grants = tuple(
        Grant(mission_id=mission_id, role=role, clearance=clearance)
        for mission_id, role, clearance in Membership.objects.filter(user_id=user.pk)
        .order_by("pk")
        .values_list("mission_id", "role", "clearance")
    )
    scope = AccessScope(user_id=user.pk, grants=grants)
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def forget_access_scope(user: User) -> None:
    if hasattr(user, _SCOPE_CACHE_ATTR):
        delattr(user, _SCOPE_CACHE_ATTR)


def token_digest(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (see ADR 0004).
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str) -> User | None:
    """The active user holding this unrevoked token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def memberships_for_user(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("mission")
        .order_by("mission_id", "role")
    )
