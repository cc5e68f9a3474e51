"""The settings of each trigger-rule kind, checked before a rule is saved."""

from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peaceops.core.errors import ValidationFailed
from peaceops.core.taxonomy import IncidentType
from peaceops.missions.models import Area


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdParams(_Params):
    """N incidents or F fatalities of the rule's types in one place within a window."""

    window_days: int = Field(7, ge=1, le=366)
    min_incidents: int | None = Field(None, ge=1)
    min_fatalities: int | None = Field(None, ge=1)
    # where "one place" is: one admin-1 area, one PRIO-GRID cell, or one of the mission's areas
    group_by: Literal["admin1", "priogrid", "area"] = "admin1"
    area_id: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> "ThresholdParams":
        if self.min_incidents is None and self.min_fatalities is None:
            raise ValueError("give min_incidents, min_fatalities or both")
        if (self.group_by == "area") != (self.area_id is not None):
            raise ValueError("area_id goes with group_by 'area', and only with it")
        return self


class SpikeParams(_Params):
    """Activity in a unit well above its own recent baseline (spike_test.py)."""

    unit: Literal["admin1", "priogrid"] = "admin1"
    window_days: int = Field(7, ge=1, le=92)
    baseline_windows: int = Field(12, ge=2, le=104)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    min_incidents: int = Field(3, ge=1)


class ProximityParams(_Params):
    """An incident within `distance_km` of a protected site, base or other listed area."""

    distance_km: float = Field(5.0, gt=0, le=200)
    area_kinds: tuple[str, ...] = (Area.Kind.PROTECTED_SITE, Area.Kind.BASE)
    window_days: int = Field(2, ge=1, le=92)

    @model_validator(mode="after")
    def _kinds(self) -> "ProximityParams":
        unknown = set(self.area_kinds) - set(Area.Kind.values)
        if unknown or not self.area_kinds:
            raise ValueError(f"area_kinds must be among {', '.join(Area.Kind.values)}")
        return self


class ForecastParams(_Params):
    """A forecast probability of reaching `threshold` fatalities above `min_probability`."""

    level: Literal["cm", "pgm"] = "cm"
    threshold: int = Field(25, ge=1)
    min_probability: float = Field(0.5, gt=0, le=1)
    months_ahead: int = Field(3, ge=1, le=36)


PARAMS: dict[str, type[_Params]] = {
    "threshold": ThresholdParams,
    "spike": SpikeParams,
    "proximity": ProximityParams,
    "forecast": ForecastParams,
}


def parse_params(kind: str, parameters: dict[str, Any]) -> _Params:
    """The typed settings of a rule, or ValidationFailed naming each bad setting."""
    if kind not in PARAMS:
        raise ValidationFailed({"kind": [_("Choose one of: %s.") % ", ".join(PARAMS)]})
    try:
        return PARAMS[kind].model_validate(parameters)
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"])
            field = f"parameters.{location}" if location else "parameters"
            fields.setdefault(field, []).append(error["msg"])
        raise ValidationFailed(fields) from exc


def clean_incident_types(values: Any) -> list[str]:
    if not isinstance(values, list) or any(value not in IncidentType.values for value in values):
        raise ValidationFailed(
            {"incident_types": [_("Give a list of incident types (empty for every type).")]}
        )
    return sorted(set(values))
