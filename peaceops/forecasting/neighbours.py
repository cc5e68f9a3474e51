"""Who borders whom: countries (from the shipped Natural Earth boundaries) and PRIO-GRID
cells (the 8 cells around a cell)."""

import functools

import numpy as np
import shapely

from peaceops.core.geo.countries import boundaries_geojson
from peaceops.core.geo.priogrid import COLUMNS

# Countries closer than this (degrees, about 10 km) count as neighbours: the shipped
# boundaries are simplified, so shared borders do not always touch exactly.
BORDER_DEGREES = 0.1


@functools.lru_cache(maxsize=1)
def country_neighbours() -> dict[str, frozenset[str]]:
    """ISO3 code -> the codes of the countries it borders."""
    features = boundaries_geojson()["features"]
    codes = [f["properties"]["code"] for f in features]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="dwithin", distance=BORDER_DEGREES)
    out: dict[str, set[str]] = {code: set() for code in codes}
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if codes[a] != codes[b]:
            out[codes[a]].add(codes[b])
    return {code: frozenset(others) for code, others in out.items()}


def cell_neighbour_gids(gid: int) -> list[int]:
    """The 8 PRIO-GRID cells around `gid` (fewer at the poles; no wrap at 180 degrees)."""
    row, col = divmod(gid - 1, COLUMNS)
    out = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = row + dr, col + dc
            if (dr or dc) and 0 <= r < 360 and 0 <= c < COLUMNS:
                out.append(r * COLUMNS + c + 1)
    return out


def neighbour_indexes(units: list[str], neighbours_of: dict[str, list[str]]) -> list[np.ndarray]:
    """Per unit, the indexes (into `units`) of its neighbours that are in `units`."""
    position = {unit: i for i, unit in enumerate(units)}
    return [
        np.array(sorted(position[n] for n in neighbours_of.get(unit, ()) if n in position), np.intp)
        for unit in units
    ]


def cell_neighbour_indexes(units: list[str]) -> list[np.ndarray]:
    """For cell panels: per cell, the indexes of its 8 neighbours that are in the panel."""
    return neighbour_indexes(
        units, {unit: [str(g) for g in cell_neighbour_gids(int(unit))] for unit in units}
    )
