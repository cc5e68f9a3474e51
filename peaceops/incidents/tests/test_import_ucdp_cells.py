"""The GED reader reads a row's typed cells straight through (`_typed_cells`) and only reads
a row with something unusual cell by cell (`_checked_cells`, which names each bad column).
Both give the same values on every row of every real GED file, and on unusual cells."""

from pathlib import Path

import pytest

from peaceops.core.errors import ValidationFailed
from peaceops.incidents.importers.ucdp import _checked_cells, _normalise, _typed_cells, read_ged

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
GED_FILES = {
    "car-csv": ("ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.csv", 1_848),
    "car-geojson": ("ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.geojson", 1_848),
    "nga-hdx": ("ucdp_ged_hdx_country_extracts/conflict_data_nga.csv", 4_603),
    "ssd-hdx": ("ucdp_ged_hdx_country_extracts/conflict_data_ssd.csv", 941),
    "sample-csv": ("ucdp_ged_sample_1000_v23_1/ucdpged_sample_1000.csv", 1_000),
    "sample-rda": ("ucdp_ged_sample_1000_v23_1/ucdpged.rda", 1_000),
    "syria-19.1": ("ucdp_ged_syria_v19_1/ucdp_syria_ged191.csv.gz", 16_566),
    "stratified-json": ("ucdp_ged_stratified_sample_v25_1/events_sample.json", 9_972),
}


@pytest.mark.parametrize("name", GED_FILES)
def test_both_ways_of_reading_cells_agree_on_every_real_row(name):
    path, count = GED_FILES[name]
    rows = [_normalise(row) for _line, row, _raw in read_ged(DATA / path)]
    assert len(rows) == count
    straight = 0
    for row in rows:
        try:
            typed = _typed_cells(row)
        except (TypeError, ValueError, OverflowError, AttributeError):
            continue  # left to the careful reader, which is then the only one that reads it
        straight += 1
        assert typed == _checked_cells(row)
    assert straight == count  # every real row is well formed


BASE = {
    "type_of_violence": "1",
    "date_start": "2020-01-02",
    "date_end": "2020-01-03 00:00:00.000",
    "latitude": "4.36",
    "longitude": "18.55",
    "deaths_a": "2",
    "deaths_b": "",
    "deaths_civilians": "0.0",
    "deaths_unknown": " 3 ",
    "date_prec": "1.0",
    "where_prec": "",
    "side_a_new_id": "1_000",
    "side_b_new_id": "7.9",
}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({}, None),
        ({"type_of_violence": "2.0", "deaths_b": "1e2"}, None),
        ({"type_of_violence": "4"}, {"type_of_violence": ["Expected 1, 2 or 3, got 4."]}),
        ({"type_of_violence": " "}, {"type_of_violence": ["This column is empty or missing."]}),
        ({"date_start": "2020-13-01"}, {"date_start": ["Cannot read '2020-13-01'."]}),
        ({"latitude": None}, {"latitude": ["This column is empty or missing."]}),
        ({"longitude": "east"}, {"longitude": ["Cannot read 'east'."]}),
        ({"deaths_a": "-1"}, {"deaths_a": ["Deaths cannot be negative."]}),
        (
            {"where_prec": "x", "deaths_b": "y"},
            {"deaths_b": ["Cannot read 'y'."], "where_prec": ["Cannot read 'x'."]},
        ),
    ],
)
def test_unusual_cells_read_the_same_or_fail_with_the_careful_readers_reasons(change, errors):
    row = {**BASE, **change}
    if errors is None:
        assert _typed_cells(row) == _checked_cells(row)
        return
    with pytest.raises((TypeError, ValueError, AttributeError)):
        _typed_cells(row)
    with pytest.raises(ValidationFailed) as failed:
        _checked_cells(row)
    assert failed.value.fields == errors
