"""The only code that writes missions, mandates and areas."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.classification import Classification
from peaceops.core.errors import ConflictError, FieldErrors, PermissionDenied, ValidationFailed
from peaceops.core.geo.countries import is_country_code
from peaceops.core.geo.points import point_errors
from peaceops.core.geo.shapes import parse_area_geometry, to_geojson
from peaceops.core.roles import Action
from peaceops.missions.models import Area, Mandate, Mission
from peaceops.missions.resolutions import parse_resolution
from peaceops.missions.task_categories import TaskCategory

SEED_FILE = Path(__file__).resolve().parent / "data" / "missions.json"

MISSION_FIELDS = (
    "name_en",
    "name_fr",
    "short_name_zh",
    "name_zh",
    "kind",
    "status",
    "host_countries",
    "start_date",
    "end_date",
    "hq_name",
    "hq_latitude",
    "hq_longitude",
)


def _require(actor: User, action: Action, mission_id: int) -> None:
    if not access_scope_for_user(actor).allows(action, mission_id):
        raise PermissionDenied()


def _check_clearance(actor: User, mission_id: int, classification: str) -> None:
    if not access_scope_for_user(actor).can_see(mission_id, classification):
        raise ValidationFailed({"classification": [_("Above your clearance for this mission.")]})


def _require_system_admin(actor: User) -> None:
    if not access_scope_for_user(actor).is_system_admin:
        raise PermissionDenied()


def _validate_mission(values: dict[str, Any]) -> None:
    errors = FieldErrors()
    if not str(values.get("name_en") or "").strip():
        errors.add("name_en", _("This field is required."))
    if values.get("kind") not in Mission.Kind.values:
        errors.add("kind", _("Unknown mission type."))
    if values.get("status") not in Mission.Status.values:
        errors.add("status", _("Unknown status."))
    for code in values.get("host_countries") or []:
        if not is_country_code(code):
            errors.add("host_countries", _("Unknown country code: %(code)s") % {"code": code})
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors.add("end_date", _("The end date is before the start date."))
    for field, reason in point_errors(
        values.get("hq_latitude"), values.get("hq_longitude")
    ).items():
        errors.add(f"hq_{field}", reason)
    errors.raise_if_any()


@transaction.atomic
def mission_create(*, actor: User, acronym: str, **values: Any) -> Mission:
    _require_system_admin(actor)
    values = {"status": Mission.Status.ACTIVE, **values}
    _validate_mission(values)
    if Mission.objects.filter(acronym__iexact=acronym).exists():
        raise ConflictError(_("A mission with this acronym exists already."))
    return Mission.objects.create(acronym=acronym.upper(), **values)


def mandate_validated(
    *, symbol: str, adopted_on: dt.date | None, task_categories: list[int]
) -> dict[str, Any]:
    errors = FieldErrors()
    parsed = parse_resolution(symbol)
    if parsed is None:
        errors.add("symbol", _("Not a resolution symbol such as S/RES/2709 (2023)."))
    for value in task_categories:
        if value not in TaskCategory.values:
            errors.add("task_categories", _("Unknown task category: %(value)s") % {"value": value})
    if parsed is not None and parsed.year and adopted_on and adopted_on.year != parsed.year:
        errors.add("adopted_on", _("The adoption date is not in the resolution's year."))
    errors.raise_if_any()
    assert parsed is not None
    return {
        "symbol": parsed.canonical,
        "organ": parsed.organ,
        "number": parsed.number,
        "year": parsed.year,
        "adopted_on": adopted_on,
        "task_categories": sorted(set(task_categories)),
    }


@transaction.atomic
def mandate_add(
    *,
    actor: User,
    mission: Mission,
    symbol: str,
    adopted_on: dt.date | None = None,
    task_categories: list[int] | None = None,
) -> Mandate:
    _require(actor, Action.MISSION_ADMIN, mission.pk)
    values = mandate_validated(
        symbol=symbol, adopted_on=adopted_on, task_categories=task_categories or []
    )
    mandate, _created = Mandate.objects.update_or_create(
        mission=mission, symbol=values.pop("symbol"), defaults=values
    )
    return mandate


def area_values(*, name: str, kind: str, classification: str, geometry: Any) -> dict[str, Any]:
    """Validated area fields with the bounding box computed; raises ValidationFailed."""
    errors = FieldErrors()
    if not name.strip():
        errors.add("name", _("This field is required."))
    elif len(name) > 200:
        errors.add("name", _("At most 200 characters."))
    if kind not in Area.Kind.values:
        errors.add("kind", _("Unknown area type."))
    if classification not in Classification.values:
        errors.add("classification", _("Unknown classification."))
    errors.raise_if_any()
    shape = parse_area_geometry(geometry)
    min_lon, min_lat, max_lon, max_lat = shape.bounds
    return {
        "name": name.strip(),
        "kind": kind,
        "classification": classification,
        "geometry": to_geojson(shape),
        "min_longitude": min_lon,
        "min_latitude": min_lat,
        "max_longitude": max_lon,
        "max_latitude": max_lat,
    }


@transaction.atomic
def area_create(
    *,
    actor: User,
    mission: Mission,
    name: str,
    kind: str,
    geometry: Any,
    classification: str = Classification.INTERNAL,
) -> Area:
    _require(actor, Action.MISSION_ADMIN, mission.pk)
    values = area_values(name=name, kind=kind, classification=classification, geometry=geometry)
    _check_clearance(actor, mission.pk, values["classification"])
    if Area.objects.filter(mission=mission, name=values["name"]).exists():
        raise ConflictError(_("This mission has an area with this name already."))
    return Area.objects.create(mission=mission, **values)


@transaction.atomic
def area_update(*, actor: User, area: Area, version: int, **changes: Any) -> Area:
    _require(actor, Action.MISSION_ADMIN, area.mission_id)
    current = {
        "name": area.name,
        "kind": area.kind,
        "classification": area.classification,
        "geometry": area.geometry,
    }
    values = area_values(**{**current, **changes})
    _check_clearance(actor, area.mission_id, values["classification"])
    if (
        Area.objects.filter(mission_id=area.mission_id, name=values["name"])
        .exclude(pk=area.pk)
        .exists()
    ):
        raise ConflictError(_("This mission has an area with this name already."))
    updated = Area.objects.filter(pk=area.pk, version=version).update(
        version=version + 1, updated_at=timezone.now(), **values
    )
    if not updated:
        raise ConflictError()
    area.refresh_from_db()
    return area


@transaction.atomic
def area_delete(*, actor: User, area: Area) -> None:
    _require(actor, Action.MISSION_ADMIN, area.mission_id)
    area.delete()


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def missions_seed(*, path: Path = SEED_FILE) -> dict[str, int]:
    """Load the registry seed (idempotent: re-running updates in place). A system task."""
    records = json.loads(path.read_text(encoding="utf-8"))
    created = updated = 0
    for record in records:
        values = {field: record.get(field) for field in MISSION_FIELDS}
        for text_field in ("name_fr", "short_name_zh", "name_zh", "hq_name"):
            values[text_field] = values[text_field] or ""
        values["host_countries"] = values["host_countries"] or []
        values["start_date"] = _parse_date(values["start_date"])
        values["end_date"] = _parse_date(values["end_date"])
        _validate_mission(values)
        mission, was_created = Mission.objects.update_or_create(
            acronym=record["acronym"], defaults=values
        )
        created += was_created
        updated += not was_created
        for mandate in record.get("mandates") or []:
            mandate_values = mandate_validated(
                symbol=mandate["symbol"],
                adopted_on=_parse_date(mandate.get("adopted_on")),
                task_categories=mandate.get("task_categories") or [],
            )
            Mandate.objects.update_or_create(
                mission=mission, symbol=mandate_values.pop("symbol"), defaults=mandate_values
            )
    return {"created": created, "updated": updated}
