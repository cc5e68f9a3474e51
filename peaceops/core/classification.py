"""Classification levels: who may see a record. Ordered from least to most restricted."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("Strictly confidential")


ORDER: tuple[str, ...] = tuple(Classification.values)


def rank(level: str) -> int:
    return ORDER.index(level)


def levels_up_to(clearance: str) -> tuple[str, ...]:
    """Every classification a holder of `clearance` may see."""
    return ORDER[: rank(clearance) + 1]


def levels_from(level: str) -> tuple[str, ...]:
    """Every clearance that may see a record classified `level`."""
    return ORDER[rank(level) :]
