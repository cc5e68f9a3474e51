"""Tests for peaceops.core.geo.countries (no Django, no database).

Run alone with: .venv/bin/python -m pytest peaceops/core/tests/test_countries.py -p no:django -q
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from peaceops.core.geo import countries
from peaceops.core.geo.countries import (
    DATA_FILE,
    NEAR_COAST_DEGREES,
    all_countries,
    boundaries_geojson,
    countries_at,
    country_at,
    country_name,
    is_country_code,
)

# The repository's sibling folder shared/data (real UCDP files; absent outside the dev setup).
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CAR_GED = SHARED_DATA / "ucdp_ged_car_v23_1" / "GEDEvent_v23_1_CAR.csv"
SSD_GED = SHARED_DATA / "ucdp_ged_hdx_country_extracts" / "conflict_data_ssd.csv"
UCDP_COUNTRY_CODES = {"Central African Republic": "CAF", "South Sudan": "SSD"}

KNOWN_POINTS = [
    # (label, latitude, longitude, expected code)
    ("Bangui", 4.3612, 18.5550, "CAF"),
    ("Juba", 4.85, 31.6, "SSD"),
    ("Paris", 48.8566, 2.3522, "FRA"),  # ISO_A3 is -99 in Natural Earth: ISO_A3_EH
    ("Oslo", 59.9139, 10.7522, "NOR"),  # ISO_A3 is -99 in Natural Earth: ISO_A3_EH
    ("Pristina", 42.6629, 21.1655, "XKX"),  # Kosovo: override of ADM0_A3 "KOS"
    ("Cayenne", 4.9224, -52.3135, "FRA"),  # French Guiana is drawn as part of France
    ("Kisangani", 0.5153, 25.1911, "COD"),
    ("Bamako", 12.6392, -8.0029, "MLI"),
    ("Mogadishu", 2.0469, 45.3182, "SOM"),
    ("Hargeisa", 9.5600, 44.0650, "SOM"),  # Somaliland is part of Somalia in this edition
    ("Laayoune", 27.1536, -13.2033, "ESH"),
    ("Port-au-Prince", 18.5944, -72.3074, "HTI"),
    ("Naqoura", 33.1181, 35.1394, "LBN"),
    ("Nicosia north", 35.2000, 33.3600, "CYP"),  # Northern Cyprus is part of Cyprus
]


def test_data_file_is_shipped_in_the_package_and_small():
    assert DATA_FILE.parent == Path(countries.__file__).resolve().parent / "data"
    assert DATA_FILE.is_file()
    assert DATA_FILE.stat().st_size < 1_500_000


@pytest.mark.parametrize(("label", "latitude", "longitude", "expected"), KNOWN_POINTS)
def test_known_points(label, latitude, longitude, expected):
    assert country_at(latitude, longitude) == expected, label


def test_mid_atlantic_is_none():
    assert country_at(0.0, -30.0) is None


def test_point_just_offshore_of_dakar_snaps_to_senegal():
    latitude, longitude = 14.70, -17.52  # about 2.8 km west of the Cap-Vert peninsula
    senegal = _country_shape("SEN")
    assert not senegal.intersects(shapely.Point(longitude, latitude))  # really in the sea
    assert senegal.distance(shapely.Point(longitude, latitude)) < NEAR_COAST_DEGREES
    assert country_at(latitude, longitude) == "SEN"


def test_open_sea_beyond_the_snap_distance_is_none():
    latitude, longitude = 14.70, -17.65
    distance = _country_shape("SEN").distance(shapely.Point(longitude, latitude))
    assert distance > NEAR_COAST_DEGREES
    assert country_at(latitude, longitude) is None


def test_unassigned_land_is_none_and_not_snapped_to_a_neighbour():
    assert country_at(9.5946, 28.4365) is None  # Abyei town (Sudan / South Sudan)
    assert country_at(32.9925, 35.6900) is None  # Katzrin, Golan Heights: 0.05 deg from ISR
    assert countries_at([9.5946, 32.9925], [28.4365, 35.6900]) == [None, None]


def test_caspian_coast_still_snaps():
    assert country_at(40.30, 49.95) == "AZE"  # just off Baku


def test_point_on_a_shared_border_takes_the_alphabetically_first_code():
    border = _country_shape("CAF").intersection(_country_shape("COD"))
    longitude, latitude = shapely.get_coordinates(border)[10]  # a vertex shared by both
    assert country_at(latitude, longitude) == "CAF"
    assert countries_at([latitude], [longitude]) == ["CAF"]


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(math.nan, 18.0), (4.0, math.nan), (91.0, 0.0), (-90.5, 0.0), (0.0, 180.5), (0.0, -181.0)],
)
def test_invalid_coordinates_give_none(latitude, longitude):
    assert country_at(latitude, longitude) is None
    assert countries_at([latitude], [longitude]) == [None]


def test_non_numbers_give_none():
    assert country_at(None, 18.0) is None  # type: ignore[arg-type]
    assert country_at("x", 18.0) is None  # type: ignore[arg-type]
    assert countries_at([None, 4.3612], [18.0, 18.5550]) == [None, "CAF"]


def test_countries_at_known_points_and_mixed_input_types():
    latitudes = [p[1] for p in KNOWN_POINTS]
    longitudes = [p[2] for p in KNOWN_POINTS]
    expected = [p[3] for p in KNOWN_POINTS]
    assert countries_at(latitudes, longitudes) == expected
    assert countries_at(np.array(latitudes), np.array(longitudes)) == expected
    assert countries_at(tuple(latitudes), tuple(longitudes)) == expected


def test_countries_at_empty_and_mismatched_lengths():
    assert countries_at([], []) == []
    with pytest.raises(ValueError, match="2 latitudes but 1 longitudes"):
        countries_at([1.0, 2.0], [3.0])


def test_vectorised_equals_scalar_on_random_points():
    rng = np.random.default_rng(20240601)
    # Half worldwide (mostly sea: exercises the snap), half in a box over CAR / South Sudan
    # borders, plus points on a fine grid around the coast of West Africa.
    latitudes = np.concatenate(
        [rng.uniform(-90, 90, 1500), rng.uniform(2, 12, 1500), np.repeat(np.arange(4, 16, 0.25), 8)]
    )
    longitudes = np.concatenate(
        [
            rng.uniform(-180, 180, 1500),
            rng.uniform(14, 36, 1500),
            np.tile(np.arange(-18, -10, 1), 48),
        ]
    )
    vectorised = countries_at(latitudes, longitudes)
    scalar = [country_at(lat, lon) for lat, lon in zip(latitudes, longitudes, strict=True)]
    assert vectorised == scalar
    assert sum(code is None for code in vectorised) == 1214
    assert Counter(vectorised)["CAF"] == 358


def test_names_and_codes():
    assert country_name("CAF") == "Central African Republic"
    assert country_name("SSD") == "South Sudan"
    assert country_name("COD") == "Democratic Republic of the Congo"
    assert country_name("FRA") == "France"
    assert country_name("XKX") == "Kosovo"
    assert country_name("SRB") == "Serbia"
    assert country_name("caf") is None  # codes are upper-case
    assert country_name("KOS") is None
    assert country_name("ZZZ") is None
    assert is_country_code("CAF")
    assert is_country_code("XKX")
    assert not is_country_code("KOS")
    assert not is_country_code("caf")
    assert not is_country_code("")
    assert not is_country_code(None)  # type: ignore[arg-type]


def test_all_countries():
    pairs = all_countries()
    assert len(pairs) == 245
    assert pairs[0] == ("AFG", "Afghanistan")
    assert pairs == sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0]))
    codes = [code for code, _ in pairs]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in codes)
    assert all(is_country_code(code) for code in codes)
    assert ("SSD", "South Sudan") in pairs


def test_boundaries_geojson():
    collection = boundaries_geojson()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 245
    assert {tuple(sorted(f["properties"])) for f in features} == {("code", "name")}
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    by_code = {f["properties"]["code"]: f for f in features}
    assert by_code["CAF"]["properties"]["name"] == "Central African Republic"
    caf = shape(by_code["CAF"]["geometry"])
    assert caf.is_valid
    assert caf.contains(shapely.Point(18.5550, 4.3612))
    # Callers get a copy: changing it does not change the next answer.
    features.clear()
    assert len(boundaries_geojson()["features"]) == 245


def test_ucdp_ged_central_african_republic_agreement():
    rows = _read_ged(CAR_GED)
    assert len(rows) == 1848
    disagreements = _disagreements(rows)
    # 87.7 % agree. 221 of the 227 are UCDP's "Bangui city" point (4.366667, 18.583333), which
    # lies ~600 m across the Ubangi in the DR Congo even in the unsimplified 1:10m polygons;
    # the others are border villages (Kemba -> COD, Am Dafok -> SDN x3, Moyenne-Sido -> TCD x2,
    # the last moved across the border by simplification).
    assert Counter(code for *_, code in disagreements) == {"COD": 222, "SDN": 3, "TCD": 2}
    bangui = [row for row in disagreements if row[1:3] == (4.366667, 18.583333)]
    assert len(bangui) == 221


def test_ucdp_ged_south_sudan_agreement():
    rows = _read_ged(SSD_GED, hxl_row=True)
    assert len(rows) == 941
    disagreements = _disagreements(rows)
    # 97.8 % agree. Border points: Akobo county (7.933333, 33.0) x10, Pagak x2, Jikou -> ETH,
    # Kaya town -> UGA, Nabiapay / Birirsi -> COD, Abu Kadama -> SDN, and one event at
    # "South Sudan - Sudan border" inside the unassigned Abyei area -> None.
    assert Counter(code for *_, code in disagreements) == {
        "ETH": 13,
        "UGA": 4,
        "COD": 2,
        "SDN": 1,
        None: 1,
    }


def _country_shape(code: str):
    features = boundaries_geojson()["features"]
    return shape(next(f["geometry"] for f in features if f["properties"]["code"] == code))


def _read_ged(path: Path, *, hxl_row: bool = False) -> list[dict[str, str]]:
    if not path.is_file():
        pytest.skip(f"shared data not available: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[1:] if hxl_row else rows  # HDX files carry an HXL hashtag row first


def _disagreements(rows: list[dict[str, str]]) -> list[tuple[str, float, float, str | None]]:
    """(id, latitude, longitude, our code) for rows whose UCDP country differs from ours;
    also checks that the vectorised and scalar lookups agree on every row."""
    latitudes = [float(row["latitude"]) for row in rows]
    longitudes = [float(row["longitude"]) for row in rows]
    codes = countries_at(latitudes, longitudes)
    assert codes == [country_at(lat, lon) for lat, lon in zip(latitudes, longitudes, strict=True)]
    return [
        (row["id"], lat, lon, code)
        for row, lat, lon, code in zip(rows, latitudes, longitudes, codes, strict=True)
        if code != UCDP_COUNTRY_CODES[row["country"]]
    ]


def test_near_country_accepts_points_just_across_a_border():
    # UCDP's "Bangui city" point lies ~600 m across the Ubangi river, in DR Congo.
    assert countries.country_at(4.366667, 18.583333) == "COD"
    assert countries.near_country(4.366667, 18.583333, "CAF")
    assert not countries.near_country(4.366667, 18.583333, "SSD")
    assert countries.near_country(4.3612, 18.5550, "CAF")  # inside counts
    assert not countries.near_country(48.8566, 2.3522, "CAF")
    assert not countries.near_country(4.0, 18.0, "ZZZ")


def test_code_for_name():
    assert countries.code_for_name("Central African Republic") == "CAF"
    assert countries.code_for_name("  south sudan ") == "SSD"
    assert countries.code_for_name("Atlantis") is None
