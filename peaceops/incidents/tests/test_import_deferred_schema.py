"""A large first load drops the plain indexes (and on PostgreSQL the foreign keys) of the
import's tables and builds them at the end (importers/deferred_schema.py, ADR 0020); a
failed import builds them too, and one that was killed leaves records that the next import
or the worker acts on. The real kill is in test_import_interrupted.py."""

import pytest
from django.db import connection

from peaceops.incidents.importers.deferred_schema import (
    TABLES,
    defer_schema,
    restore_schema,
    worth_deferring,
)
from peaceops.incidents.importers.queue import import_run_next
from peaceops.incidents.models import DeferredDefinition, ImportRun, Incident, Source
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


def foreign_keys() -> dict[str, str]:
    """The import's tables' foreign keys as PostgreSQL has them (name -> definition, and
    whether checked); SQLite: none is ever dropped, so none is listed."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' "
            "ELSE ' (unchecked)' END FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[])",
            [list(TABLES)],
        )
        return dict(cursor.fetchall())


def schema() -> tuple[dict, dict]:
    return index_definitions(), foreign_keys()


# Foreign keys on columns an import leaves NULL (who created, reviewed or is assigned an
# incident; who wrote a revision): kept, they check nothing for NULL.
KEPT_KEYS = {
    "incidents_incident_assigned_to_id_c1ff8fd4_fk_accounts_user_id",
    "incidents_incident_created_by_id_c29d8b73_fk_accounts_user_id",
    "incidents_incident_reviewed_by_id_7e247df6_fk_accounts_user_id",
    "incidents_incidentre_actor_id_553d9d6f_fk_accounts_",
}


# Partial indexes that leave out the rows an import writes (no person set, migration 0011).
PARTIAL = {"incident_reviewed_by", "incident_assigned_to", "incident_created_by", "revision_actor"}


def plain(indexes: dict[str, tuple[tuple[str, ...], bool]]) -> set[str]:
    """The indexes a large first load drops: those that are neither unique nor partial."""
    return {
        name for name, (_columns, unique) in indexes.items() if not unique and name not in PARTIAL
    }


def kept(keys: dict[str, str]) -> dict[str, str]:
    return {name: text for name, text in keys.items() if name in KEPT_KEYS}


# Deferred by a large first load: the 9 plain indexes of the five tables (ADR 0018's list,
# less the unique and the partial ones) and, on PostgreSQL, 7 of their 11 foreign keys.
DEFERRED = {"sqlite": 9, "postgresql": 9 + 7}


@pytest.fixture
def defer_at_100(settings):
    settings.IMPORT_DEFER_INDEXES_ROWS = 100


def test_first_load_runs_without_plain_indexes_and_builds_them_at_the_end(mission, defer_at_100):
    indexes, keys = before = schema()
    assert len(plain(indexes)) == 9
    assert set(indexes) > PARTIAL
    assert len(keys) == {"sqlite": 0, "postgresql": 11}[connection.vendor]
    during = []

    def look(progress):
        during.append(
            (set(index_definitions()), foreign_keys(), DeferredDefinition.objects.count())
        )

    run = import_ged(mission, CAR_CSV, expected_rows=CAR_ROWS, batch_size=1_000, progress=look)
    assert (run.created, run.status) == (CAR_ROWS, ImportRun.Status.COMPLETED)
    left = set(indexes) - plain(indexes)
    deferred = DEFERRED[connection.vendor]
    assert during == [(left, kept(keys), deferred), (left, kept(keys), deferred)]
    assert schema() == before  # every foreign key checked again, too
    assert DeferredDefinition.objects.count() == 0
    if connection.vendor == "sqlite":  # dropping an index drops its planner statistics
        with connection.cursor() as cursor:
            cursor.execute("SELECT idx FROM sqlite_stat1")
            analysed = {name for (name,) in cursor.fetchall()}
        assert analysed >= plain(indexes)


def test_a_reimport_keeps_its_indexes_whatever_the_estimate(mission, defer_at_100):
    import_ged(mission, CAR_CSV)
    before = schema()
    seen = []

    def look(progress):
        seen.append(schema())

    # Quoted line breaks make a file's estimate larger than its rows, and larger than the
    # table: the first batch, all of it unchanged, shows this is no first load.
    again = import_ged(
        mission, CAR_CSV, expected_rows=2 * CAR_ROWS, batch_size=1_000, progress=look
    )
    assert again.unchanged == CAR_ROWS
    assert seen == [before, before]
    assert DeferredDefinition.objects.count() == 0


def test_no_deferral_for_a_small_import_or_into_a_larger_table(mission, defer_at_100):
    assert worth_deferring(None) is False
    assert worth_deferring(99) is False
    assert worth_deferring(100) is True
    before = schema()
    seen = []

    def look(progress):
        seen.append(schema())

    import_ged(mission, CAR_CSV, expected_rows=99, progress=look)
    assert seen == [before, before]  # a first batch of 1,000 rows, then the other 848
    # Now the table holds 1,848 incidents: a file of that many or fewer is not deferred.
    assert worth_deferring(CAR_ROWS) is False
    assert worth_deferring(CAR_ROWS + 1) is True


def test_a_failed_import_builds_its_schema_before_it_reports(mission, defer_at_100):
    before = schema()

    def fail(progress):
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError, match="the disk is full"):
        import_ged(mission, CAR_CSV, expected_rows=CAR_ROWS, batch_size=1_000, progress=fail)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert schema() == before
    assert DeferredDefinition.objects.count() == 0
    assert Incident.objects.count() == 1_000  # the first batch was written


def test_definitions_left_by_a_killed_import_are_built_by_the_next_import(mission):
    indexes, keys = before = schema()
    killed = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="k.csv")
    dropped = defer_schema(killed)  # as a killed import leaves them
    assert set(dropped) == plain(indexes) | (set(keys) - KEPT_KEYS)
    left = {n: i for n, i in indexes.items() if n not in plain(indexes)}
    assert schema() == (left, kept(keys))
    recorded = DeferredDefinition.objects.get(name="incident_map_cover")
    assert (recorded.kind, recorded.table, recorded.run) == ("index", "incidents_incident", killed)
    assert recorded.definition == MAP_COVER[connection.vendor]
    if connection.vendor == "postgresql":
        recorded = DeferredDefinition.objects.get(
            name="incidents_source_incident_id_e5b90b9b_fk_incidents_incident_id"
        )
        assert (recorded.kind, recorded.table, recorded.definition) == (
            "foreign_key",
            "incidents_source",
            "FOREIGN KEY (incident_id) REFERENCES incidents_incident(id) "
            "DEFERRABLE INITIALLY DEFERRED",
        )

    run = import_ged(mission, CAR_CSV)  # no estimate: nothing deferred, but the repair runs
    assert run.created == CAR_ROWS
    assert schema() == before
    assert DeferredDefinition.objects.count() == 0


def test_the_worker_builds_only_the_definitions_of_runs_that_stopped(mission):
    before = schema()
    live = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="live.csv")
    defer_schema(live)
    assert import_run_next() is None  # no queued upload; the live run's indexes stay dropped
    assert DeferredDefinition.objects.count() == DEFERRED[connection.vendor]
    assert restore_schema(stopped_only=True) == []

    ImportRun.objects.filter(pk=live.pk).update(status=ImportRun.Status.FAILED)
    assert import_run_next() is None
    assert DeferredDefinition.objects.count() == 0
    assert schema() == before


def test_a_definition_built_meanwhile_is_left_as_it_is(mission):
    before = schema()
    run = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="a.csv")
    defer_schema(run)
    definition = DeferredDefinition.objects.get(name="incident_priogrid").definition
    with connection.cursor() as cursor:
        cursor.execute(definition)  # another import built this one already
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE incidents_casualty ADD CONSTRAINT "
                "incidents_casualty_incident_id_11e5a715_fk_incidents FOREIGN KEY (incident_id) "
                "REFERENCES incidents_incident(id) DEFERRABLE INITIALLY DEFERRED"
            )
    restored = restore_schema(run=run)
    assert len(restored) == DEFERRED[connection.vendor]
    assert schema() == before


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite keeps its foreign keys: it cannot drop one without rebuilding the table",
)
def test_a_row_without_its_parent_leaves_that_key_unchecked_and_loses_nothing(mission, caplog):
    import_ged(mission, CAR_CSV)
    run = ImportRun.objects.create(mission=mission, source="ucdp_ged", file_name="o.csv")
    defer_schema(run)
    with connection.cursor() as cursor:  # by hand, while the key is dropped: no such incident
        cursor.execute(
            "INSERT INTO incidents_source (incident_id, position, name, reference, "
            "published_on, reliability, credibility, excerpt) SELECT 999999999, position, "
            "name, reference, published_on, reliability, credibility, excerpt "
            "FROM incidents_source LIMIT 1"
        )
    restore_schema(run=run)
    keys = foreign_keys()
    assert keys["incidents_source_incident_id_e5b90b9b_fk_incidents_incident_id"] == (
        "FOREIGN KEY (incident_id) REFERENCES incidents_incident(id) "
        "DEFERRABLE INITIALLY DEFERRED NOT VALID (unchecked)"
    )
    assert sum(d.endswith("(unchecked)") for d in keys.values()) == 1
    assert DeferredDefinition.objects.count() == 0
    assert Source.objects.filter(incident_id=999_999_999).count() == 1
    assert (
        "foreign key incidents_source_incident_id_e5b90b9b_fk_incidents_incident_id of "
        "incidents_source left NOT VALID: some rows lack their parent row"
    ) in caplog.text
