"""After an import that changed many rows, SQLite's query planner has statistics to go by
(the threshold lowered below the CAR extract's 1,848 rows)."""

import pytest
from django.db import connection

from peaceops.incidents.importers import bulk
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite only: PostgreSQL's autovacuum analyses changed tables by itself",
)


@pytest.fixture(autouse=True)
def analyze_after_1000_rows(monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 1_000)


def _statistics() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return {}
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'incidents_incident'")
        return dict(cursor.fetchall())


def test_an_import_leaves_planner_statistics_for_the_incident_indexes(mission):
    assert _statistics() == {}
    import_ged(mission, CAR_CSV)
    stats = _statistics()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'incidents_incident'"
        )
        indexes = {name for (name,) in cursor.fetchall()}
    # Every index of the table, the unique ones included; not the partial ones of the person
    # columns (migration 0011), which hold no imported row: nothing to count there.
    empty = {"incident_assigned_to", "incident_created_by", "incident_reviewed_by"}
    assert empty < indexes
    assert set(stats) == indexes - empty
    assert {stat.split()[0] for stat in stats.values()} == {"1848"}  # rows, counted in full


def test_an_import_that_changes_nothing_leaves_the_statistics_alone(mission):
    import_ged(mission, CAR_CSV)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
    again = import_ged(mission, CAR_CSV)
    assert (again.created, again.updated) == (0, 0)
    assert _statistics() == {}


def test_a_small_import_leaves_the_statistics_alone(mission, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 1_849)
    run = import_ged(mission, CAR_CSV)
    assert run.created == 1_848
    assert _statistics() == {}
