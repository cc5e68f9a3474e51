"""After an import that changed many rows, the query planner has statistics to go by (the
threshold lowered below the CAR extract's 1,848 rows): SQLite's for the incident indexes,
PostgreSQL's for every table the import writes."""

import pytest
from django.db import connection

from peaceops.incidents.importers import bulk
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's statistics (sqlite_stat1)"
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statistics (pg_stats)"
)


@pytest.fixture(autouse=True)
def analyze_after_1000_rows(monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 1_000)


def _statistics() -> dict[str, object]:
    """SQLite: index -> its sqlite_stat1 line for the incident table. PostgreSQL: table ->
    how many of its columns pg_stats describes, for the import's tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename, count(*) FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) GROUP BY tablename",
                [list(bulk.IMPORT_TABLES)],
            )
            return dict(cursor.fetchall())
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return {}
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'incidents_incident'")
        return dict(cursor.fetchall())


def _forget_statistics() -> None:
    """Inside the test's transaction: what an earlier run or autovacuum left is not ours."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])",
                [list(bulk.IMPORT_TABLES)],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is not None:
                cursor.execute("DELETE FROM sqlite_stat1")


@sqlite_only
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


@postgresql_only
def test_an_import_analyses_every_table_it_wrote_on_postgresql(mission):
    _forget_statistics()
    assert _statistics() == {}
    import_ged(mission, CAR_CSV)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, count(*) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) GROUP BY table_name",
            [list(bulk.IMPORT_TABLES)],
        )
        columns = dict(cursor.fetchall())
    assert len(columns) == 7
    assert _statistics() == columns  # every column of every table the import writes


def test_an_import_that_changes_nothing_leaves_the_statistics_alone(mission):
    import_ged(mission, CAR_CSV)
    _forget_statistics()
    again = import_ged(mission, CAR_CSV)
    assert (again.created, again.updated) == (0, 0)
    assert _statistics() == {}


def test_a_small_import_leaves_the_statistics_alone(mission, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 1_849)
    _forget_statistics()
    run = import_ged(mission, CAR_CSV)
    assert run.created == 1_848
    assert _statistics() == {}
