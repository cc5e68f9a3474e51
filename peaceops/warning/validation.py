"""Checks on alert and response values, each failure named by field (FieldErrors)."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.core.classification import Classification
from peaceops.core.errors import FieldErrors
from peaceops.core.geo.points import LocationPrecision, point_errors
from peaceops.core.taxonomy import IncidentType
from peaceops.missions.models import Area, Mission
from peaceops.warning.models import AlertSource, Response, Severity

ALERT_FIELDS = frozenset(
    {
        "source",
        "threat_type",
        "title",
        "description",
        "latitude",
        "longitude",
        "area_id",
        "location_precision",
        "location_name",
        "severity",
        "received_at",
        "assigned_unit",
        "classification",
    }
)

# Sources a person may give; "rule" and "forecast" alerts are opened by the rules only.
RAISED_SOURCES = frozenset({AlertSource.FIELD_STAFF, AlertSource.COMMUNITY, AlertSource.SMS})


def _choice(errors: FieldErrors, values: dict[str, Any], field: str, choices: Any) -> None:
    if values.get(field) not in choices:
        errors.add(field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})


def clean_alert(values: dict[str, Any], *, mission: Mission) -> dict[str, Any]:
    """Defaults filled, values checked; raises ValidationFailed naming every bad field."""
    errors = FieldErrors()
    for field in sorted(set(values) - ALERT_FIELDS):
        errors.add(field, _("Unknown field."))
    cleaned: dict[str, Any] = {
        "source": AlertSource.FIELD_STAFF,
        "description": "",
        "latitude": None,
        "longitude": None,
        "area_id": None,
        "location_precision": LocationPrecision.NEAR,
        "location_name": "",
        "severity": Severity.MEDIUM,
        "received_at": timezone.now(),
        "assigned_unit": "",
        "classification": Classification.INTERNAL,
        **{key: value for key, value in values.items() if key in ALERT_FIELDS},
    }
    cleaned["title"] = str(cleaned.get("title") or "").strip()
    if not cleaned["title"]:
        errors.add("title", _("Say in a few words what is feared."))
    elif len(cleaned["title"]) > 300:
        errors.add("title", _("Keep the title under 300 characters."))
    _choice(errors, cleaned, "source", sorted(RAISED_SOURCES))
    _choice(errors, cleaned, "threat_type", IncidentType.values)
    _choice(errors, cleaned, "severity", Severity.values)
    _choice(errors, cleaned, "location_precision", LocationPrecision.values)
    _choice(errors, cleaned, "classification", Classification.values)
    for field, reason in point_errors(cleaned["latitude"], cleaned["longitude"]).items():
        errors.add(field, reason)
    if (
        cleaned["area_id"] is not None
        and not Area.objects.filter(pk=cleaned["area_id"], mission=mission).exists()
    ):
        errors.add("area_id", _("No such area in this mission."))
    no_place = cleaned["latitude"] is None and cleaned["longitude"] is None
    if no_place and cleaned["area_id"] is None:
        errors.add("latitude", _("Give a point or choose one of the mission's areas."))
    received_at = cleaned["received_at"]
    if not isinstance(received_at, datetime) or timezone.is_naive(received_at):
        errors.add("received_at", _("Give a date and time with a time zone."))
    elif received_at > timezone.now() + timedelta(minutes=5):
        errors.add("received_at", _("The time received cannot be in the future."))
    errors.raise_if_any()
    return cleaned


RESPONSE_FIELDS = frozenset(
    {"kind", "description", "unit", "started_at", "completed_at", "outcome", "outcome_notes"}
)


def clean_response(values: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    for field in sorted(set(values) - RESPONSE_FIELDS):
        errors.add(field, _("Unknown field."))
    cleaned: dict[str, Any] = {
        "description": "",
        "unit": "",
        "started_at": timezone.now(),
        "completed_at": None,
        "outcome": Response.Outcome.PENDING,
        "outcome_notes": "",
        **{key: value for key, value in values.items() if key in RESPONSE_FIELDS},
    }
    _choice(errors, cleaned, "kind", Response.Kind.values)
    _choice(errors, cleaned, "outcome", Response.Outcome.values)
    if cleaned.get("kind") == Response.Kind.NONE_POSSIBLE and not cleaned["description"].strip():
        errors.add("description", _("Say why no response was possible."))
    started, completed = cleaned["started_at"], cleaned["completed_at"]
    for field in ("started_at", "completed_at"):
        value = cleaned[field]
        if value is not None and (not isinstance(value, datetime) or timezone.is_naive(value)):
            errors.add(field, _("Give a date and time with a time zone."))
    comparable = "started_at" not in errors and "completed_at" not in errors
    if comparable and completed is not None and completed < started:
        errors.add("completed_at", _("A response cannot end before it starts."))
    errors.raise_if_any()
    return cleaned
