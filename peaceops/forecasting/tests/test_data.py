"""The research data readers, on the real files in ../shared/data."""

import csv

import numpy as np
import pandas as pd
import pytest

from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.forecasting import data, evaluation
from peaceops.forecasting.months import month_id


@pytest.fixture(scope="module")
def cm_panel():
    return data.load_views_cm()


def test_views_cm_values_match_the_file(cm_panel):
    with data.views_cm_path().open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["isoab"] == "SYR" and r["year"] == "2018"]
    expected = [
        float(r["ucdp_ged_sb_best_sum"]) for r in sorted(rows, key=lambda r: int(r["month"]))
    ]
    syria = cm_panel.units.index("SYR")
    columns = [cm_panel.column(month_id(2018, m)) for m in range(1, 13)]
    assert cm_panel.values[syria, columns].tolist() == expected
    assert cm_panel.first_month == 121
    assert cm_panel.last_month == 516


def test_views_cm_countries_not_yet_existing_are_missing(cm_panel):
    south_sudan = cm_panel.units.index("SSD")
    assert np.isnan(cm_panel.values[south_sudan, cm_panel.column(month_id(2010, 1))])
    assert not np.isnan(cm_panel.values[south_sudan, cm_panel.column(month_id(2012, 1))])


def test_country_neighbours_from_the_boundaries(cm_panel):
    car = cm_panel.units.index("CAF")
    neighbours = {cm_panel.units[i] for i in cm_panel.neighbours[car]}
    assert neighbours == {"CMR", "COD", "COG", "SDN", "SSD", "TCD"}


def test_cell_panel_of_an_extract_sums_its_state_based_events():
    south_sudan = data.EXTRACTS[3]
    panel = data.load_pgm_extracts((south_sudan,))
    frame = pd.read_csv(south_sudan.path, skiprows=[1], low_memory=False)
    state_based = frame[frame["type_of_violence"] == 1]
    assert np.nansum(panel.values) == state_based["best"].sum()
    assert panel.first_month == month_id(2011, 1)
    assert panel.last_month == month_id(2021, 12)
    assert set(state_based["priogrid_gid"].astype(int).astype(str)) <= set(panel.units)
    assert len(panel.units) > 150  # every cell of the country, not only those with events
    cell = panel.units.index(str(int(state_based["priogrid_gid"].iloc[0])))
    assert all(len(n) <= 8 for n in panel.neighbours)
    assert len(panel.neighbours[cell]) > 0


def _acled(country):
    return next(e for e in data.ACLED_EXTRACTS if e.country == country)


def test_cell_panel_of_an_acled_file_sums_its_state_based_battles():
    tanzania = _acled("TZA")
    panel = data.load_pgm_extracts((tanzania,))
    frame = pd.read_csv(tanzania.path, skiprows=[1])
    # what the ACLED importer makes armed clash / state-based: a battle with state forces
    # on a side, or the government regaining territory
    prefixes = ("Military Forces of ", "Police Forces of ", "Government of ")
    state = frame["inter1"].eq(1) | frame["inter2"].eq(1)
    for actor in ("actor1", "actor2"):
        state |= frame[actor].fillna("").str.startswith(prefixes)
    kind = frame["sub_event_type"]
    battles = frame[
        frame["event_type"].eq("Battles")
        & (kind.eq("Government regains territory") | (kind.eq("Armed clash") & state))
    ]
    assert battles["fatalities"].sum() == 257
    covered = battles[battles["event_date"] <= "2020-09-30"]  # October 2020 is not covered
    points = zip(covered["latitude"], covered["longitude"], strict=True)
    cells = [str(priogrid_gid(latitude, longitude)) for latitude, longitude in points]
    in_country = covered[[cell in set(panel.units) for cell in cells]]
    assert np.nansum(panel.values) == in_country["fatalities"].sum() == 226
    assert (panel.first_month, panel.last_month) == (month_id(1997, 1), month_id(2020, 9))
    assert not np.isnan(panel.values).any()
    # Tanzania's land cells only: an ACLED file adds no cells for events outside them
    assert len(panel.units) == 311


def test_acled_cells_join_the_ged_cells_without_changing_them():
    south_sudan, uganda = data.EXTRACTS[3], _acled("UGA")
    alone = data.load_pgm_extracts((south_sudan,))
    both = data.load_pgm_extracts((south_sudan, uganda))
    rows = evaluation.scored_rows(both, alone)  # raises unless the values are the same
    assert [both.units[r] for r in rows] == alone.units
    uganda_only = data.load_pgm_extracts((uganda,))
    kept = [u for u, g in zip(both.units, both.group, strict=True) if g == 1]
    # cells with a South Sudanese event are South Sudan's, even with their centre in Uganda
    assert len(uganda_only.units) - len(kept) == 3
    for unit in kept:
        here = both.values[both.units.index(unit), both.column(uganda.first_month) :]
        there = uganda_only.values[uganda_only.units.index(unit)]
        assert np.array_equal(here[: len(there)], there)
        assert np.isnan(here[len(there) :]).all()  # 2020-11 on: not covered
    # a Ugandan cell next to South Sudan has South Sudanese cells among its neighbours
    border = {both.units[n] for u in kept for n in both.neighbours[both.units.index(u)]}
    assert border & set(alone.units)
