"""Distances in kilometres between a point and a polygon, without a projection library.

Around a point, an equirectangular projection (x scaled by the cosine of the latitude) is
accurate to well under 1% for the tens of kilometres early-warning rules care about.
"""

import math

from shapely import affinity
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

KM_PER_DEGREE = 111.32


def km_to_degrees_box(latitude: float, km: float) -> tuple[float, float]:
    """Half-widths (degrees of latitude, degrees of longitude) of a box `km` around a point."""
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    return km / KM_PER_DEGREE, km / (KM_PER_DEGREE * cos_lat)


def distance_km(latitude: float, longitude: float, geometry: BaseGeometry) -> float:
    """Shortest distance from the point to `geometry` (0 inside it)."""
    cos_lat = math.cos(math.radians(latitude))
    projected = affinity.affine_transform(
        geometry,
        [
            KM_PER_DEGREE * cos_lat,
            0,
            0,
            KM_PER_DEGREE,
            -KM_PER_DEGREE * cos_lat * longitude,
            -KM_PER_DEGREE * latitude,
        ],
    )
    return projected.distance(Point(0.0, 0.0))
