"""Stored forecasts: one ForecastRun per model fit and data cut-off, one Forecast row per
unit (country or PRIO-GRID cell) and forecast month.

A run records everything needed to reproduce it: the model name and version, the data
cut-off month, the training window and the parameters (features, LightGBM settings, draws,
the incident filter). Forecasts are built only from incidents classified public (ADR 0011),
so every signed-in user may read them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COUNTRY_MONTH = "cm", _("Country-month")
    PRIOGRID_MONTH = "pgm", _("PRIO-GRID cell-month")


class ForecastRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    level = models.CharField(max_length=3, choices=Level.choices)
    model_name = models.CharField(max_length=64)
    model_version = models.CharField(max_length=32)
    data_cutoff = models.DateField()  # first day of the last month of data used
    train_first_month = models.DateField()  # first feature month of the training rows
    train_last_month = models.DateField()  # last target month of the training rows
    first_month = models.DateField()  # first forecast month
    last_month = models.DateField()  # last forecast month
    threshold = models.PositiveIntegerField()  # fatalities for `probability` of each row
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    message = models.TextField(blank=True)
    unit_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["level", "status", "-created_at"], name="forecastrun_latest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "model_name", "model_version", "data_cutoff"],
                condition=~Q(status="failed"),
                name="forecastrun_once_per_cutoff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.model_name} v{self.model_version} to {self.data_cutoff:%Y-%m}"

    @property
    def reference(self) -> str:
        """What produced a forecast, in one line (for alerts and pages)."""
        return (
            f"{self.model_name} v{self.model_version}, data to {self.data_cutoff:%Y-%m}, "
            f"trained on {self.train_first_month:%Y-%m}..{self.train_last_month:%Y-%m}, "
            f"run {self.pk}"
        )


class Forecast(models.Model):
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="forecasts")
    unit = models.CharField(max_length=12)  # ISO3 for cm, the PRIO-GRID gid for pgm
    month = models.DateField()  # first day of the forecast month
    step = models.PositiveSmallIntegerField()  # months after the data cut-off
    mean = models.FloatField()
    median = models.FloatField()
    # P(fatalities >= run.threshold), and P(fatalities >= 1)
    probability = models.FloatField()
    probability_any = models.FloatField()
    quantiles = models.JSONField()  # values at QUANTILE_LEVELS (services.py)
    sample = models.JSONField()  # a compact sample of the draws (SAMPLE_SIZE of them)

    class Meta:
        ordering = ["run", "unit", "month"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit", "month"], name="forecast_once"),
        ]
        indexes = [models.Index(fields=["run", "month"], name="forecast_run_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"
