"""Point validation and precision codes (no GIS system libraries needed)."""

import math

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationPrecision(models.TextChoices):
    """How exactly the point locates the event (UCDP `where_prec` 1-7 maps onto these)."""

    EXACT = "exact", _("Exact location")
    NEAR = "near", _("Within 25 km of a known place")
    ADMIN2 = "admin2", _("Second-order administrative division")
    ADMIN1 = "admin1", _("First-order administrative division")
    REGION = "region", _("Linear or regional feature")
    COUNTRY = "country", _("Country only")
    INTERNATIONAL = "international", _("International waters or airspace")


class DatePrecision(models.TextChoices):
    """How exactly the start/end times are known (UCDP `date_prec` 1-5 map onto these)."""

    EXACT = "exact", _("Exact date and time")
    DAY = "day", _("Day")
    WEEK = "week", _("Within a week")
    MONTH = "month", _("Within a month")
    YEAR = "year", _("Within a year")


def point_errors(latitude: float | None, longitude: float | None) -> dict[str, str]:
    """Reasons, by field, why (latitude, longitude) is not a valid WGS 84 point."""
    errors: dict[str, str] = {}
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors[missing] = str(_("Give both latitude and longitude, or neither."))
        return errors
    if latitude is not None and (not math.isfinite(latitude) or not -90 <= latitude <= 90):
        errors["latitude"] = str(_("Latitude must be between -90 and 90 degrees."))
    if longitude is not None and (not math.isfinite(longitude) or not -180 <= longitude <= 180):
        errors["longitude"] = str(_("Longitude must be between -180 and 180 degrees."))
    return errors
