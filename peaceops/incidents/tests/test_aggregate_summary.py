"""Aggregates read from the daily summary equal those computed from the incidents, under the
access policy, after creates, edits, imports and a newer release."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Count, Sum

from peaceops.core.classification import Classification
from peaceops.core.roles import Role
from peaceops.incidents import services
from peaceops.incidents.models import IncidentDayCount
from peaceops.incidents.selectors import (
    IncidentFilters,
    incident_aggregate,
    incident_aggregate_scan,
)
from peaceops.incidents.tests.ged_releases import (
    CAR_CSV,
    import_ged,
    more_civilian_deaths,
    newer_release,
)
from peaceops.testing.factories import UserFactory, make_incident, member

SUMMARY_GROUPINGS = ("month", "week", "type", "country", "mission")
FILTERS = (
    IncidentFilters(),
    IncidentFilters(country="caf"),
    IncidentFilters(mission="minusca"),
    IncidentFilters(incident_type="armed_clash"),
    IncidentFilters(classification=Classification.CONFIDENTIAL),
    IncidentFilters(started_from=dt.date(2015, 1, 1), started_to=dt.date(2024, 3, 31)),
    IncidentFilters(started_from=dt.date(2024, 4, 1)),
)


def _a_year_later_with_more_deaths(row: dict[str, str]) -> None:
    for column in ("date_start", "date_end"):
        day = dt.date.fromisoformat(row[column][:10])
        row[column] = day.replace(year=day.year + 1).isoformat()
    more_civilian_deaths(row)


@pytest.fixture
def loaded(mission, other_mission, analyst, tmp_path):
    """Incidents of every classification in two missions, edited, imported and re-imported."""
    author = member(other_mission, Role.ANALYST)
    for level in Classification.values:
        make_incident(
            mission,
            author=analyst if level != "strictly_confidential" else None,
            classification=level,
        )
        make_incident(
            other_mission,
            author=author,
            classification=level,
            incident_type="violence_against_civilians",
            subtype="attack",
        )
    # Just before midnight in UTC-2: the next day (and month) in UTC.
    late = make_incident(mission, author=analyst, started_at="2024-03-31T23:30:00-02:00")
    moved = make_incident(mission, author=analyst)
    services.incident_update(
        actor=analyst,
        incident_id=moved.pk,
        version=1,
        changes={
            "classification": Classification.CONFIDENTIAL,
            "started_at": "2019-07-14T10:00:00Z",
            "latitude": 4.85,  # in South Sudan: another country
            "longitude": 31.6,
            "casualties": [{"category": "civilians", "outcome": "killed", "best": 11}],
        },
    )
    import_ged(mission, CAR_CSV)
    newer, event_id = newer_release(tmp_path, _a_year_later_with_more_deaths)
    run = import_ged(mission, newer)
    assert (run.updated, run.unchanged) == (1, 1_847)
    return {"late": late, "event_id": event_id}


def _users(mission, other_mission):
    return {
        "system administrator": member(None, Role.SYSTEM_ADMIN),
        "headquarters, internal": member(None, Role.HQ_READER, Classification.INTERNAL),
        "analyst, confidential": member(mission, Role.ANALYST, Classification.CONFIDENTIAL),
        "reporter, internal": member(mission, Role.REPORTER, Classification.INTERNAL),
        "other mission": member(other_mission, Role.ANALYST, Classification.PUBLIC),
        "no membership": UserFactory(),
    }


def test_summary_answers_equal_the_incidents_for_every_user_grouping_and_filter(
    loaded, mission, other_mission
):
    for who, user in _users(mission, other_mission).items():
        for group_by in SUMMARY_GROUPINGS:
            for filters in FILTERS:
                ours = incident_aggregate(user=user, group_by=group_by, filters=filters)
                scanned = incident_aggregate_scan(user=user, group_by=group_by, filters=filters)
                assert ours == scanned, (who, group_by, filters)


def test_summary_counts_the_utc_day_and_the_access_policy(loaded, mission, other_mission):
    users = _users(mission, other_mission)
    april = IncidentFilters(started_from=dt.date(2024, 4, 1), started_to=dt.date(2024, 4, 30))
    rows = incident_aggregate(user=users["reporter, internal"], group_by="month", filters=april)
    # The incident at 23:30 on 31 March in UTC-2 started on 1 April in UTC.
    assert rows == [{"key": "2024-04-01", "incidents": 1, "fatalities": 4}]
    by_mission = incident_aggregate(user=users["other mission"], group_by="mission")
    assert by_mission == [{"key": "UNMISS", "incidents": 1, "fatalities": 4}]  # public only
    assert incident_aggregate(user=users["no membership"], group_by="country") == []


def test_summary_totals_follow_edits_and_a_newer_release(loaded, mission):
    counted = IncidentDayCount.objects.filter(mission=mission).aggregate(
        incidents=Sum("incidents"), fatalities=Sum("fatalities")
    )
    stored = mission.incidents.aggregate(incidents=Count("pk"), fatalities=Sum("fatalities"))
    # 4 + 2 created (one of them moved by an edit) + 1,848 imported, one of them updated
    assert counted == stored
    assert counted["incidents"] == 1_854
    event = mission.incidents.get(external_id=loaded["event_id"])
    assert event.version == 2
    assert IncidentDayCount.objects.filter(
        mission=mission,
        classification=event.classification,
        country_code=event.country_code,
        incident_type=event.incident_type,
        day=event.started_at.date(),
        incidents__gt=0,
    ).exists()


def _summary_rows(queryset) -> list[tuple]:
    columns = ("mission_id", "classification", "country_code", "incident_type", "day")
    return sorted(queryset.values_list(*columns, "incidents", "fatalities"))


def test_migration_backfill_gives_the_rows_the_writes_keep(loaded):
    kept = _summary_rows(IncidentDayCount.objects.filter(incidents__gt=0))
    IncidentDayCount.objects.all().delete()
    migration = importlib.import_module("peaceops.incidents.migrations.0004_incident_day_count")
    migration.count_existing(apps, connection.schema_editor())
    assert _summary_rows(IncidentDayCount.objects.all()) == kept
