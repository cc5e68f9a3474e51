"""The product's history counts each event once and does not add sources together
(ADR 0028)."""

import datetime as dt

import pytest

from peaceops.core.classification import Classification
from peaceops.core.geo.priogrid import priogrid_gid
from peaceops.forecasting import history, selectors
from peaceops.forecasting.months import month_id
from peaceops.incidents.models import Incident
from peaceops.testing.factories import make_incident

BAMBARI = priogrid_gid(5.7631, 20.6732)  # the factories' point, in the CAR


def _clash(mission, day: dt.date, killed: int, source: str = "", event_id: str = "") -> None:
    incident = make_incident(
        mission,
        started_at=dt.datetime(day.year, day.month, day.day, 6, tzinfo=dt.UTC),
        classification=Classification.PUBLIC,
        casualties=[{"category": "armed_side_a", "outcome": "killed", "best": killed}],
    )
    # what an import stores with the incident (the importers set these two fields)
    Incident.objects.filter(pk=incident.pk).update(external_source=source, external_id=event_id)


@pytest.mark.django_db
def test_sources_are_not_added_together_and_an_event_counts_once(mission, other_mission):
    # January: UCDP GED says 10, ACLED 8 + 6 = 14 -> 14, not 24
    _clash(mission, dt.date(2023, 1, 10), 10, "ucdp_ged", "1001")
    _clash(mission, dt.date(2023, 1, 12), 8, "acled", "CAF1")
    _clash(mission, dt.date(2023, 1, 20), 6, "acled", "CAF2")
    # February: only UCDP GED, the same event imported into two missions -> 5, not 10
    _clash(mission, dt.date(2023, 2, 3), 5, "ucdp_ged", "1002")
    _clash(other_mission, dt.date(2023, 2, 3), 5, "ucdp_ged", "1002")
    # March: a mission's own report (3) and UCDP GED (4) -> 4
    _clash(mission, dt.date(2023, 3, 8), 3)
    _clash(mission, dt.date(2023, 3, 9), 4, "ucdp_ged", "1003")
    # April: two missions' own reports (2 and 3), no external id: both count -> 5
    _clash(mission, dt.date(2023, 4, 1), 2)
    _clash(other_mission, dt.date(2023, 4, 2), 3)
    # May: the missions' own records are one source, reports and spreadsheets (tabular:)
    # added up, 1 + 2 + 4 = 7, against UCDP GED's 6 -> 7
    _clash(mission, dt.date(2023, 5, 4), 1)
    _clash(mission, dt.date(2023, 5, 5), 2, "tabular:minusca_log", "row-7")
    _clash(other_mission, dt.date(2023, 5, 6), 4, "tabular:minusca_log", "row-7")
    _clash(other_mission, dt.date(2023, 5, 7), 6, "ucdp_ged", "1004")
    expected = [14.0, 5.0, 4.0, 5.0, 7.0]

    countries = history.country_panel(month_id(2023, 1), month_id(2023, 5))
    assert countries.values[countries.units.index("CAF")].tolist() == expected
    assert countries.values.sum() == sum(expected)
    cells = history.cell_panel(month_id(2023, 1), month_id(2023, 5))
    assert cells.values[cells.units.index(str(BAMBARI))].tolist() == expected
    assert cells.values.sum() == sum(expected)
    # the country chart shows what the forecasts learn from
    chart = selectors.country_history(
        code="CAF", first_month=month_id(2023, 1), last_month=month_id(2023, 5)
    )
    assert chart == list(zip(range(month_id(2023, 1), month_id(2023, 6)), expected, strict=True))


@pytest.mark.django_db
def test_only_the_months_from_first_to_the_cutoff_are_counted(mission):
    for day, killed in (
        (dt.date(2022, 12, 31), 100),
        (dt.date(2023, 1, 1), 1),
        (dt.date(2023, 2, 28), 2),
        (dt.date(2023, 3, 1), 100),
    ):
        _clash(mission, day, killed)

    countries = history.country_panel(month_id(2023, 1), month_id(2023, 2))
    assert countries.values[countries.units.index("CAF")].tolist() == [1.0, 2.0]
    assert countries.values.sum() == 3.0
    chart = selectors.country_history(
        code="CAF", first_month=month_id(2023, 1), last_month=month_id(2023, 2)
    )
    assert chart == [(month_id(2023, 1), 1.0), (month_id(2023, 2), 2.0)]
