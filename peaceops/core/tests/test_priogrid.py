import pytest

from peaceops.core.geo.priogrid import cell_bounds, cell_centroid, priogrid_gid


@pytest.mark.parametrize(
    ("lat", "lon", "gid"),
    [
        (-90.0, -180.0, 1),  # south-west corner
        (-89.9, 179.9, 720),  # end of the first row
        (89.9, 179.9, 259_200),  # north-east corner, last cell
        (90.0, 180.0, 259_200),  # the edge folds into the last cell
        (5.399784, 26.486881, 137_213),  # UCDP GED event 36210 (CAR), priogrid_gid 137213
        (8.466667, 25.683333, 141_532),  # UCDP GED event 30367 (South Sudan), 141532
        (0.0, 0.0, 180 * 720 + 360 + 1),
    ],
)
def test_priogrid_gid(lat, lon, gid):
    assert priogrid_gid(lat, lon) == gid


def test_cell_bounds_and_centroid_round_trip():
    gid = priogrid_gid(5.399784, 26.486881)
    assert cell_bounds(gid) == (26.0, 5.0, 26.5, 5.5)
    assert cell_centroid(gid) == (5.25, 26.25)
    assert priogrid_gid(*cell_centroid(gid)) == gid


@pytest.mark.parametrize("gid", [0, 259_201, -5])
def test_cell_bounds_rejects_out_of_range(gid):
    with pytest.raises(ValueError, match="out of range"):
        cell_bounds(gid)
