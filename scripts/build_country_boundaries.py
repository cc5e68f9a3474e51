#!/usr/bin/env python3
"""Build the country boundary file shipped with peaceops.core.geo.countries.

Reads the Natural Earth admin-0 countries 1:10m v5.1.1 shapefile (zipped, "deu" point-of-view
edition) from the shared data folder and writes
``peaceops/core/geo/data/ne_10m_admin0_countries.geojson.gz``: a gzip-compressed GeoJSON
FeatureCollection with one MultiPolygon feature per country code and properties
``{"code", "name"}``.

Steps (see peaceops/core/geo/data/NATURAL_EARTH.md for the reasoning):

1. Code per feature: ``ISO_A3``; where that is ``-99``, ``ISO_A3_EH``; else ``ADM0_A3``.
   Overrides: Kosovo ``KOS`` -> ``XKX`` (the user-assigned code used by the EU, IMF and
   World Bank). Features that end up with the same code (e.g. France + Clipperton Island,
   Australia + its Indian Ocean / Coral Sea / Ashmore territories, Brazil + Brazilian Island)
   are merged into one feature named after the main entry.
2. Name: Natural Earth's English ``ADMIN`` field (``NAME_EN`` comes from Wikidata and has
   errors in this file, e.g. Spratly Islands -> "Wake Island"), with a few spelling overrides.
3. Geometry: made valid, then simplified as a *coverage* with
   ``shapely.coverage_simplify(tolerance=0.02)`` so neighbouring countries keep exactly the
   same shared border (no gaps or overlaps, unlike per-polygon ``simplify``), then snapped to
   a 1e-4 degree grid (about 11 m) so coordinates print with four decimals; rings are wound
   as RFC 7946 asks (the shapefile's are the other way round).
4. Unassigned land: enclosed holes in the union of all countries other than the Caspian Sea
   (Abyei, Golan Heights, ...) are stored as the top-level member ``unassigned_land`` (a
   MultiPolygon), so the lookup answers ``None`` there instead of snapping to a neighbour.

Usage::

    .venv/bin/python scripts/build_country_boundaries.py [SHARED_DATA_DIR] [--output PATH]

``SHARED_DATA_DIR`` defaults to the repository's sibling ``../shared/data``
(``/work/shared/data`` in the development checkout). The output is byte-for-byte reproducible
for the same input and library versions (gzip mtime is fixed at 0).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SOURCE_ZIP = Path("natural_earth_admin0_10m_deu") / "ne_10m_admin_0_countries_deu.zip"
DEFAULT_OUTPUT = (
    REPO_ROOT / "peaceops" / "core" / "geo" / "data" / "ne_10m_admin0_countries.geojson.gz"
)

SIMPLIFY_TOLERANCE = 0.02  # degrees, shapely.coverage_simplify (Visvalingam-Whyatt based)
GRID_SIZE = 1e-4  # degrees, shapely.set_precision; about 11 m at the equator
DECIMALS = 4  # must match GRID_SIZE

CASPIAN_SEA = shapely.Point(50.5, 42.0)  # the one enclosed hole that is water, not land
MISSING = "-99"
CODE_OVERRIDES = {"KOS": "XKX"}  # Kosovo: Natural Earth ADM0_A3 -> common user-assigned code
NAME_OVERRIDES = {
    # Natural Earth ADMIN spellings that read oddly in a list of short names.
    "ALA": "Åland",
    "BLM": "Saint Barthélemy",
    "HKG": "Hong Kong",
    "MAC": "Macao",
    "SRB": "Serbia",
    "SWZ": "Eswatini",
    "TZA": "Tanzania",
}


def feature_code(record: dict[str, Any]) -> str:
    """ISO alpha-3 for a Natural Earth record, with the documented fallbacks and overrides."""
    for field in ("ISO_A3", "ISO_A3_EH", "ADM0_A3"):
        value = str(record.get(field) or "").strip()
        if value and value != MISSING:
            return CODE_OVERRIDES.get(value, value)
    raise ValueError(f"No usable code for {record.get('ADMIN')!r}")


def unassigned_land(land: BaseGeometry) -> shapely.MultiPolygon:
    """Holes in the union of all countries, except the Caspian Sea: land that no country
    claims in this edition (Abyei, the Golan Heights, the Southern Patagonian Ice Field,
    Rincón de Artigas, slivers on the Egypt-Sudan border). The lookup must not snap points
    there to a neighbour."""
    holes = [
        shapely.Polygon(ring) for polygon in shapely.get_parts(land) for ring in polygon.interiors
    ]
    kept = [hole for hole in holes if not hole.contains(CASPIAN_SEA)]
    if len(kept) == len(holes):
        raise SystemExit("The Caspian Sea was not found among the holes; check the source.")
    return as_multipolygon(shapely.union_all(kept))


def main_record(records: list[dict[str, Any]], indexes: list[int], code: str) -> int:
    """Index of the entry that names a merged code: its own ADM0_A3 is the code (France, not
    Clipperton Island); else the first."""
    for index in indexes:
        adm0 = records[index]["ADM0_A3"]
        if CODE_OVERRIDES.get(adm0, adm0) == code:
            return index
    return indexes[0]


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Make a geometry valid and keep only its polygons (make_valid may add stray lines)."""
    geometry = shapely.make_valid(geometry)
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = shapely.get_parts(geometry)
    polygons = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polygons)


def as_multipolygon(geometry: BaseGeometry) -> shapely.MultiPolygon:
    if geometry.geom_type == "MultiPolygon":
        return geometry
    if geometry.geom_type == "Polygon":
        return shapely.MultiPolygon([geometry])
    raise ValueError(f"Expected a polygon, got {geometry.geom_type}")


def geometry_json(geometry: shapely.MultiPolygon) -> dict[str, Any]:
    """GeoJSON MultiPolygon with coordinates rounded to DECIMALS (shortest float repr) and
    rings wound as RFC 7946 asks (exterior counter-clockwise, holes clockwise)."""
    geometry = shapely.orient_polygons(geometry, exterior_cw=False)

    def ring(coords: Any) -> list[list[float]]:
        return np.round(np.asarray(coords)[:, :2], DECIMALS).tolist()

    return {
        "type": "MultiPolygon",
        "coordinates": [
            [ring(polygon.exterior.coords), *(ring(hole.coords) for hole in polygon.interiors)]
            for polygon in geometry.geoms
        ],
    }


def read_source(zip_path: Path) -> tuple[list[dict[str, Any]], list[BaseGeometry]]:
    reader = shapefile.Reader(str(zip_path))
    try:
        records = [record.as_dict() for record in reader.records()]
        geometries = [polygonal(shape(s.__geo_interface__)) for s in reader.shapes()]
    finally:
        reader.close()
    return records, geometries


def build(shared_data: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (FeatureCollection, stats)."""
    zip_path = shared_data / SOURCE_ZIP
    records, geometries = read_source(zip_path)
    source = np.array(geometries, dtype=object)
    if not shapely.coverage_is_valid(source):
        raise SystemExit("Source polygons are not a valid coverage; coverage_simplify needs one.")
    simplified = shapely.coverage_simplify(source, SIMPLIFY_TOLERANCE)

    groups: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        groups[feature_code(record)].append(index)

    features = []
    merged = []
    for code in sorted(groups):
        indexes = groups[code]
        main = main_record(records, indexes, code)
        name = NAME_OVERRIDES.get(code, records[main]["ADMIN"])
        geometry = shapely.union_all(simplified[indexes])
        geometry = as_multipolygon(shapely.set_precision(geometry, GRID_SIZE))
        if geometry.is_empty or not geometry.is_valid:
            raise SystemExit(f"{code}: invalid geometry after simplification")
        merged.append(geometry)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": geometry_json(geometry),
            }
        )
        if len(indexes) > 1:
            parts = ", ".join(records[i]["ADMIN"] for i in indexes if i != main)
            print(f"  merged into {code} ({name}): {parts}")

    merged_array = np.array(merged, dtype=object)
    land = shapely.union_all(merged_array)
    overlap = float(shapely.area(merged_array).sum() - land.area)
    unassigned = unassigned_land(land)
    for polygon in unassigned.geoms:
        point = polygon.representative_point()
        print(f"  unassigned land: {polygon.area:.6f} deg² around {point.y:.3f},{point.x:.3f}")
    collection = {
        "type": "FeatureCollection",
        "metadata": {
            "source": "Natural Earth admin-0 countries 1:10m v5.1.1 (deu edition), public domain",
            "simplify": f"shapely.coverage_simplify(tolerance={SIMPLIFY_TOLERANCE})",
            "grid_size": GRID_SIZE,
            "built_by": "scripts/build_country_boundaries.py",
        },
        "features": features,
        "unassigned_land": geometry_json(unassigned),
    }
    stats = {
        "source_features": len(records),
        "features": len(features),
        "source_vertices": int(shapely.get_num_coordinates(source).sum()),
        "vertices": int(shapely.get_num_coordinates(merged_array).sum()),
        "overlap_area_deg2": overlap,
    }
    return collection, stats


def write_gzip_json(data: dict[str, Any], output: Path) -> int:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "shared_data",
        nargs="?",
        type=Path,
        default=DEFAULT_SHARED_DATA,
        help=f"shared data folder (default: {DEFAULT_SHARED_DATA})",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output .geojson.gz")
    args = parser.parse_args(argv)

    if not (args.shared_data / SOURCE_ZIP).is_file():
        parser.error(f"not found: {args.shared_data / SOURCE_ZIP}")
    collection, stats = build(args.shared_data)
    size = write_gzip_json(collection, args.output)
    print(
        f"wrote {args.output} ({size:,} bytes): {stats['features']} countries from "
        f"{stats['source_features']} features, {stats['vertices']:,} of "
        f"{stats['source_vertices']:,} vertices kept, overlap {stats['overlap_area_deg2']:.2e} deg²"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
