"""PRIO-GRID cell ids: a global grid of 0.5 x 0.5 degree cells, numbered row by row from
the south-west corner (gid 1 at 90S 180W, 720 columns, 360 rows, 259,200 cells)."""

import math

CELL_DEGREES = 0.5
COLUMNS = 720
ROWS = 360


def priogrid_gid(latitude: float, longitude: float) -> int:
    """The cell containing the point. Points on the north or east edge fall in the last cell."""
    row = min(int(math.floor((latitude + 90.0) / CELL_DEGREES)), ROWS - 1)
    col = min(int(math.floor((longitude + 180.0) / CELL_DEGREES)), COLUMNS - 1)
    return row * COLUMNS + col + 1


def cell_bounds(gid: int) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a cell."""
    if not 1 <= gid <= ROWS * COLUMNS:
        raise ValueError(f"PRIO-GRID gid out of range: {gid}")
    row, col = divmod(gid - 1, COLUMNS)
    min_lat = row * CELL_DEGREES - 90.0
    min_lon = col * CELL_DEGREES - 180.0
    return (min_lon, min_lat, min_lon + CELL_DEGREES, min_lat + CELL_DEGREES)


def cell_centroid(gid: int) -> tuple[float, float]:
    """(latitude, longitude) of the cell's centre."""
    min_lon, min_lat, max_lon, max_lat = cell_bounds(gid)
    return ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
