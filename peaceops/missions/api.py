"""REST endpoints for the mission registry and mission areas."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from peaceops.core.schema import InputSchema
from peaceops.missions import selectors, services
from peaceops.missions.models import Area, Mission

router = Router(tags=["missions"])


class MandateOut(Schema):
    symbol: str
    adopted_on: dt.date | None
    task_categories: list[int]


class MissionOut(Schema):
    acronym: str
    name_en: str
    name_fr: str
    short_name_zh: str
    name_zh: str
    kind: str
    status: str
    host_countries: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    hq_name: str
    hq_latitude: float | None
    hq_longitude: float | None
    mandates: list[MandateOut]


class MissionIn(InputSchema):
    acronym: str
    name_en: str
    name_fr: str = ""
    short_name_zh: str = ""
    name_zh: str = ""
    kind: str
    status: str = "active"
    host_countries: list[str] = []
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    hq_name: str = ""
    hq_latitude: float | None = None
    hq_longitude: float | None = None


class MandateIn(InputSchema):
    symbol: str
    adopted_on: dt.date | None = None
    task_categories: list[int] = []


class AreaOut(Schema):
    type: str = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class AreaIn(InputSchema):
    name: str
    kind: str
    classification: str = "internal"
    geometry: dict[str, Any]


class AreaPatchIn(InputSchema):
    version: int
    name: str | None = None
    kind: str | None = None
    classification: str | None = None
    geometry: dict[str, Any] | None = None


def _mission(mission: Mission) -> dict[str, Any]:
    return {
        **{
            field: getattr(mission, field)
            for field in MissionOut.model_fields
            if field != "mandates"
        },
        "mandates": list(mission.mandates.all()),
    }


def _area(area: Area) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": area.geometry,
        "properties": {
            "mission": area.mission.acronym,
            "name": area.name,
            "kind": area.kind,
            "classification": area.classification,
            "version": area.version,
            "bbox": [area.min_longitude, area.min_latitude, area.max_longitude, area.max_latitude],
        },
    }


@router.get("/missions", response=list[MissionOut], summary="The mission registry")
def list_missions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_mission(m) for m in selectors.mission_list(user=request.user)]


@router.post("/missions", response={201: MissionOut}, summary="Register a mission (system admin)")
def create_mission(request: HttpRequest, payload: MissionIn) -> Status:
    values = payload.dict()
    mission = services.mission_create(actor=request.user, **values)
    return Status(201, _mission(selectors.mission_get(user=request.user, acronym=mission.acronym)))


@router.get("/missions/{acronym}", response=MissionOut, summary="One mission")
def get_mission(request: HttpRequest, acronym: str) -> dict[str, Any]:
    return _mission(selectors.mission_get(user=request.user, acronym=acronym))


@router.post(
    "/missions/{acronym}/mandates",
    response={201: MandateOut},
    summary="Add a mandate (mission admin)",
)
def add_mandate(request: HttpRequest, acronym: str, payload: MandateIn) -> Status:
    mission = selectors.mission_get(user=request.user, acronym=acronym)
    return Status(201, services.mandate_add(actor=request.user, mission=mission, **payload.dict()))


@router.get(
    "/missions/{acronym}/areas",
    response=list[AreaOut],
    summary="A mission's areas as GeoJSON features",
)
def list_areas(request: HttpRequest, acronym: str) -> list[dict[str, Any]]:
    mission = selectors.mission_get(user=request.user, acronym=acronym)
    return [_area(a) for a in selectors.area_list(user=request.user, mission=mission)]


@router.post(
    "/missions/{acronym}/areas", response={201: AreaOut}, summary="Add an area (mission admin)"
)
def create_area(request: HttpRequest, acronym: str, payload: AreaIn) -> Status:
    mission = selectors.mission_get(user=request.user, acronym=acronym)
    area = services.area_create(actor=request.user, mission=mission, **payload.dict())
    return Status(201, _area(selectors.area_get(user=request.user, pk=area.pk)))


@router.get("/areas/{int:area_id}", response=AreaOut, summary="One area")
def get_area(request: HttpRequest, area_id: int) -> dict[str, Any]:
    return _area(selectors.area_get(user=request.user, pk=area_id))


@router.patch("/areas/{int:area_id}", response=AreaOut, summary="Change an area (mission admin)")
def update_area(request: HttpRequest, area_id: int, payload: AreaPatchIn) -> dict[str, Any]:
    area = selectors.area_get(user=request.user, pk=area_id)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    services.area_update(actor=request.user, area=area, version=payload.version, **changes)
    return _area(selectors.area_get(user=request.user, pk=area_id))


@router.delete(
    "/areas/{int:area_id}", response={204: None}, summary="Delete an area (mission admin)"
)
def delete_area(request: HttpRequest, area_id: int) -> Status:
    area = selectors.area_get(user=request.user, pk=area_id)
    services.area_delete(actor=request.user, area=area)
    return Status(204, None)
