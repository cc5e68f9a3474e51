from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from peaceops.core.classification import Classification
from peaceops.core.fields import VerbatimJSONField
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.models import TimestampedModel, VersionedModel
from peaceops.core.taxonomy import IncidentType, InformationCredibility, SourceReliability

TITLE_MAX = 300
NARRATIVE_MAX = 20_000


class VerificationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UNDER_REVIEW = "under_review", _("Under review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Actor(TimestampedModel):
    """A party to incidents: armed group, state force, community, the mission itself..."""

    class Kind(models.TextChoices):
        STATE_FORCES = "state_forces", _("State forces")
        ARMED_GROUP = "armed_group", _("Non-state armed group")
        REBEL_GROUP = "rebel_group", _("Rebel group")
        MILITIA = "militia", _("Militia")
        COMMUNAL_GROUP = "communal_group", _("Communal or identity group")
        POLITICAL_GROUP = "political_group", _("Political group")
        CIVILIANS = "civilians", _("Civilians")
        EXTERNAL_FORCES = "external_forces", _("External or other forces")
        PEACEKEEPERS = "peacekeepers", _("Peacekeepers")
        UNKNOWN = "unknown", _("Unknown")

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UNKNOWN)
    external_source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="actor_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["name", "kind"], condition=Q(external_id=""), name="actor_unique_local_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _person() -> models.ForeignKey:
    """A column naming a person, empty on every imported row: indexed where set only, by a
    partial index in the model's Meta (migration 0011)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )


class Incident(VersionedModel):
    # No single-column indexes on mission or created_at: every composite index below that
    # begins with the mission serves the first, nothing reads incidents by the second alone,
    # and each index is written for every imported row (ADR 0018).
    mission = models.ForeignKey(
        "missions.Mission", on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    incident_type = models.CharField(max_length=32, choices=IncidentType.choices)
    subtype = models.CharField(max_length=32)
    title = models.CharField(max_length=TITLE_MAX)
    narrative = models.TextField(blank=True)
    narrative_language = models.CharField(max_length=10, blank=True)

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )

    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_precision = models.CharField(
        max_length=16, choices=LocationPrecision.choices, default=LocationPrecision.EXACT
    )
    location_name = models.CharField(max_length=300, blank=True)
    country_code = models.CharField(max_length=3, blank=True)  # ISO 3166-1 alpha-3, derived
    admin1 = models.CharField(max_length=200, blank=True)
    admin2 = models.CharField(max_length=200, blank=True)
    priogrid_gid = models.PositiveIntegerField(null=True, blank=True)  # derived from the point

    # Totals of the casualty rows (best estimates), kept by the services for fast aggregates.
    fatalities = models.PositiveIntegerField(default=0)
    injured = models.PositiveIntegerField(default=0)

    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.REPORTED
    )
    rejection_reason = models.TextField(blank=True)
    reviewed_by = _person()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.INTERNAL
    )
    # Who is to follow the incident up (triage); set by `services.incident_assign`.
    assigned_to = _person()

    external_source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    raw = VerbatimJSONField(null=True, blank=True)  # the original imported record, for audit
    # Digest of the imported state: a re-import skips rows whose digest is unchanged.
    content_hash = models.CharField(max_length=40, blank=True)
    # Digest of the imported row's mapped values: a re-import skips validating rows whose
    # input is unchanged (importers/engine.py, ADR 0013).
    input_hash = models.CharField(max_length=40, blank=True)
    import_run = models.ForeignKey(
        "ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_by = _person()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # Rows with no person there (every imported row) are left out of these: nothing
            # to write for them, nothing to build again after a large first load (ADR 0020).
            *(
                models.Index(
                    fields=[field],
                    name=f"incident_{field}",
                    condition=models.Q(**{f"{field}__isnull": False}),
                )
                for field in ("reviewed_by", "assigned_to", "created_by")
            ),
            models.Index(fields=["mission", "-started_at", "-id"], name="incident_mission_time"),
            models.Index(fields=["latitude", "longitude"], name="incident_point"),
            models.Index(fields=["priogrid_gid"], name="incident_priogrid"),
            models.Index(fields=["country_code", "started_at"], name="incident_country_time"),
            # status counts and the oldest unreviewed report, per mission (dashboard, triage)
            models.Index(
                fields=["mission", "verification_status", "classification", "created_at"],
                name="incident_mission_status",
            ),
            # The map's points (newest first) read from the index alone, never the wide rows
            # (narrative, raw record): 303 -> 157 ms for 50,000 points of 200,000 on SQLite.
            # It begins with (-started_at, -id), so it also serves the newest-first list of
            # every mission (the index of those two columns alone was dropped, ADR 0018).
            models.Index(
                fields=[
                    "-started_at",
                    "-id",
                    "mission",
                    "classification",
                    "latitude",
                    "longitude",
                    "incident_type",
                    "fatalities",
                ],
                name="incident_map_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "external_source", "external_id"],
                condition=~Q(external_id=""),
                name="incident_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="incident_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="incident_point_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class IncidentActor(models.Model):
    class Side(models.TextChoices):
        A = "a", _("Side A")
        B = "b", _("Side B")

    # Indexed by the unique constraint below, which begins with the incident.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="actor_links", db_index=False
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="incident_links")
    side = models.CharField(max_length=1, choices=Side.choices)

    class Meta:
        ordering = ["side", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "actor", "side"], name="incident_actor_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.side}:{self.actor_id}"


class Casualty(models.Model):
    class Category(models.TextChoices):
        PEACEKEEPERS = "peacekeepers", _("Peacekeepers")
        CIVILIANS = "civilians", _("Civilians (all)")
        CIVILIANS_WOMEN = "civilians_women", _("Civilians: women")
        CIVILIANS_CHILDREN = "civilians_children", _("Civilians: children")
        ARMED_SIDE_A = "armed_side_a", _("Armed actors, side A")
        ARMED_SIDE_B = "armed_side_b", _("Armed actors, side B")
        UNKNOWN = "unknown", _("Unknown")

    class Outcome(models.TextChoices):
        KILLED = "killed", _("Killed")
        INJURED = "injured", _("Injured")

    # Indexed by the unique constraint below, which begins with the incident.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="casualties", db_index=False
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    low = models.PositiveIntegerField(null=True, blank=True)
    best = models.PositiveIntegerField()
    high = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["outcome", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "category", "outcome"], name="casualty_once_per_category"
            ),
            models.CheckConstraint(
                condition=(Q(low__isnull=True) | Q(low__lte=F("best")))
                & (Q(high__isnull=True) | Q(high__gte=F("best"))),
                name="casualty_low_best_high_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.outcome}: {self.best}"


# Categories that count towards an incident's totals (women and children are within civilians).
COUNTED_CATEGORIES = frozenset(
    {
        Casualty.Category.PEACEKEEPERS,
        Casualty.Category.CIVILIANS,
        Casualty.Category.ARMED_SIDE_A,
        Casualty.Category.ARMED_SIDE_B,
        Casualty.Category.UNKNOWN,
    }
)


class Source(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=300)
    reference = models.CharField(max_length=1000, blank=True)  # URL or citation
    published_on = models.DateField(null=True, blank=True)
    reliability = models.CharField(
        max_length=1, choices=SourceReliability.choices, default=SourceReliability.F
    )
    credibility = models.PositiveSmallIntegerField(
        choices=InformationCredibility.choices, default=InformationCredibility.CANNOT_JUDGE
    )
    excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class IncidentRevision(models.Model):
    """Append-only history: who changed what, when, with the previous values."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        REVIEW_STARTED = "review_started", _("Review started")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REOPENED = "reopened", _("Reopened")
        IMPORTED = "imported", _("Imported")

    # Indexed by the unique constraint below, which begins with the incident.
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    # {field: [previous value, new value]} in JSON form; lists for casualties/sources/actors.
    changes = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    actor = _person()  # imported revisions have none
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "version"]
        indexes = [
            models.Index(
                fields=["actor"], name="revision_actor", condition=models.Q(actor__isnull=False)
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "version"], name="revision_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version} {self.action}"


class ImportRun(TimestampedModel):
    """One run of an importer over one file: what it read and what became of each row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=40)  # ucdp_ged, acled, tabular
    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    # For uploads run by the worker: the format, the stored file and the column mapping.
    format = models.CharField(max_length=20, blank=True)
    stored_path = models.CharField(max_length=500, blank=True)
    mapping = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} {self.source} {self.file_name} ({self.status})"


class DeferredDefinition(models.Model):
    """An index, or on PostgreSQL a foreign key, dropped for a large first load and not yet
    built again (importers/deferred_schema.py, ADR 0020). A row left behind means its import
    was killed: the next import, or the worker, builds it from `definition` and deletes the
    row."""

    class Kind(models.TextChoices):
        INDEX = "index", _("Index")
        FOREIGN_KEY = "foreign_key", _("Foreign key")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=100, unique=True)
    table = models.CharField(max_length=100)
    # The database's own text: CREATE INDEX ..., or a constraint's FOREIGN KEY ... clause.
    definition = models.TextField()
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.name} on {self.table}"


class ImportRowProblem(models.Model):
    """A rejected row (error) or a row loaded with a doubt (warning), by line and field."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Rejected")
        WARNING = "warning", _("Warning")

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField()
    external_id = models.CharField(max_length=64, blank=True)
    field = models.CharField(max_length=100)
    reason = models.TextField()
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.ERROR)

    class Meta:
        ordering = ["run", "line"]
        indexes = [models.Index(fields=["run", "severity", "line"])]

    def __str__(self) -> str:
        return f"line {self.line} {self.field}: {self.reason}"


class IncidentDayCount(models.Model):
    """Incidents and fatalities per mission, classification, country, type and UTC day: a
    summary kept in step with the incidents by every write (summary.py), so aggregates read a
    few thousand narrow rows instead of every incident. It carries the mission and the
    classification, so the access policy filters it as it filters incidents."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    classification = models.CharField(max_length=24)
    country_code = models.CharField(max_length=3, blank=True)
    incident_type = models.CharField(max_length=32)
    day = models.DateField()  # the UTC day of `started_at`
    # Plain integers, no CHECK: a decrement is applied as a signed delta.
    incidents = models.IntegerField(default=0)
    fatalities = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "classification", "country_code", "incident_type", "day"],
                name="incident_day_count_once",
            ),
        ]
        indexes = [
            models.Index(fields=["country_code", "incident_type", "day"], name="day_count_country"),
            models.Index(fields=["day"], name="day_count_day"),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id} {self.country_code} {self.incident_type} {self.day}"
