"""A large first load drops the plain indexes of the import's tables and builds them at the
end (importers/deferred_indexes.py, ADR 0020); a failed import builds them too, and one that
was killed leaves records that the next import or the worker acts on. The real kill is in
test_import_interrupted.py."""

import pytest
from django.db import connection

from peaceops.incidents.importers.deferred_indexes import (
    TABLES,
    defer_indexes,
    restore_indexes,
    worth_deferring,
)
from peaceops.incidents.importers.queue import import_run_next
from peaceops.incidents.models import DeferredIndex, ImportRun, Incident
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged

CAR_ROWS = 1_848

# The database's own statement for the map's covering index (migration 0006).
MAP_COVER = {
    "sqlite": 'CREATE INDEX "incident_map_cover" ON "incidents_incident" ("started_at" DESC, '
    '"id" DESC, "mission_id", "classification", "latitude", "longitude", "incident_type", '
    '"fatalities")',
    "postgresql": "CREATE INDEX incident_map_cover ON public.incidents_incident USING btree "
    "(started_at DESC, id DESC, mission_id, classification, latitude, longitude, "
    "incident_type, fatalities)",
}


def index_definitions() -> dict[str, tuple[tuple[str, ...], bool]]:
    """Every index of the import's tables: name -> (columns, unique)."""
    found = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            for name, c in connection.introspection.get_constraints(cursor, table).items():
                if c["index"] and not c["primary_key"]:
                    found[name] = (tuple(c["columns"]), bool(c["unique"]))
    return found


def plain(indexes: dict[str, tuple[tuple[str, ...], bool]]) -> set[str]:
    return {name for name, (_columns, unique) in indexes.items() if not unique}


@pytest.fixture
def defer_at_100(settings):
    settings.IMPORT_DEFER_INDEXES_ROWS = 100


def test_first_load_runs_without_plain_indexes_and_builds_them_at_the_end(mission, defer_at_100):
    before = index_definitions()
    # The plain indexes of the five tables (ADR 0018's list, less the unique ones).
    assert len(plain(before)) == 13
    during = []

    def look(progress):
        during.append((set(index_definitions()), DeferredIndex.objects.count()))

    run = import_ged(mission, CAR_CSV, expected_rows=CAR_ROWS, batch_size=1_000, progress=look)
    assert (run.created, run.status) == (CAR_ROWS, ImportRun.Status.COMPLETED)
    unique = set(before) - plain(before)
    assert during == [(unique, 13), (unique, 13)]
    assert index_definitions() == before
    assert DeferredIndex.objects.count() == 0
    if connection.vendor == "sqlite":  # dropping an index drops its planner statistics
        with connection.cursor() as cursor:
            cursor.execute("SELECT idx FROM sqlite_stat1")
            analysed = {name for (name,) in cursor.fetchall()}
        assert analysed >= plain(before)


def test_a_reimport_keeps_its_indexes_whatever_the_estimate(mission, defer_at_100):
    import_ged(mission, CAR_CSV)
    before = index_definitions()
    seen = []

    def look(progress):
        seen.append(set(index_definitions()))

    # Quoted line breaks make a file's estimate larger than its rows, and larger than the
    # table: the first batch, all of it unchanged, shows this is no first load.
    again = import_ged(
        mission, CAR_CSV, expected_rows=2 * CAR_ROWS, batch_size=1_000, progress=look
    )
    assert again.unchanged == CAR_ROWS
    assert seen == [set(before), set(before)]
    assert DeferredIndex.objects.count() == 0


def test_no_deferral_for_a_small_import_or_into_a_larger_table(mission, defer_at_100):
    assert worth_deferring(None) is False
    assert worth_deferring(99) is False
    assert worth_deferring(100) is True
    before = index_definitions()
    seen = []

    def look(progress):
        seen.append(set(index_definitions()))

    import_ged(mission, CAR_CSV, expected_rows=99, progress=look)
    assert seen == [set(before)]
    # Now the table holds 1,848 incidents: a file of that many or fewer is not deferred.
    assert worth_deferring(CAR_ROWS) is False
    assert worth_deferring(CAR_ROWS + 1) is True


def test_a_failed_import_builds_its_indexes_before_it_reports(mission, defer_at_100):
    before = index_definitions()

    def fail(progress):
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError, match="the disk is full"):
        import_ged(mission, CAR_CSV, expected_rows=CAR_ROWS, batch_size=1_000, progress=fail)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert index_definitions() == before
    assert DeferredIndex.objects.count() == 0
    assert Incident.objects.count() == 1_000  # the first batch was written


def test_indexes_left_by_a_killed_import_are_built_by_the_next_import(mission):
    before = index_definitions()
    killed = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="k.csv")
    dropped = defer_indexes(killed)  # as a killed import leaves them
    assert set(dropped) == plain(before)
    assert set(index_definitions()) == set(before) - plain(before)
    recorded = DeferredIndex.objects.get(name="incident_map_cover")
    assert (recorded.table, recorded.run) == ("incidents_incident", killed)
    assert recorded.definition == MAP_COVER[connection.vendor]

    run = import_ged(mission, CAR_CSV)  # no estimate: nothing deferred, but the repair runs
    assert run.created == CAR_ROWS
    assert index_definitions() == before
    assert DeferredIndex.objects.count() == 0


def test_the_worker_builds_only_the_indexes_of_runs_that_stopped(mission):
    before = index_definitions()
    live = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="live.csv")
    defer_indexes(live)
    assert import_run_next() is None  # no queued upload; the live run's indexes stay dropped
    assert DeferredIndex.objects.count() == 13
    assert restore_indexes(stopped_only=True) == []

    ImportRun.objects.filter(pk=live.pk).update(status=ImportRun.Status.FAILED)
    assert import_run_next() is None
    assert DeferredIndex.objects.count() == 0
    assert index_definitions() == before


def test_an_index_built_meanwhile_is_left_as_it_is(mission):
    before = index_definitions()
    run = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="a.csv")
    defer_indexes(run)
    definition = DeferredIndex.objects.get(name="incident_priogrid").definition
    with connection.cursor() as cursor:
        cursor.execute(definition)  # another import built this one already
    restored = restore_indexes(run=run)
    assert len(restored) == 13
    assert index_definitions() == before
