"""Plain GED rows are checked straight from their text (ged_plain.py, ADR 0026): the import
hands on exactly what the general way (mapping, then `clean_incident`) gives - the same
checked rows, digests and warnings - on every row of every real GED file, and a row that
fails any check takes the general way, which names what is wrong."""

import dataclasses

import pytest

from peaceops.incidents.importers.checked import CheckedRow
from peaceops.incidents.importers.engine import _Checker
from peaceops.incidents.importers.formats import FORMATS
from peaceops.incidents.importers.ged_plain import GedPlainRow, ged_raw_records, plain_ged_row
from peaceops.incidents.importers.records import RawRecord, RowRejection
from peaceops.incidents.importers.ucdp import ged_record_from_raw
from peaceops.incidents.tests.test_import_ucdp_cells import DATA, GED_FILES

UCDP = FORMATS["ucdp"].reader_version

# Rows of each file checked straight from their text; the stratified sample's records (no
# `date_start`, deaths by civilians and combatants) always take the general way.
PLAIN = {
    "car-csv": 1_848,
    "car-geojson": 1_848,
    "nga-hdx": 4_603,
    "ssd-hdx": 941,
    "sample-csv": 1_000,
    "sample-rda": 1_000,
    "syria-19.1": 16_566,
    "stratified-json": 0,
}


def both_ways(records: list) -> tuple[list, list]:
    """The checker's output for the records as read, and with no plain way."""
    general = [
        dataclasses.replace(r, plain=None) if isinstance(r, RawRecord) else r for r in records
    ]
    return (
        _Checker({}, pack=False, reader_version=UCDP)(records),
        _Checker({}, pack=False, reader_version=UCDP)(general),
    )


@pytest.mark.parametrize("name", GED_FILES)
def test_plain_rows_check_as_the_general_way_on_every_real_row(name):
    path, count = GED_FILES[name]
    records = list(ged_raw_records(DATA / path))
    assert len(records) == count
    plain = sum(isinstance(r, RawRecord) and r.plain_row() is not None for r in records)
    assert plain == PLAIN[name]
    straight, general = both_ways(records)
    assert straight == general
    assert all(isinstance(row, CheckedRow) for row in straight)  # the real files are valid


def record(**changes: str) -> RawRecord:
    row = {
        "id": "101",
        "type_of_violence": "1",
        "dyad_name": "Government of X - Y",
        "side_a": "Government of X",
        "side_a_new_id": "1",
        "side_b": "Y",
        "side_b_new_id": "2.0",
        "gwnoa": "482",
        "gwnob": "",
        "where_coordinates": "Bangui town",
        "where_description": "Bangui",
        "adm_1": "Bangui prefecture",
        "adm_2": "",
        "latitude": "4.36",
        "longitude": "18.55",
        "priogrid_gid": "",
        "country": "Central African Republic",
        "date_prec": "1",
        "where_prec": "1",
        "date_start": "2020-01-02",
        "date_end": "2020-01-03",
        "deaths_a": "2",
        "deaths_b": "1",
        "deaths_civilians": "4",
        "deaths_unknown": "0",
        "source_article": "Reuters,2020-01-03; AFP",
        "source_headline": "Clashes in Bangui",
    }
    row.update(changes)
    return RawRecord(2, "101", dict(row), ged_record_from_raw, row, plain_ged_row)


def country_of(latitude: float, longitude: float) -> str | None:
    return "CAF" if (latitude, longitude) == (4.36, 18.55) else None


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"deaths_b": "0", "deaths_unknown": "3", "priogrid_gid": "1"},  # a cell to warn about
        {"priogrid_gid": "134480"},  # the cell of the point: no warning
        {"dyad_name": "", "side_b": "", "where_coordinates": ""},
        {"dyad_name": " " * 3, "side_a": "", "side_b": ""},  # the kind of violence as title
        {"dyad_name": "D" * 299 + " x"},  # a space where the title is cut: stripped after
        {"where_description": " " + "w" * 299 + " tail", "adm_1": "a" * 199 + " b"},
        {"source_article": " ; ;" + "s" * 299 + " end;  "},  # an article cut at a space
        {"side_b": "Z" * 301},  # too long an actor name: rejected
        {"side_b_new_id": "1e80"},  # an actor id longer than 64 digits, cut
        {"source_headline": "h" * 20_001},  # too long a narrative: rejected
        {"latitude": "91"},
        {"longitude": "nan"},
        {"longitude": "-180.5"},
        {"date_end": "2020-01-01"},  # before the start
        {"deaths_civilians": "10000001"},  # more people than a count may hold
        {"deaths_a": "-1"},
        {"country": "Atlantis"},
        {"country": "", "iso3": "XKX"},
        {"priogrid_gid": "cell 7"},  # unreadable: a warning from the mapping
        {"type_of_violence": "5"},
        {"latitude": "4.36", "longitude": "20.0"},  # in another country, far from the source's
        {"latitude": "0.0", "longitude": "-30.0"},  # at sea, no country: the source's kept
        {"latitude": "4.3", "longitude": "18.56"},  # across the river from Bangui: the source's
        {"latitude": "inf", "priogrid_gid": "134480"},  # no point: no cell to compare with
        {"longitude": "nan", "priogrid_gid": "134480"},
        {"latitude": "-1e308", "priogrid_gid": "5"},
        {"priogrid_gid": "inf"},
        {"priogrid_gid": "1e309"},
        {"priogrid_gid": "0"},
        {"priogrid_gid": "-5"},
        {"priogrid_gid": "134480.0"},
        {"priogrid_gid": "0.5"},
        {"country": "", "iso3": "caf"},
        {"country": "", "iso3": " CAF "},
        {"country": "Central African Republic", "iso3": "ZZZ"},  # the name, then
        {"source_headline": " " + "h" * 20_000 + " "},  # exactly the limit once stripped
        {"date_end": "2020-01-02"},
        {"date_start": "2020-01-02 00:00:00.000", "date_end": "2020-01-02T00:00:00"},
        {"date_prec": "9", "where_prec": "0"},
        {"date_prec": "", "where_prec": ""},
    ],
)
def test_each_check_gives_what_the_general_way_gives(changes):
    straight, general = both_ways([record(**changes)])
    assert straight == general


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"latitude": "91"}, "point"),
        ({"longitude": "nan"}, "point"),
        ({"date_end": "2020-01-01"}, "dates"),
        ({"deaths_a": "-1"}, "cells"),
        ({"priogrid_gid": "cell 7"}, "cells"),
        ({"side_b": "Z" * 301}, "checked"),
        ({"source_headline": "h" * 20_001}, "checked"),
        ({"deaths_civilians": "10000001"}, "checked"),
    ],
)
def test_rows_failing_a_check_take_the_general_way(changes, why):
    plain = record(**changes).plain_row()
    if why in ("point", "dates", "cells"):
        assert plain is None
        return
    assert isinstance(plain, GedPlainRow)
    assert plain.cleaned(country_of) is None


def test_the_general_way_names_what_a_rejected_plain_row_has_wrong():
    straight, _general = both_ways(
        [record(side_b="Z" * 301), record(latitude="91"), record(date_end="2020-01-01")]
    )
    assert [row.fields for row in straight if isinstance(row, RowRejection)] == [
        {"actors[1].name": ["At most 300 characters."]},
        {"latitude": ["Latitude must be between -90 and 90 degrees."]},
        {"ended_at": ["The end is before the start."]},
    ]


def test_a_plain_row_keeps_the_points_coordinates_for_the_batch_lookup():
    plain = record(latitude="-0.5", longitude="179.25").plain_row()
    assert (plain.latitude, plain.longitude) == (-0.5, 179.25)
