"""Writes about users: sign-in with throttling, memberships, API tokens, the security log."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import ApiToken, Membership, SecurityEvent, User
from peaceops.accounts.selectors import access_scope_for_user, forget_access_scope, token_digest
from peaceops.core.classification import Classification, rank
from peaceops.core.errors import NotFound, PermissionDenied, ThrottledError, ValidationFailed
from peaceops.core.roles import GLOBAL_ROLES, Action, Role

TOKEN_PREFIX = "po_"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def security_event_record(
    *,
    kind: str,
    user: User | None = None,
    username: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=username or (user.get_username() if user is not None else ""),
        ip_address=client_ip(request),
        details=details or {},
    )


TOKEN_REJECTION_LOG_SECONDS = 60


def token_rejected(*, request: HttpRequest, prefix: str) -> None:
    """Log a rejected API token, at most once a minute per address, so that a flood of bad
    tokens cannot flood the security log."""
    since = timezone.now() - timedelta(seconds=TOKEN_REJECTION_LOG_SECONDS)
    if SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.TOKEN_REJECTED, ip_address=client_ip(request), created_at__gte=since
    ).exists():
        return
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_REJECTED, request=request, details={"prefix": prefix}
    )


def _recent_failures(username: str, ip_address: str | None) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    return SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        username=username,
        ip_address=ip_address,
        created_at__gte=since,
    ).count()


def login_attempt(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Check credentials with throttling; record the outcome. Returns the user or None.

    Raises ThrottledError after LOGIN_MAX_FAILURES failures for this user name from this
    address within LOGIN_WINDOW_SECONDS, without checking the password.
    """
    ip_address = client_ip(request)
    if _recent_failures(username, ip_address) >= settings.LOGIN_MAX_FAILURES:
        security_event_record(
            kind=SecurityEvent.Kind.LOGIN_THROTTLED, username=username, request=request
        )
        raise ThrottledError()
    user = authenticate(request, username=username, password=password)
    if user is None:
        security_event_record(
            kind=SecurityEvent.Kind.LOGIN_FAILED, username=username, request=request
        )
        return None
    security_event_record(kind=SecurityEvent.Kind.LOGIN, user=user, request=request)
    return user


def _require_admin_of(actor: User, mission_id: int | None) -> None:
    scope = access_scope_for_user(actor)
    if mission_id is None:
        allowed = scope.is_system_admin
    else:
        allowed = scope.allows(Action.MISSION_ADMIN, mission_id)
    if not allowed:
        raise PermissionDenied()


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, mission_id: int | None, role: str, clearance: str
) -> Membership:
    """Give `user` a role (and clearance) in a mission; global roles take mission_id=None."""
    if role not in Role.values:
        raise ValidationFailed({"role": [_("Unknown role: %(role)s") % {"role": role}]})
    if clearance not in Classification.values:
        raise ValidationFailed(
            {"clearance": [_("Unknown classification: %(value)s") % {"value": clearance}]}
        )
    if mission_id is None and role not in GLOBAL_ROLES:
        raise ValidationFailed({"mission": [_("This role needs a mission.")]})
    if mission_id is not None and role == Role.SYSTEM_ADMIN:
        raise ValidationFailed({"mission": [_("System administrators hold every mission.")]})
    _require_admin_of(actor, mission_id)
    scope = access_scope_for_user(actor)
    if not scope.is_system_admin and rank(clearance) > rank(
        scope.clearance_for(mission_id) or "public"
    ):
        raise PermissionDenied(_("You cannot grant a clearance above your own."))
    membership, _created = Membership.objects.update_or_create(
        user=user, mission_id=mission_id, role=role, defaults={"clearance": clearance}
    )
    forget_access_scope(user)
    security_event_record(
        kind=SecurityEvent.Kind.PERMISSION_CHANGE,
        user=actor,
        details={
            "change": "grant",
            "target_user": user.pk,
            "mission": mission_id,
            "role": role,
            "clearance": clearance,
        },
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    _require_admin_of(actor, membership.mission_id)
    details = {
        "change": "revoke",
        "target_user": membership.user_id,
        "mission": membership.mission_id,
        "role": membership.role,
    }
    membership.delete()
    security_event_record(kind=SecurityEvent.Kind.PERMISSION_CHANGE, user=actor, details=details)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the secret is returned once and never stored."""
    if not name.strip():
        raise ValidationFailed({"name": [_("Give the token a name.")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=secret[:10], digest=token_digest(secret)
    )
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_CREATED,
        user=user,
        details={"token": token.pk, "name": token.name},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        security_event_record(
            kind=SecurityEvent.Kind.TOKEN_REVOKED, user=actor, details={"token": token.pk}
        )
    return token
