"""The research data the evaluation and the benchmark script read at run time (never copied
into the repository: VIEWS and PRIO-GRID are CC BY-NC, ACLED's terms restrict
redistribution): the VIEWS country-month series, the UCDP GED country extracts with the
PRIO-GRID land cells for the cell panels, and the ACLED country files whose cells the
evaluation may also train on (ADR 0027).

By default the data lie in ../shared/data next to the repository; PEACEOPS_SHARED_DATA
points elsewhere.
"""

import math
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.countries import countries_at
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.core.taxonomy import IncidentType
from peaceops.forecasting.months import month_id
from peaceops.forecasting.neighbours import (
    cell_neighbour_indexes,
    country_neighbours,
    neighbour_indexes,
)
from peaceops.forecasting.panel import Panel
from peaceops.incidents.importers.acled import acled_row_values, read_acled
from peaceops.incidents.importers.ucdp import read_ged

STATE_BASED = 1  # UCDP type_of_violence 1 (incidents: armed_clash / state_based)
# What the ACLED importer makes of a battle with state forces on either side: the incidents
# the product's forecasts learn from (history.INCIDENT_FILTER).
ACLED_STATE_BASED = (IncidentType.ARMED_CLASH, "state_based")


def shared_data_dir() -> Path:
    configured = os.environ.get("PEACEOPS_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def views_cm_path() -> Path:
    return shared_data_dir() / "views_ged_country_month" / "ged_cm.csv"


def priogrid_cells_path() -> Path:
    return shared_data_dir() / "priogrid_cells_views" / "pgm_geometry.parquet"


@dataclass(frozen=True)
class Extract:
    """A country's events file and the months it covers (inclusive): a UCDP GED extract
    (scored and trained on) or an ACLED country file (`source` "acled": trained on only,
    its events counted only in its own country's cells)."""

    country: str  # ISO3
    relative_path: str
    first_month: int
    last_month: int
    source: str = "ged"

    @property
    def path(self) -> Path:
        return shared_data_dir() / self.relative_path

    def covers_year(self, year: int) -> bool:
        return self.first_month <= month_id(year, 1) and month_id(year, 1) <= self.last_month


EXTRACTS = (
    # The Syria extract ends 2019-11-30: December 2019 is not covered.
    Extract(
        "SYR",
        "ucdp_ged_syria_v19_1/ucdp_syria_ged191.csv.gz",
        month_id(2016, 1),
        month_id(2019, 11),
    ),
    Extract(
        "CAF", "ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.csv", month_id(1991, 1), month_id(2022, 12)
    ),
    Extract(
        "NGA",
        "ucdp_ged_hdx_country_extracts/conflict_data_nga.csv",
        month_id(1990, 1),
        month_id(2019, 12),
    ),
    Extract(
        "SSD",
        "ucdp_ged_hdx_country_extracts/conflict_data_ssd.csv",
        month_id(2011, 1),
        month_id(2021, 12),
    ),
)


# ACLED's files on HDX, 1997 (ACLED's start in Africa) to 2020. A file covers the months that
# end before its last event's date (or on it): Angola's last event is on 2020-10-28, so
# October 2020 is not covered; Mali's is on 2020-07-31, so July is.
ACLED_EXTRACTS = tuple(
    Extract(
        code,
        f"acled_hdx_country_extracts/conflict_data_{code.lower()}.csv",
        month_id(1997, 1),
        last,
        source="acled",
    )
    for code, last in (
        ("AGO", month_id(2020, 9)),
        ("BFA", month_id(2020, 7)),
        ("ETH", month_id(2020, 10)),
        ("MLI", month_id(2020, 7)),
        ("MOZ", month_id(2020, 10)),
        ("NER", month_id(2020, 7)),
        ("TZA", month_id(2020, 9)),
        ("UGA", month_id(2020, 10)),
        ("ZMB", month_id(2020, 10)),
    )
)


def load_views_cm(path: Path | None = None, *, last_month: int | None = None) -> Panel:
    """The VIEWS country-month series of state-based fatalities (best), one unit per ISO3
    code; months a country is not listed in are NaN."""
    frame = pd.read_csv(
        path or views_cm_path(), usecols=["month_id", "isoab", "ucdp_ged_sb_best_sum"]
    )
    if last_month is not None:
        frame = frame[frame["month_id"] <= last_month]
    sums = frame.groupby(["isoab", "month_id"])["ucdp_ged_sb_best_sum"].sum()
    units = sorted(sums.index.get_level_values(0).unique())
    first, last = int(frame["month_id"].min()), int(frame["month_id"].max())
    values = np.full((len(units), last - first + 1), np.nan)
    position = {unit: i for i, unit in enumerate(units)}
    rows = np.array([position[u] for u in sums.index.get_level_values(0)])
    columns = sums.index.get_level_values(1).to_numpy() - first
    values[rows, columns] = sums.to_numpy()
    neighbours = {code: sorted(others) for code, others in country_neighbours().items()}
    return Panel(
        level="cm",
        units=units,
        first_month=first,
        values=values,
        neighbours=neighbour_indexes(units, neighbours),
        group=np.arange(len(units)),
    )


def land_cells(path: Path | None = None) -> np.ndarray:
    """The PRIO-GRID gids of the land cells VIEWS uses."""
    import pyarrow.parquet as pq

    return pq.read_table(path or priogrid_cells_path(), columns=["priogrid_gid"])[
        "priogrid_gid"
    ].to_numpy()


def country_cells(codes: set[str], cells: np.ndarray) -> dict[str, list[int]]:
    """The cells (of `cells`) whose centre lies in each country of `codes`."""
    rows, cols = np.divmod(cells - 1, 720)
    latitudes, longitudes = rows * 0.5 - 89.75, cols * 0.5 - 179.75
    found = countries_at(latitudes, longitudes)
    out: dict[str, list[int]] = defaultdict(list)
    for gid, code in zip(cells.tolist(), found, strict=True):
        if code in codes:
            out[code].append(gid)
    return out


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def extract_events(extract: Extract) -> dict[tuple[int, int], float]:
    """(cell, month) -> state-based fatalities (best) of one extract, within its months."""
    if extract.source == "acled":
        return _acled_events(extract)
    out: dict[tuple[int, int], float] = defaultdict(float)
    for _line, row, _raw in read_ged(extract.path):
        if _number(row.get("type_of_violence", "")) != STATE_BASED:
            continue
        start = row["date_start"].strip()[:7]
        month = month_id(int(start[:4]), int(start[5:7]))
        if not extract.first_month <= month <= extract.last_month:
            continue
        gid = _number(row.get("priogrid_gid", ""))
        if not gid or math.isnan(gid):
            gid = priogrid_gid(float(row["latitude"]), float(row["longitude"]))
        out[(int(gid), month)] += _number(row.get("best", "")) or 0.0
    return out


def _acled_events(extract: Extract) -> dict[tuple[int, int], float]:
    """The same for an ACLED file: the fatalities of the events the ACLED importer maps to
    armed clash / state-based, by the cell of the event's point and the month of its date
    (rows the importer would reject are left out)."""
    out: dict[tuple[int, int], float] = defaultdict(float)
    for _line, row, _raw in read_acled(extract.path):
        try:
            values = acled_row_values(row)
        except ValidationFailed:
            continue
        if (values["incident_type"], values["subtype"]) != ACLED_STATE_BASED:
            continue
        started = values["started_at"]
        month = month_id(started.year, started.month)
        if not extract.first_month <= month <= extract.last_month:
            continue
        gid = priogrid_gid(values["latitude"], values["longitude"])
        out[(gid, month)] += sum(casualty["best"] for casualty in values["casualties"])
    return out


def load_pgm_extracts(
    extracts: tuple[Extract, ...] = EXTRACTS, *, cells_path: Path | None = None
) -> Panel:
    """One cell panel for the extracts: every land cell whose centre lies in an extract's
    country, plus any cell with an event of a GED extract; months outside an extract's
    cover are NaN. A cell belongs to the first extract that claims it (`group`); an ACLED
    file's events count only in its own cells, so the GED cells' values do not depend on
    whether ACLED files are loaded with them."""
    cells_by_country = country_cells({e.country for e in extracts}, land_cells(cells_path))
    events = {e.country: extract_events(e) for e in extracts}
    unit_group: dict[int, int] = {}
    for index, extract in enumerate(extracts):
        for gid in cells_by_country.get(extract.country, []):
            unit_group.setdefault(gid, index)
        if extract.source == "ged":
            for gid, _month in events[extract.country]:
                unit_group.setdefault(gid, index)
    gids = sorted(unit_group)
    first = min(e.first_month for e in extracts)
    last = max(e.last_month for e in extracts)
    values = np.full((len(gids), last - first + 1), np.nan)
    position = {gid: i for i, gid in enumerate(gids)}
    group = np.array([unit_group[g] for g in gids])
    for index, extract in enumerate(extracts):
        rows = np.flatnonzero(group == index)
        values[rows, extract.first_month - first : extract.last_month - first + 1] = 0.0
        for (gid, month), deaths in events[extract.country].items():
            if extract.source == "ged" or unit_group.get(gid) == index:
                values[position[gid], month - first] += deaths
    units = [str(g) for g in gids]
    return Panel(
        level="pgm",
        units=units,
        first_month=first,
        values=values,
        neighbours=cell_neighbour_indexes(units),
        group=group,
    )
