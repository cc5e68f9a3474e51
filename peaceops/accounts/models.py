from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peaceops.core.classification import Classification
from peaceops.core.roles import GLOBAL_ROLES, Role


class User(AbstractUser):
    """A person or a machine client. Permissions come from memberships, not Django groups."""

    preferred_language = models.CharField(max_length=10, blank=True)


class Membership(models.Model):
    """A user's role in one mission (or, for global roles, in every mission) and clearance."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    # Referenced by label so `accounts` stays below `missions` in the dependency order.
    mission = models.ForeignKey(
        "missions.Mission",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    clearance = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "mission", "role"], name="membership_unique_role_per_mission"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(mission__isnull=True),
                name="membership_unique_global_role",
            ),
            models.CheckConstraint(
                condition=Q(mission__isnull=False) | Q(role__in=sorted(GLOBAL_ROLES)),
                name="membership_mission_required_unless_global_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.mission_id or '*'}:{self.role}:{self.clearance}"


class ApiToken(models.Model):
    """A bearer token for machine clients. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SecurityEvent(models.Model):
    """Append-only audit log of security-relevant events."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGIN_THROTTLED = "login_throttled", _("Sign-in throttled")
        LOGOUT = "logout", _("Signed out")
        PERMISSION_CHANGE = "permission_change", _("Permission changed")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        TOKEN_REJECTED = "token_rejected", _("API token rejected")
        EXPORT = "export", _("Data exported")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "username", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"
