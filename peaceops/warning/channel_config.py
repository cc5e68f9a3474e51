"""Configuring the channels of a mission (its SMS gateways and notification subscriptions)
and reading an alert's delivery log.

Analysts holding Action.WARNING_CONFIGURE in the mission list and change them; nobody sets a
classification above their own clearance for the mission (a gateway's alerts get its
classification; a subscription's ceiling decides which alerts leave the platform). Secrets
are generated here and shown once, on creation.
"""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict
from peaceops.core.classification import Classification
from peaceops.core.errors import ConflictError, FieldErrors, NotFound, PermissionDenied
from peaceops.core.roles import Action, Role
from peaceops.missions.models import Mission
from peaceops.warning.models import Alert, Notification, Severity, SmsGateway, Subscription


def _configurable(actor: User, mission_id: int) -> None:
    if not access_scope_for_user(actor).allows(Action.WARNING_CONFIGURE, mission_id):
        raise PermissionDenied()


def _choice(errors: FieldErrors, field: str, value: str, choices: list[str]) -> bool:
    if value in choices:
        return True
    errors.add(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
    return False


def _classification(errors: FieldErrors, actor: User, mission: Mission, field: str, value: str):
    if _choice(errors, field, value, Classification.values) and not access_scope_for_user(
        actor
    ).can_see(mission.pk, value):
        errors.add(field, _("You cannot classify above your own clearance."))


def sms_gateway_list(*, actor: User, mission: Mission) -> QuerySet[SmsGateway]:
    _configurable(actor, mission.pk)
    return SmsGateway.objects.filter(mission=mission).select_related("mission").order_by("slug")


def sms_gateway_create(
    *, actor: User, mission: Mission, slug: str, auth: str, classification: str
) -> tuple[SmsGateway, str]:
    """A new gateway and its secret (returned here only; give it to the gateway)."""
    _configurable(actor, mission.pk)
    errors = FieldErrors()
    slug = slug.strip().lower()
    if not slug or len(slug) > 50 or not slug.replace("-", "").replace("_", "").isalnum():
        errors.add("slug", _("Use up to 50 letters, digits, hyphens or underscores."))
    _choice(errors, "auth", auth, SmsGateway.Auth.values)
    _classification(errors, actor, mission, "classification", classification)
    errors.raise_if_any()
    secret = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            gateway = SmsGateway.objects.create(
                mission=mission, slug=slug, auth=auth, secret=secret, classification=classification
            )
    except IntegrityError as exc:
        raise ConflictError(_("An SMS gateway with this name exists already.")) from exc
    return gateway, secret


def subscription_list(*, actor: User, mission: Mission) -> QuerySet[Subscription]:
    """The mission's active subscriptions (removed ones keep their delivery log)."""
    _configurable(actor, mission.pk)
    return (
        Subscription.objects.filter(mission=mission, active=True)
        .select_related("mission")
        .order_by("pk")
    )


def _clean_target(errors: FieldErrors, channel: str, address: str, role: str) -> None:
    if channel == Subscription.Channel.WEBHOOK:
        if role:
            errors.add("role", _("A webhook is one address; roles are for email."))
        try:
            URLValidator(schemes=["http", "https"])(address)
        except ValidationError:
            errors.add("address", _("Give the webhook's http or https URL."))
    elif bool(address) == bool(role):
        errors.add("address", _("Give either an email address or a role, not both."))
    elif address:
        try:
            validate_email(address)
        except ValidationError:
            errors.add("address", _("This is not an email address."))
    else:
        _choice(errors, "role", role, Role.values)


def subscription_create(
    *, actor: User, mission: Mission, **values: Any
) -> tuple[Subscription, str]:
    """A new subscription and, for a webhook, the secret that signs its bodies (given or
    generated; returned here only)."""
    _configurable(actor, mission.pk)
    errors = FieldErrors()
    channel = str(values.get("channel") or "")
    address = str(values.get("address") or "").strip()
    role = str(values.get("role") or "").strip()
    secret = str(values.get("secret") or "")
    if _choice(errors, "channel", channel, Subscription.Channel.values):
        _clean_target(errors, channel, address, role)
    if channel == Subscription.Channel.WEBHOOK and secret and len(secret) < 16:
        errors.add("secret", _("Use at least 16 characters, or leave it out to get one."))
    min_severity = str(values.get("min_severity") or Severity.HIGH)
    _choice(errors, "min_severity", min_severity, Severity.values)
    ceiling = str(values.get("max_classification") or Classification.INTERNAL)
    _classification(errors, actor, mission, "max_classification", ceiling)
    errors.raise_if_any()
    webhook = channel == Subscription.Channel.WEBHOOK
    secret = (secret or secrets.token_urlsafe(32)) if webhook else ""
    subscription = Subscription.objects.create(
        mission=mission,
        channel=channel,
        address=address,
        role=role,
        min_severity=min_severity,
        max_classification=ceiling,
        secret=secret,
    )
    return subscription, secret


def _configured_row(queryset: QuerySet, actor: User, pk: int) -> Any:
    """The row `pk` of a mission the actor works in (else NotFound) that they may configure
    (else PermissionDenied)."""
    row = restrict(queryset, access_scope_for_user(actor), classification_field=None)
    row = row.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    _configurable(actor, row.mission_id)
    return row


def subscription_remove(*, actor: User, subscription_id: int) -> None:
    """Stop a subscription. The row stays (inactive) so its delivery log stays; its
    notifications not yet delivered are not sent."""
    subscription = _configured_row(Subscription.objects.filter(active=True), actor, subscription_id)
    Subscription.objects.filter(pk=subscription.pk).update(active=False, updated_at=timezone.now())


def sms_gateway_deactivate(*, actor: User, gateway_id: int) -> None:
    """Stop accepting messages from a gateway (a leaked secret, a contract ended): its
    deliveries get 404 from now on. Its messages and their alerts stay."""
    gateway = _configured_row(SmsGateway.objects.filter(active=True), actor, gateway_id)
    SmsGateway.objects.filter(pk=gateway.pk).update(active=False, updated_at=timezone.now())


def alert_notifications(*, actor: User, alert_id: int) -> QuerySet[Notification]:
    """The notifications of an alert the actor may see, with their delivery attempts."""
    scope = access_scope_for_user(actor)
    alert = restrict(Alert.objects.all(), scope).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound()
    _configurable(actor, alert.mission_id)
    return (
        Notification.objects.filter(alert=alert)
        .select_related("subscription")
        .prefetch_related("attempt_log")
        .order_by("pk")
    )
