"""The product's history: monthly state-based fatalities per country and per PRIO-GRID cell,
aggregated in the database from the incidents classified public (ADR 0011), the same way
the VIEWS series are built from UCDP GED (type of violence 1 = armed clash, state-based).

This is a system read, not a user's: it is not scoped by mission, and it is limited to
public incidents so that what it produces reveals nothing confidential. Sources and
missions' copies of one file are not added together (ADR 0028: monthly_counts).
"""

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import Max, Min, QuerySet, Sum

from peaceops.core.classification import Classification
from peaceops.core.geo.countries import all_countries, countries_at
from peaceops.core.geo.priogrid import COLUMNS, ROWS
from peaceops.core.periods import month_start
from peaceops.core.taxonomy import IncidentType
from peaceops.forecasting.months import month_id_of
from peaceops.forecasting.months import month_start as first_day
from peaceops.forecasting.neighbours import (
    cell_neighbour_indexes,
    country_neighbours,
    neighbour_indexes,
)
from peaceops.forecasting.panel import Panel
from peaceops.incidents.importers.tabular import EXTERNAL_SOURCE_PREFIX as TABULAR_SOURCE
from peaceops.incidents.models import Incident

INCIDENT_FILTER = {
    "classification": Classification.PUBLIC,
    "incident_type": IncidentType.ARMED_CLASH,
    "subtype": "state_based",
}


def state_based_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(**INCIDENT_FILTER)


def data_span() -> tuple[int, int] | None:
    """(first, last) month ids with a public state-based incident, or None when none."""
    span = state_based_incidents().aggregate(first=Min("started_at"), last=Max("started_at"))
    if span["first"] is None:
        return None
    return month_id_of(span["first"].date()), month_id_of(span["last"].date())


def default_cutoff(today: dt.date) -> int | None:
    """The last month of data to use: the month of the latest incident, but never the
    current (incomplete) month."""
    span = data_span()
    if span is None:
        return None
    return min(span[1], month_id_of(today) - 1)


def published(source: str) -> bool:
    """Whether incidents of this `external_source` come from a published dataset (UCDP
    GED, ACLED), which several missions may import, rather than from a mission's own
    records: its reports (no source) and spreadsheets (tabular:<mapping>)."""
    return bool(source) and not source.startswith(f"{TABULAR_SOURCE}:")


def monthly_counts(group_by: str, first: int, cutoff: int, **where: Any) -> dict[tuple, float]:
    """(unit, month id) -> state-based fatalities of the public incidents (and `where`) in
    months first..cutoff, units by `group_by` (country_code or priogrid_gid). Sources are
    not added together (ADR 0028): a unit-month takes, for each published dataset (UCDP
    GED, ACLED), the largest of the missions' totals (a file imported into two missions
    holds the same events twice), adds up the missions' own records (reports and
    spreadsheets), and takes the largest of those totals (different counts of much the
    same violence)."""
    rows = (
        state_based_incidents()
        .filter(
            started_at__date__gte=first_day(first),
            started_at__date__lt=first_day(cutoff + 1),
            **where,
        )
        .annotate(month=month_start("started_at"))
        .values(group_by, "month", "external_source", "mission_id")
        .annotate(deaths=Sum("fatalities"))
        .order_by()
    )
    by_source: dict[tuple, float] = defaultdict(float)
    for row in rows:
        if row[group_by] in (None, ""):
            continue
        month = month_id_of(row["month"])
        source = row["external_source"]
        deaths = float(row["deaths"] or 0)
        if published(source):
            key = (str(row[group_by]), month, source)
            by_source[key] = max(by_source[key], deaths)
        else:
            by_source[(str(row[group_by]), month, "")] += deaths
    out: dict[tuple, float] = defaultdict(float)
    for (unit, month, _source), deaths in by_source.items():
        out[(unit, month)] = max(out[(unit, month)], deaths)
    return out


def _panel(level: str, units: list[str], first: int, cutoff: int, counts: dict) -> Panel:
    position = {unit: i for i, unit in enumerate(units)}
    values = np.zeros((len(units), cutoff - first + 1))
    for (unit, month), deaths in counts.items():
        if unit in position:
            values[position[unit], month - first] += deaths
    return Panel(level=level, units=units, first_month=first, values=values)


def country_panel(first: int, cutoff: int) -> Panel:
    """Every country of the shipped boundaries, months first..cutoff (zeros where no
    incident)."""
    counts = monthly_counts("country_code", first, cutoff)
    units = sorted({code for code, _name in all_countries()} | {u for u, _m in counts})
    panel = _panel("cm", units, first, cutoff, counts)
    neighbours = {code: sorted(others) for code, others in country_neighbours().items()}
    panel.neighbours = neighbour_indexes(units, neighbours)
    panel.group = np.arange(len(units))
    return panel


def _cells_of(codes: set[str]) -> dict[int, str]:
    """gid -> country for every PRIO-GRID cell whose centre lies in one of `codes`."""
    gids = np.arange(1, ROWS * COLUMNS + 1)
    rows, cols = np.divmod(gids - 1, COLUMNS)
    found = countries_at(rows * 0.5 - 89.75, cols * 0.5 - 179.75)
    return {int(g): c for g, c in zip(gids.tolist(), found, strict=True) if c in codes}


def cell_panel(first: int, cutoff: int) -> Panel:
    """The cells of every country with a public state-based incident in the months, plus any
    cell with such an incident; months first..cutoff."""
    counts = monthly_counts("priogrid_gid", first, cutoff)
    countries = set(
        state_based_incidents()
        .filter(started_at__date__gte=first_day(first))
        .exclude(country_code="")
        .values_list("country_code", flat=True)
        .distinct()
    )
    country_of = _cells_of(countries)
    for gid, _month in counts:
        country_of.setdefault(int(gid), "")
    units = [str(g) for g in sorted(country_of)]
    panel = _panel("pgm", units, first, cutoff, counts)
    panel.neighbours = cell_neighbour_indexes(units)
    codes = sorted(set(country_of.values()))
    index = {code: i for i, code in enumerate(codes)}
    panel.group = np.array([index[country_of[int(u)]] for u in units], dtype=np.intp)
    return panel
