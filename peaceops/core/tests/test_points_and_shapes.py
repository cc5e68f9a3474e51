import math

import pytest

from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.points import point_errors
from peaceops.core.geo.shapes import parse_area_geometry, to_geojson

SQUARE = {"type": "Polygon", "coordinates": [[[18, 4], [19, 4], [19, 5], [18, 5], [18, 4]]]}


@pytest.mark.parametrize(
    ("lat", "lon", "errors"),
    [
        (4.36, 18.55, {}),
        (None, None, {}),
        (90.0, -180.0, {}),
        (90.0001, 0.0, {"latitude": "Latitude must be between -90 and 90 degrees."}),
        (0.0, 180.5, {"longitude": "Longitude must be between -180 and 180 degrees."}),
        (math.nan, 0.0, {"latitude": "Latitude must be between -90 and 90 degrees."}),
        (4.0, None, {"longitude": "Give both latitude and longitude, or neither."}),
    ],
)
def test_point_errors(lat, lon, errors):
    assert point_errors(lat, lon) == errors


def test_parse_area_geometry_accepts_polygon_and_returns_plain_json():
    geometry = parse_area_geometry(SQUARE)
    assert geometry.bounds == (18.0, 4.0, 19.0, 5.0)
    assert to_geojson(geometry) == {
        "type": "Polygon",
        "coordinates": [[[18.0, 4.0], [19.0, 4.0], [19.0, 5.0], [18.0, 5.0], [18.0, 4.0]]],
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "Give a GeoJSON Polygon or MultiPolygon."),
        ("{not json", "Not valid JSON: Expecting property name enclosed in double quotes"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},
            "The polygon is not valid: Self-intersection[1 1]",
        ),
        (
            {"type": "Polygon", "coordinates": [[[170, 0], [190, 0], [190, 1], [170, 0]]]},
            "Coordinates must be longitude -180..180 and latitude -90..90.",
        ),
    ],
)
def test_parse_area_geometry_refuses_with_reason(value, reason):
    with pytest.raises(ValidationFailed) as caught:
        parse_area_geometry(value, field="geometry")
    assert caught.value.fields == {"geometry": [reason]}
