"""Offline country lookup from a point (no network, no Django).

Boundaries: Natural Earth admin-0 countries 1:10m v5.1.1 ("deu" point-of-view edition, public
domain), simplified as a coverage (shared borders stay identical, so there are no gaps or
overlaps between neighbours) and shipped as ``data/ne_10m_admin0_countries.geojson.gz``
(about 1.3 MB, 245 countries). It is built by ``scripts/build_country_boundaries.py``; see
``data/NATURAL_EARTH.md`` for the source, the licence and the choices below.

Codes are ISO 3166-1 alpha-3 at Natural Earth admin-0 granularity:

* Natural Earth's ``ISO_A3`` is used; where it is ``-99`` then ``ISO_A3_EH`` (France ``FRA``,
  Norway ``NOR``), then ``ADM0_A3``.
* Kosovo is ``XKX`` (user-assigned code used by the EU, IMF and World Bank; ISO has none).
* A few tiny areas without an ISO code keep Natural Earth's own code: ``ESB`` Dhekelia and
  ``WSB`` Akrotiri (UK sovereign base areas on Cyprus), ``USG`` Guantanamo Bay naval base,
  ``BRT`` Bir Tawil, ``PGA`` Spratly Islands, ``SCR`` Scarborough Reef.
* Territories that Natural Earth draws as part of a country get that country's code, e.g.
  French Guiana, Guadeloupe, Martinique, Réunion, Mayotte and Clipperton -> ``FRA``; Svalbard
  -> ``NOR``; Christmas Island, Cocos (Keeling) Islands -> ``AUS``; Northern Cyprus -> ``CYP``;
  Somaliland -> ``SOM``.

Points that fall in no polygon (the sea, or a coastline smoothed away by simplification) snap
to the nearest country within :data:`NEAR_COAST_DEGREES`. Enclosed land that this edition
assigns to no country answers ``None`` without snapping: the Abyei area (Sudan/South Sudan),
the Golan Heights, the Southern Patagonian Ice Field, Rincón de Artigas and a few slivers on
the Egypt-Sudan border. Callers should then fall back to a user-supplied country.

Expect the answer to be unreliable within about 1-2 km of a land border (the simplification
tolerance).
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry import shape

__all__ = [
    "DATA_FILE",
    "NEAR_COAST_DEGREES",
    "all_countries",
    "BORDER_TOLERANCE_DEGREES",
    "boundaries_geojson",
    "code_for_name",
    "countries_at",
    "country_at",
    "country_name",
    "is_country_code",
    "near_country",
]

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "ne_10m_admin0_countries.geojson.gz"

NEAR_COAST_DEGREES: Final = 0.1
"""Snap distance for points outside every polygon, in degrees (planar, lon/lat): about 11 km
north-south everywhere and 11 km east-west at the equator (less towards the poles). It catches
ports, beaches, small islands and events geocoded just offshore, without assigning open-sea
points to a country."""


BORDER_TOLERANCE_DEGREES: Final = 0.05
"""How far (about 5 km) outside a country's simplified boundary a point may lie and still be
accepted as in that country when a source says so: sources geocode to towns on borders
(UCDP's "Bangui city" point lies 600 m across the Ubangi, in DR Congo)."""


@dataclass(frozen=True, slots=True)
class _Index:
    codes: tuple[str, ...]  # one per country, sorted
    names: dict[str, str]  # code -> English name
    parts: np.ndarray  # single polygons (prepared), sorted by country code
    part_country: np.ndarray  # index into codes, one per part
    tree: shapely.STRtree  # over parts
    unassigned: Any  # prepared MultiPolygon: land no country claims (Abyei, Golan Heights, ...)


@functools.cache
def _geojson_text() -> str:
    """The shipped FeatureCollection as JSON text (about 3.8 MB; parsed on demand so the
    ~200,000 coordinates are not kept as Python lists)."""
    return gzip.decompress(DATA_FILE.read_bytes()).decode("utf-8")


@functools.cache
def _index() -> _Index:
    codes: list[str] = []
    names: dict[str, str] = {}
    parts: list[Any] = []
    part_country: list[int] = []
    collection = json.loads(_geojson_text())
    for feature in sorted(collection["features"], key=lambda f: f["properties"]["code"]):
        code = feature["properties"]["code"]
        names[code] = feature["properties"]["name"]
        country = len(codes)
        codes.append(code)
        # Single polygons give the tree tight boxes (France's mainland vs. its islands).
        for part in shapely.get_parts(shape(feature["geometry"])):
            parts.append(part)
            part_country.append(country)
    part_array = np.array(parts, dtype=object)
    shapely.prepare(part_array)
    unassigned = shape(collection["unassigned_land"])
    shapely.prepare(unassigned)
    return _Index(
        codes=tuple(codes),
        names=names,
        parts=part_array,
        part_country=np.array(part_country, dtype=np.intp),
        tree=shapely.STRtree(part_array),
        unassigned=unassigned,
    )


def _valid(latitude: float, longitude: float) -> bool:
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    )


def country_at(latitude: float, longitude: float) -> str | None:
    """ISO 3166-1 alpha-3 code of the country containing the point (WGS84 degrees).

    A point on a border counts as inside both countries; the alphabetically first code wins.
    If no polygon contains the point, the nearest country within :data:`NEAR_COAST_DEGREES` is
    returned (so coastal and just-offshore points snap to land), else ``None``. Land that no
    country claims in the source (Abyei, the Golan Heights, ...) gives ``None``, unsnapped.
    Invalid input (not a number, NaN, latitude outside -90..90 or longitude outside
    -180..180) gives ``None``.
    """
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not _valid(latitude, longitude):
        return None
    index = _index()
    for part in np.sort(index.tree.query(shapely.Point(longitude, latitude))):
        if shapely.intersects_xy(index.parts[part], longitude, latitude):
            return index.codes[index.part_country[part]]
    if shapely.intersects_xy(index.unassigned, longitude, latitude):
        return None
    nearest = _nearest_parts(index, np.array([longitude]), np.array([latitude]))[0]
    return index.codes[index.part_country[nearest]] if nearest >= 0 else None


def countries_at(
    latitudes: Sequence[float] | np.ndarray, longitudes: Sequence[float] | np.ndarray
) -> list[str | None]:
    """Vectorised :func:`country_at` for bulk imports: one code (or ``None``) per point, same
    answers as calling :func:`country_at` on each.

    ``latitudes`` and ``longitudes`` must have the same length (else ``ValueError``); ``None``
    or NaN entries and out-of-range coordinates give ``None``. Uses an STRtree over single
    polygons and vectorised tests on prepared geometries: about 0.1 s per 100,000 points near
    the CAR / South Sudan borders and about 0.35 s per 100,000 random points worldwide (mostly
    sea, so mostly the snap search), on one core.
    """
    lat = np.asarray(latitudes, dtype=np.float64).reshape(-1)
    lon = np.asarray(longitudes, dtype=np.float64).reshape(-1)
    if lat.shape != lon.shape:
        raise ValueError(f"{lat.size} latitudes but {lon.size} longitudes")
    part = np.full(lat.size, -1, dtype=np.intp)  # index into parts, -1 = none
    with np.errstate(invalid="ignore"):
        (todo,) = np.nonzero((np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0))  # NaN: False
    if todo.size == 0:
        return [None] * lat.size

    index = _index()
    x, y = lon[todo], lat[todo]
    point_i, part_i = index.tree.query(shapely.points(x, y))  # bounding-box candidates
    inside = shapely.intersects_xy(index.parts[part_i], x[point_i], y[point_i])
    part[todo] = _first_per_point(todo.size, point_i[inside], part_i[inside])

    outside = todo[part[todo] < 0]
    if outside.size:
        outside = outside[~shapely.intersects_xy(index.unassigned, lon[outside], lat[outside])]
        part[outside] = _nearest_parts(index, lon[outside], lat[outside])

    codes, part_country = index.codes, index.part_country
    return [codes[part_country[p]] if p >= 0 else None for p in part.tolist()]


def _nearest_parts(index: _Index, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point, the nearest part within NEAR_COAST_DEGREES (ties: lowest index), or -1.

    Boxes around the points find candidates, a prepared ``dwithin`` discards the far ones, and
    only the few left get an exact distance (much faster than ``STRtree.query_nearest``, which
    measures unprepared distances to every huge polygon whose box is near, e.g. over the
    Arctic Ocean)."""
    d = NEAR_COAST_DEGREES
    points = shapely.points(x, y)
    point_i, part_i = index.tree.query(shapely.box(x - d, y - d, x + d, y + d))
    near = shapely.dwithin(index.parts[part_i], points[point_i], d)
    point_i, part_i = point_i[near], part_i[near]
    distance = shapely.distance(index.parts[part_i], points[point_i])
    return _first_per_point(x.size, point_i, part_i, distance)


def _first_per_point(
    count: int, point_i: np.ndarray, part_i: np.ndarray, key: np.ndarray | None = None
) -> np.ndarray:
    """For each of ``count`` points, the matched part with the smallest ``key`` (then the
    lowest part index: parts are sorted by code, so ties go to the alphabetically first
    country), or -1 if none matched."""
    chosen = np.full(count, -1, dtype=np.intp)
    if point_i.size == 0:
        return chosen
    order = np.lexsort((part_i, point_i) if key is None else (part_i, key, point_i))
    point_i, part_i = point_i[order], part_i[order]
    first = np.ones(point_i.size, dtype=bool)
    first[1:] = point_i[1:] != point_i[:-1]
    chosen[point_i[first]] = part_i[first]
    return chosen


def country_name(code: str) -> str | None:
    """English name for a code returned by :func:`country_at` (e.g. ``"CAF"`` ->
    ``"Central African Republic"``); ``None`` if unknown. Codes are upper-case."""
    return _index().names.get(code)


def is_country_code(code: str) -> bool:
    """Whether ``code`` is one of the (upper-case) codes this module can return."""
    return isinstance(code, str) and code in _index().names


def all_countries() -> list[tuple[str, str]]:
    """All ``(code, English name)`` pairs, sorted by name (case-insensitive), e.g. for a
    select box."""
    names = _index().names
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


def boundaries_geojson() -> dict[str, Any]:
    """The shipped boundaries as a GeoJSON FeatureCollection (a fresh copy the caller may
    modify): one MultiPolygon feature per country, properties ``{"code", "name"}``, WGS84
    coordinates rounded to 4 decimals. The top-level members ``metadata`` (provenance) and
    ``unassigned_land`` (a MultiPolygon of land no country claims) ride along. Simplified for
    lookup and small-scale maps, not for legal or cadastral use."""
    data: dict[str, Any] = json.loads(_geojson_text())
    return data


def near_country(
    latitude: float, longitude: float, code: str, tolerance: float = BORDER_TOLERANCE_DEGREES
) -> bool:
    """Whether the point lies within `tolerance` degrees of country `code` (inside counts)."""
    index = _index()
    if code not in index.names or not _valid(latitude, longitude):
        return False
    point = shapely.Point(longitude, latitude)
    country = index.codes.index(code)
    parts = index.parts[index.part_country == country]
    return bool(shapely.dwithin(parts, point, tolerance).any())


@functools.cache
def _codes_by_name() -> dict[str, str]:
    return {name.casefold(): code for code, name in _index().names.items()}


def code_for_name(name: str) -> str | None:
    """The code of the country with this English name (case-insensitive), or None."""
    return _codes_by_name().get(name.strip().casefold())
