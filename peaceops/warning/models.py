"""Early warning and response: alerts, their timeline, responses, trigger rules, the inbound
SMS channel and the outbound notification outbox.

Every alert belongs to a mission and carries a classification, so the one access policy
(core.access) scopes it exactly as it scopes incidents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peaceops.core.classification import Classification
from peaceops.core.geo.points import LocationPrecision
from peaceops.core.models import TimestampedModel, VersionedModel
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.models import Incident
from peaceops.missions.models import Area, Mission


class Severity(models.TextChoices):
    # A context, because "Low" and "High" also head the casualty-estimate columns.
    LOW = "low", pgettext_lazy("severity", "Low")
    MEDIUM = "medium", pgettext_lazy("severity", "Medium")
    HIGH = "high", pgettext_lazy("severity", "High")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")


SEVERITY_ORDER: tuple[str, ...] = tuple(Severity.values)


class AlertStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONSE_PLANNED = "response_planned", _("Response planned")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")
    FALSE_ALARM = "false_alarm", _("False alarm")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES: tuple[str, ...] = (
    AlertStatus.NEW,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.RESPONSE_PLANNED,
    AlertStatus.RESPONDED,
)


class AlertSource(models.TextChoices):
    FIELD_STAFF = "field_staff", _("Field staff")
    COMMUNITY = "community", _("Community alert network or hotline")
    SMS = "sms", _("SMS")
    RULE = "rule", _("Trigger rule")
    FORECAST = "forecast", _("Forecast")


class Rule(VersionedModel):
    """A trigger rule of one mission. `parameters` hold the kind's settings (rules.py checks
    them); alerts it opens get `severity` and at least `classification`."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Threshold")
        SPIKE = "spike", _("Spike above baseline")
        PROXIMITY = "proximity", _("Proximity to a protected site")
        FORECAST = "forecast", _("Forecast")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="warning_rules")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    active = models.BooleanField(default=True)
    incident_types = models.JSONField(default=list, blank=True)  # empty: every type
    parameters = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.HIGH)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mission", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "name"], name="rule_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class InboundMessage(TimestampedModel):
    """A message delivered by an SMS gateway, kept raw. One row per (gateway, message id):
    a gateway that delivers the same message twice creates one alert."""

    gateway = models.ForeignKey("SmsGateway", on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=200)
    sender = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    received_at = models.DateTimeField()
    raw = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "message_id"], name="inbound_unique_message_id"
            ),
        ]


class SmsGateway(TimestampedModel):
    """An SMS gateway posting to /api/v1/sms/{slug}/inbound. It proves itself with the shared
    secret (header X-Peaceops-Secret) or an HMAC-SHA256 of the body (X-Peaceops-Signature)."""

    class Auth(models.TextChoices):
        SHARED_SECRET = "shared_secret", _("Shared secret")
        HMAC = "hmac", _("HMAC-SHA256 signature")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="sms_gateways")
    slug = models.SlugField(max_length=50, unique=True)
    auth = models.CharField(max_length=16, choices=Auth.choices, default=Auth.HMAC)
    secret = models.CharField(max_length=200)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.slug


class Alert(VersionedModel):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="alerts")
    source = models.CharField(max_length=16, choices=AlertSource.choices)
    threat_type = models.CharField(max_length=32, choices=IncidentType.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    location_precision = models.CharField(
        max_length=16, choices=LocationPrecision.choices, default=LocationPrecision.NEAR
    )
    location_name = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    assigned_unit = models.CharField(max_length=200, blank=True)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    incidents = models.ManyToManyField(Incident, blank=True, related_name="alerts")
    # What opened it: a rule and the situation it watches (one open alert per situation).
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    situation = models.CharField(max_length=200, blank=True)
    message = models.OneToOneField(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="alert"
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["mission", "status", "-received_at"], name="alert_board"),
            models.Index(fields=["mission", "received_at"], name="alert_mission_time"),
        ]
        constraints = [
            # One situation opens one alert: while it is open, triggers attach to it.
            models.UniqueConstraint(
                fields=["rule", "situation"],
                condition=Q(status__in=OPEN_STATUSES) & ~Q(situation=""),
                name="alert_one_open_per_situation",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="alert_point_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AlertEvent(models.Model):
    """The alert's timeline: every status change (who, when, why), escalations, triggers
    that attached to it, responses, notes."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        TRIGGERED = "triggered", _("Rule triggered again")
        ESCALATED = "escalated", _("Severity raised")
        ASSIGNED = "assigned", _("Assigned")
        RESPONSE = "response", _("Response recorded")
        LINKED = "linked", _("Incident linked")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)  # e.g. why a rule fired
    # For rule firings: what made it fire (rule, situation, newest incident or forecast), so
    # evaluating the same data again adds nothing.
    fingerprint = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Response(TimestampedModel):
    class Kind(models.TextChoices):
        PATROL = "patrol", _("Patrol dispatched")
        POSTURE = "posture", _("Presence or posture change")
        ENGAGEMENT = "engagement", _("Engagement with local authorities")
        REFERRAL = "referral", _("Referral to humanitarian partners")
        NONE_POSSIBLE = "none_possible", _("No response possible")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        PREVENTED = "prevented", _("Violence prevented or deterred")
        MITIGATED = "mitigated", _("Harm mitigated")
        NO_EFFECT = "no_effect", _("No observable effect")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.TextField(blank=True)  # for "none possible": why
    unit = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]


class Subscription(TimestampedModel):
    """Who hears about alerts of a mission: an email address, every member of the mission
    holding a role (by email), or a webhook URL; from a minimum severity up."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="warning_subscriptions"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=500, blank=True)  # email address or webhook URL
    role = models.CharField(max_length=20, blank=True)  # email every member with this role
    min_severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.HIGH)
    secret = models.CharField(max_length=200, blank=True)  # signs webhook bodies (HMAC-SHA256)
    max_classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    active = models.BooleanField(default=True)


class Notification(TimestampedModel):
    """The outbox: written in the same transaction as the alert change it reports, so a
    crash never loses one; delivered by the worker with retries and back-off."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=12)  # "new" or "escalated"
    event_key = models.CharField(max_length=64)  # makes a repeated enqueue a no-op
    channel = models.CharField(max_length=8)
    target = models.CharField(max_length=500)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key", "target"], name="notification_once"
            ),
        ]


class DeliveryAttempt(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    ok = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)  # HTTP status or error

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notification_id} {'ok' if self.ok else 'failed'} {self.detail}"


class SchedulerState(models.Model):
    """One row per scheduled job: when it last ran (claimed with a conditional update)."""

    name = models.CharField(max_length=50, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
