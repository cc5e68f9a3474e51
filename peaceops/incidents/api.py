"""REST endpoints for incidents: parse, call a service or selector, return a schema."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from peaceops.core.errors import ValidationFailed
from peaceops.incidents import exports, selectors, services
from peaceops.incidents.models import Incident
from peaceops.incidents.schemas import (
    AggregateOut,
    CountOut,
    GeoJSONFeatureCollection,
    IncidentCreateIn,
    IncidentOut,
    IncidentPageOut,
    IncidentPatchIn,
    RejectIn,
    RevisionOut,
    VersionIn,
)
from peaceops.missions.selectors import mission_get

router = Router(tags=["incidents"])

MAX_PAGE = 1000
MAX_GEOJSON_PAGE = 10_000


class IncidentQuery(Schema):
    mission: str | None = None
    country: str | None = None
    admin1: str | None = None
    type: str | None = None
    subtype: str | None = None
    verification: str | None = None
    classification: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    bbox: str | None = None
    q: str | None = None
    source: str | None = Field(
        None,
        description=(
            "Where the incidents come from (their `external_source`), exact: `ucdp_ged`, "
            "`acled`, `tabular:<name>`, ...; `field` for incidents reported in peaceops."
        ),
    )

    def to_filters(self) -> selectors.IncidentFilters:
        return selectors.IncidentFilters(
            mission=self.mission,
            country=self.country,
            admin1=self.admin1,
            incident_type=self.type,
            subtype=self.subtype,
            verification_status=self.verification,
            classification=self.classification,
            started_from=self.date_from,
            started_to=self.date_to,
            bbox=parse_bbox(self.bbox) if self.bbox else None,
            text=self.q,
            source=self.source,
        )


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    reason = _("Give min_lon,min_lat,max_lon,max_lat in decimal degrees.")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise ValidationFailed({"bbox": [reason]}) from exc
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValidationFailed({"bbox": [reason]})
    if not (-90 <= min_lat <= max_lat <= 90):
        raise ValidationFailed({"bbox": [reason]})
    return (min_lon, min_lat, max_lon, max_lat)


def checked_limit(value: int, maximum: int) -> int:
    if not 1 <= value <= maximum:
        raise ValidationFailed({"limit": [_("Between 1 and %(max)d.") % {"max": maximum}]})
    return value


def summary(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "mission": incident.mission.acronym,
        "incident_type": incident.incident_type,
        "subtype": incident.subtype,
        "title": incident.title,
        "started_at": incident.started_at,
        "ended_at": incident.ended_at,
        "date_precision": incident.date_precision,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "location_precision": incident.location_precision,
        "country_code": incident.country_code,
        "admin1": incident.admin1,
        "priogrid_gid": incident.priogrid_gid,
        "fatalities": incident.fatalities,
        "injured": incident.injured,
        "verification_status": incident.verification_status,
        "classification": incident.classification,
        "version": incident.version,
    }


def detail(incident: Incident) -> dict[str, Any]:
    return {
        **summary(incident),
        "narrative": incident.narrative,
        "narrative_language": incident.narrative_language,
        "location_name": incident.location_name,
        "admin2": incident.admin2,
        "rejection_reason": incident.rejection_reason,
        "external_source": incident.external_source,
        "external_id": incident.external_id,
        "created_by": incident.created_by.get_username() if incident.created_by else None,
        "reviewed_by": incident.reviewed_by.get_username() if incident.reviewed_by else None,
        "reviewed_at": incident.reviewed_at,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "casualties": list(incident.casualties.all()),
        "sources": list(incident.sources.all()),
        "actors": [
            {"name": link.actor.name, "side": link.side, "kind": link.actor.kind}
            for link in incident.actor_links.all()
        ],
    }


def _detail_for(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(selectors.incident_get(user=request.user, pk=pk))


@router.get("/incidents", response=IncidentPageOut, summary="List incidents (newest first)")
def list_incidents(
    request: HttpRequest,
    filters: Query[IncidentQuery],
    cursor: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    page = selectors.incident_page(
        user=request.user,
        filters=filters.to_filters(),
        cursor=cursor,
        limit=checked_limit(limit, MAX_PAGE),
    )
    return {"items": [summary(i) for i in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/incidents/geojson",
    response=GeoJSONFeatureCollection,
    summary="List incidents as a GeoJSON FeatureCollection (points only)",
)
def list_incidents_geojson(
    request: HttpRequest,
    filters: Query[IncidentQuery],
    cursor: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    page = selectors.incident_page(
        user=request.user,
        filters=filters.to_filters(),
        cursor=cursor,
        limit=checked_limit(limit, MAX_GEOJSON_PAGE),
    )
    features = []
    for incident in page.items:
        properties = summary(incident)
        properties["started_at"] = incident.started_at.isoformat()
        properties["ended_at"] = incident.ended_at.isoformat() if incident.ended_at else None
        geometry = None
        if incident.latitude is not None:
            geometry = {"type": "Point", "coordinates": [incident.longitude, incident.latitude]}
        features.append(
            {"type": "Feature", "id": incident.pk, "geometry": geometry, "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features, "next_cursor": page.next_cursor}


@router.get("/incidents/count", response=CountOut, summary="Count incidents matching filters")
def count_incidents(request: HttpRequest, filters: Query[IncidentQuery]) -> dict[str, int]:
    return {"count": selectors.incident_count(user=request.user, filters=filters.to_filters())}


@router.get(
    "/incidents/aggregates",
    response=AggregateOut,
    summary="Incidents and fatalities per month, week, type, country, admin-1, cell or mission",
)
def aggregate_incidents(
    request: HttpRequest, filters: Query[IncidentQuery], group_by: str = "month"
) -> dict[str, Any]:
    if group_by not in selectors.GROUPINGS:
        raise ValidationFailed(
            {"group_by": [_("One of: %(values)s") % {"values": ", ".join(selectors.GROUPINGS)}]}
        )
    rows = selectors.incident_aggregate(
        user=request.user, group_by=group_by, filters=filters.to_filters()
    )
    return {"group_by": group_by, "rows": rows}


_EXPORT_CONTENT = {
    content_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
    for _writer, content_type, _extension in exports.FORMATS.values()
}


@router.get(
    "/incidents/export",
    response={200: None},
    summary="Export every matching incident: CSV (with an HXL row), GeoJSON, Parquet or XLSX",
    description=(
        "Streams every incident you may see that matches the filters, ordered by id, as a "
        "file download. The export is recorded in the security log."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, streamed (Content-Disposition: attachment)",
                "content": _EXPORT_CONTENT,
            }
        }
    },
)
def export_incidents(
    request: HttpRequest,
    filters: Query[IncidentQuery],
    fmt: str = Query("csv", alias="format", description="csv, geojson, parquet or xlsx"),
) -> StreamingHttpResponse:
    stream, content_type, filename = exports.export_incidents(
        user=request.user, filters=filters.to_filters(), fmt=fmt, request=request
    )
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response


@router.post("/incidents", response={201: IncidentOut}, summary="Report an incident")
def create_incident(request: HttpRequest, payload: IncidentCreateIn) -> Status:
    mission = mission_get(user=request.user, acronym=payload.mission)
    values = payload.dict(exclude={"mission"})
    incident = services.incident_create(actor=request.user, mission=mission, **values)
    return Status(201, _detail_for(request, incident.pk))


@router.get("/incidents/{int:incident_id}", response=IncidentOut, summary="One incident in full")
def get_incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    return _detail_for(request, incident_id)


@router.patch(
    "/incidents/{int:incident_id}",
    response=IncidentOut,
    summary="Change fields (send the version you read; 409 if it is stale)",
)
def update_incident(
    request: HttpRequest, incident_id: int, payload: IncidentPatchIn
) -> dict[str, Any]:
    changes = payload.dict(exclude_unset=True, exclude={"version", "comment"})
    services.incident_update(
        actor=request.user,
        incident_id=incident_id,
        version=payload.version,
        changes=changes,
        comment=payload.comment,
    )
    return _detail_for(request, incident_id)


@router.post(
    "/incidents/{int:incident_id}/start-review", response=IncidentOut, summary="Start review"
)
def start_review(request: HttpRequest, incident_id: int, payload: VersionIn) -> dict[str, Any]:
    services.incident_start_review(
        actor=request.user, incident_id=incident_id, version=payload.version
    )
    return _detail_for(request, incident_id)


@router.post("/incidents/{int:incident_id}/verify", response=IncidentOut, summary="Verify")
def verify(request: HttpRequest, incident_id: int, payload: VersionIn) -> dict[str, Any]:
    services.incident_verify(actor=request.user, incident_id=incident_id, version=payload.version)
    return _detail_for(request, incident_id)


@router.post(
    "/incidents/{int:incident_id}/reject", response=IncidentOut, summary="Reject with a reason"
)
def reject(request: HttpRequest, incident_id: int, payload: RejectIn) -> dict[str, Any]:
    services.incident_reject(
        actor=request.user, incident_id=incident_id, version=payload.version, reason=payload.reason
    )
    return _detail_for(request, incident_id)


@router.post(
    "/incidents/{int:incident_id}/reopen", response=IncidentOut, summary="Reopen for review"
)
def reopen(request: HttpRequest, incident_id: int, payload: VersionIn) -> dict[str, Any]:
    services.incident_reopen(actor=request.user, incident_id=incident_id, version=payload.version)
    return _detail_for(request, incident_id)


@router.get(
    "/incidents/{int:incident_id}/revisions",
    response=list[RevisionOut],
    summary="Revision history: who changed what, when, with previous values",
)
def revisions(request: HttpRequest, incident_id: int) -> list[dict[str, Any]]:
    incident = selectors.incident_get(user=request.user, pk=incident_id)
    return [
        {
            "version": r.version,
            "action": r.action,
            "changes": r.changes,
            "comment": r.comment,
            "actor": r.actor.get_username() if r.actor else None,
            "created_at": r.created_at,
        }
        for r in selectors.incident_revisions(user=request.user, incident=incident)
    ]
