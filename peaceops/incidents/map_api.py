"""REST endpoints for the map: compact incident points, and the offline base map (country
boundaries served by the platform itself, so no external tile server is needed)."""

import functools
import gzip
import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.countries import DATA_FILE, boundaries_geojson
from peaceops.incidents.api import IncidentQuery, checked_limit
from peaceops.incidents.selectors import incident_aggregate
from peaceops.incidents.selectors_map import (
    MAP_GROUPINGS,
    cached_map_points,
    cached_read,
    map_heat_cells,
)

router = Router(tags=["map"])

MAX_MAP_POINTS = 200_000
MAP_POINT_FIELDS = ["id", "lat", "lon", "type", "fatalities", "started"]
BOUNDARIES_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MapPointsOut(Schema):
    fields: list[str]
    points: list[tuple[int, float, float, str, int, str]]
    truncated: bool


def _json_body(payload: Any, level: int = 2) -> bytes:
    """Compact JSON, gzipped. Level 2 for answers computed on request: for 50,000 points a
    body 14% larger than at level 6 in a quarter of the time (30 ms)."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return gzip.compress(body, compresslevel=level, mtime=0)


def _gzipped_response(request: HttpRequest, compressed: bytes, content_type: str) -> HttpResponse:
    """The gzipped body as it is when the client accepts gzip (browsers do), else unpacked."""
    response = HttpResponse(content_type=content_type)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.content = compressed
        response["Content-Encoding"] = "gzip"
    else:
        response.content = gzip.decompress(compressed)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@router.get(
    "/incidents/map-points",
    response=MapPointsOut,
    summary="Incident points for the map, compact (newest first, up to 200,000)",
    description=(
        "Every incident you may see that matches the filters and has a point, as rows of "
        "`fields` (`id`, `lat`, `lon`, `type`, `fatalities`, `started` as YYYY-MM-DD in UTC). "
        "`truncated` is true when more incidents matched than `limit`: the newest are sent. "
        "Gzip-compressed when the client accepts it."
    ),
)
def incident_map_points(
    request: HttpRequest, filters: Query[IncidentQuery], limit: int = MAX_MAP_POINTS
) -> HttpResponse:
    # Serialised here, not through the schema: validating 200,000 rows would take seconds.
    compressed = cached_map_points(
        user=request.user,
        filters=filters.to_filters(),
        limit=checked_limit(limit, MAX_MAP_POINTS),
        render=lambda rows, truncated: _json_body(
            {"fields": MAP_POINT_FIELDS, "points": rows, "truncated": truncated}
        ),
    )
    return _gzipped_response(request, compressed, "application/json")


class MapAggregateRowOut(Schema):
    key: str | int | None
    incidents: int
    fatalities: int


class MapAggregateOut(Schema):
    group_by: str
    rows: list[MapAggregateRowOut]


@router.get(
    "/incidents/map-aggregates",
    response=MapAggregateOut,
    summary="The map's counts: per month, PRIO-GRID cell or admin-1 area",
    description=(
        "What the map page draws besides the points: `group_by=month` (the time slider), "
        "`priogrid` (the heat view) or `admin1` (the top areas; keys `ISO3/name`). The same "
        "rows and filters as `/incidents/aggregates`, kept by the server until an incident "
        "changes, and gzip-compressed when the client accepts it."
    ),
)
def incident_map_aggregates(
    request: HttpRequest, filters: Query[IncidentQuery], group_by: str
) -> HttpResponse:
    if group_by not in MAP_GROUPINGS:
        raise ValidationFailed(
            {"group_by": [_("One of: %(values)s") % {"values": ", ".join(MAP_GROUPINGS)}]}
        )
    parsed = filters.to_filters()

    def compute() -> bytes:
        if group_by == "priogrid":
            rows = map_heat_cells(user=request.user, filters=parsed)
        else:
            rows = incident_aggregate(user=request.user, group_by=group_by, filters=parsed)
        return _json_body({"group_by": group_by, "rows": rows})

    compressed = cached_read(
        user=request.user, name=f"map-aggregates-{group_by}", params=parsed, compute=compute
    )
    return _gzipped_response(request, compressed, "application/json")


@functools.cache
def _boundaries() -> bytes:
    """The boundaries as gzipped compact JSON, built once per process (3.8 MB of JSON,
    1.3 MB gzipped at level 6; about a second)."""
    return _json_body(boundaries_geojson(), level=6)


@functools.cache
def boundaries_version() -> str:
    """Changes when the shipped boundaries file changes. Pages add it to the URL (`?v=`), so
    the response may be cached for a year. Cheap: it does not build the response."""
    return hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()[:16]


@router.get(
    "/boundaries",
    response={200: None},
    summary="Country boundaries (Natural Earth, public domain) as GeoJSON, for the base map",
    description=(
        "One MultiPolygon feature per country, properties `code` (ISO 3166-1 alpha-3) and "
        "`name`, simplified for small-scale maps. The top-level `unassigned_land` is land no "
        "country claims in the source (e.g. Abyei). Immutable per release: cached for a year."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "A GeoJSON FeatureCollection",
                "content": {"application/geo+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def boundaries(request: HttpRequest) -> HttpResponse:
    response = _gzipped_response(request, _boundaries(), "application/geo+json")
    response["Cache-Control"] = BOUNDARIES_CACHE_CONTROL
    return response
