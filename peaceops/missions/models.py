from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peaceops.core.classification import Classification
from peaceops.core.models import TimestampedModel, VersionedModel


class Mission(TimestampedModel):
    class Kind(models.TextChoices):
        PEACEKEEPING_OPERATION = "peacekeeping_operation", _("Peacekeeping operation")
        SPECIAL_POLITICAL_MISSION = "special_political_mission", _("Special political mission")
        OFFICE = "office", _("Office")
        SUPPORT_OFFICE = "support_office", _("Support office")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    acronym = models.CharField(max_length=20, unique=True)
    name_en = models.CharField(max_length=200)
    name_fr = models.CharField(max_length=200, blank=True)
    short_name_zh = models.CharField(max_length=50, blank=True)
    name_zh = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    host_countries = models.JSONField(default=list, blank=True)  # ISO 3166-1 alpha-3 codes
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    hq_name = models.CharField(max_length=100, blank=True)
    hq_latitude = models.FloatField(null=True, blank=True)
    hq_longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["acronym"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="mission_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym


class Mandate(TimestampedModel):
    """A resolution that establishes or renews a mission's mandate."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="mandates")
    symbol = models.CharField(max_length=40)  # canonical: S/RES/2709 (2023), A/RES/79/296
    organ = models.CharField(max_length=1)  # S or A
    number = models.PositiveIntegerField()
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    adopted_on = models.DateField(null=True, blank=True)
    task_categories = models.JSONField(default=list, blank=True)  # TaskCategory values

    class Meta:
        ordering = ["mission", "adopted_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "symbol"], name="mandate_unique_symbol"),
        ]

    def __str__(self) -> str:
        return self.symbol


class Area(VersionedModel):
    """A named polygon of a mission, stored as validated GeoJSON with its bounding box."""

    class Kind(models.TextChoices):
        AREA_OF_RESPONSIBILITY = "area_of_responsibility", _("Area of responsibility")
        BUFFER_ZONE = "buffer_zone", _("Buffer zone")
        PROTECTED_SITE = "protected_site", _("Protected site")
        BASE = "base", _("Base")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    geometry = models.JSONField()
    min_longitude = models.FloatField()
    min_latitude = models.FloatField()
    max_longitude = models.FloatField()
    max_latitude = models.FloatField()

    class Meta:
        ordering = ["mission", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "name"], name="area_unique_name_per_mission"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id}:{self.name}"
