"""REST endpoints for the map: compact incident points, and the offline base map (country
boundaries served by the platform itself, so no external tile server is needed)."""

import functools
import gzip
import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.gzip import gzip_page
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view

from peaceops.core.geo.countries import DATA_FILE, boundaries_geojson
from peaceops.incidents.api import IncidentQuery, checked_limit
from peaceops.incidents.selectors_map import incident_map_points as map_points_rows

router = Router(tags=["map"])

MAX_MAP_POINTS = 200_000
MAP_POINT_FIELDS = ["id", "lat", "lon", "type", "fatalities", "started"]
BOUNDARIES_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MapPointsOut(Schema):
    fields: list[str]
    points: list[tuple[int, float, float, str, int, str]]
    truncated: bool


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
@decorate_view(gzip_page)
def incident_map_points(
    request: HttpRequest, filters: Query[IncidentQuery], limit: int = MAX_MAP_POINTS
) -> HttpResponse:
    rows, truncated = map_points_rows(
        user=request.user, filters=filters.to_filters(), limit=checked_limit(limit, MAX_MAP_POINTS)
    )
    # Serialised here, not through the schema: validating 200,000 rows would take seconds.
    body = json.dumps(
        {"fields": MAP_POINT_FIELDS, "points": rows, "truncated": truncated},
        separators=(",", ":"),
    )
    return HttpResponse(body, content_type="application/json")


@functools.cache
def _boundaries() -> tuple[bytes, bytes]:
    """The boundaries as compact JSON bytes and the same gzipped, built once per process
    (3.8 MB of JSON, 1.3 MB gzipped; about a second)."""
    body = json.dumps(boundaries_geojson(), separators=(",", ":")).encode("utf-8")
    return body, gzip.compress(body, compresslevel=6, mtime=0)


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
    body, compressed = _boundaries()
    response = HttpResponse(content_type="application/geo+json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.content = compressed
        response["Content-Encoding"] = "gzip"
    else:
        response.content = body
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = BOUNDARIES_CACHE_CONTROL
    return response
