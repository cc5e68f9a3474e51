"""The research data readers, on the real files in ../shared/data."""

import csv

import numpy as np
import pandas as pd
import pytest

from peaceops.forecasting import data
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
