"""Shared model base: timestamps and a version number for optimistic locking."""

from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimestampedModel):
    """A row that is updated with `version` checks: services refuse a stale version."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
