"""GeoJSON polygon validation with Shapely (no GEOS/GDAL system install needed)."""

import json
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from peaceops.core.errors import ValidationFailed

POLYGON_TYPES = ("Polygon", "MultiPolygon")
MAX_VERTICES = 200_000


def parse_area_geometry(value: Any, *, field: str = "geometry") -> BaseGeometry:
    """Parse a GeoJSON Polygon/MultiPolygon (dict or JSON text), or raise ValidationFailed."""

    def fail(reason: str) -> ValidationFailed:
        return ValidationFailed({field: [reason]})

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise fail(_("Not valid JSON: %(error)s") % {"error": exc.msg}) from exc
    if not isinstance(value, dict) or value.get("type") not in POLYGON_TYPES:
        raise fail(_("Give a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise fail(_("Not a readable polygon: %(error)s") % {"error": exc}) from exc
    if geometry.is_empty:
        raise fail(_("The polygon is empty."))
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise fail(_("The polygon has more than %(max)d vertices.") % {"max": MAX_VERTICES})
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise fail(_("Coordinates must be longitude -180..180 and latitude -90..90."))
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise fail(_("The polygon is not valid: %(reason)s") % {"reason": reason})
    return geometry


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Plain-JSON GeoJSON (lists, not tuples) for storage in a JSONField."""
    return json.loads(json.dumps(mapping(geometry)))
