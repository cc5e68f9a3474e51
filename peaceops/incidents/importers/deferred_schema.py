"""Plain indexes, and on PostgreSQL foreign keys, built after a large first load instead of
kept up to date row by row (ADR 0020).

An imported event writes an entry into every index of its tables, and on PostgreSQL each of
its rows queues a foreign-key check that looks its parent up at commit (some ten an event).
For a first load that more than doubles the incidents table, building the indexes once at
the end from sorted data, and checking each foreign key once for the whole table, costs far
less. Unique indexes stay (they are what makes a re-run recognise the rows it already
loaded), and so do foreign keys on columns an import leaves NULL (EMPTY_ON_IMPORT). SQLite
cannot drop a foreign key without rebuilding its table: there, only indexes.

Each dropped definition is first recorded with the database's own text, in the same
transaction as the drop. A normal end of the import, or an error, builds them again; a
killed import leaves the records, and the next import (before it starts) or the worker
builds them. Until then the data is whole and correct; queries are only slower.
"""

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from peaceops.incidents.models import (
    Casualty,
    DeferredDefinition,
    ImportRun,
    Incident,
    IncidentActor,
    IncidentRevision,
    Source,
)

logger = logging.getLogger(__name__)

# The tables an import inserts into, row by row of the file.
TABLES = tuple(
    model._meta.db_table for model in (Incident, Casualty, Source, IncidentActor, IncidentRevision)
)
# Columns an import leaves empty (NULL). A foreign key checks nothing for NULL, while checking
# it again would read the whole table: such keys are not deferred. Their indexes leave NULL
# out (partial, migration 0011), so there is nothing to defer either: kept as full indexes,
# the SQLite import of 500,000 rows took 63 s against 51 to 57 s with them deferred.
EMPTY_ON_IMPORT = {
    Incident._meta.db_table: {"created_by_id", "reviewed_by_id", "assigned_to_id"},
    IncidentRevision._meta.db_table: {"actor_id"},
}
INDEX = DeferredDefinition.Kind.INDEX
FOREIGN_KEY = DeferredDefinition.Kind.FOREIGN_KEY


def worth_deferring(expected_rows: int | None) -> bool:
    """Defer for an import of at least IMPORT_DEFER_INDEXES_ROWS rows (an estimate from the
    file) into an incidents table that holds fewer rows than that: building an index costs
    in proportion to the whole table, keeping it up to date in proportion to the new rows."""
    threshold = settings.IMPORT_DEFER_INDEXES_ROWS
    if not expected_rows or threshold <= 0 or expected_rows < threshold:
        return False
    return Incident.objects.count() < expected_rows


def _plain_indexes(cursor, table: str) -> list[str]:
    constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    )


def _index_definition(cursor, name: str) -> str:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_indexdef(to_regclass(%s))", [name])
    else:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    return cursor.fetchone()[0]


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's foreign keys: PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), ARRAY(SELECT attname FROM pg_attribute "
        "WHERE attrelid = conrelid AND attnum = ANY(conkey)) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = to_regclass(%s) ORDER BY conname",
        [table],
    )
    empty = EMPTY_ON_IMPORT.get(table, set())
    return [(name, text) for name, text, columns in cursor.fetchall() if not set(columns) <= empty]


@contextmanager
def _ddl(cursor) -> Iterator[None]:
    # PostgreSQL refuses to change a table while foreign-key checks on it wait for the end of
    # the transaction (Django defers them): check them now, as Django's schema editor does.
    # After an import's committed batches there are none.
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def defer_schema(run: ImportRun) -> list[str]:
    """Record and drop the plain indexes (and on PostgreSQL the foreign keys) of the import's
    tables; their names."""
    dropped = []
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor, _ddl(cursor):
        for table in TABLES:
            for name in _plain_indexes(cursor, table):
                definition = _index_definition(cursor, name)
                if " WHERE " in definition.upper():
                    continue  # partial: it leaves out what an import writes (migration 0011)
                DeferredDefinition.objects.create(
                    kind=INDEX, name=name, table=table, definition=definition, run=run
                )
                cursor.execute(f"DROP INDEX {quote(name)}")
                dropped.append(name)
            for name, definition in _foreign_keys(cursor, table):
                DeferredDefinition.objects.create(
                    kind=FOREIGN_KEY, name=name, table=table, definition=definition, run=run
                )
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                dropped.append(name)
    return dropped


def _build_index(cursor, deferred: DeferredDefinition) -> None:
    # Both databases write "CREATE INDEX <name> ON ..." for a plain index.
    head, found, rest = deferred.definition.partition("CREATE INDEX ")
    if head or not found:
        raise ValueError(f"not a CREATE INDEX statement: {deferred.definition[:80]}")
    if connection.vendor == "postgresql":
        # Sorting in memory rather than on disk: 64 MB is PostgreSQL's default.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {rest}")
    if connection.vendor == "sqlite":
        # A dropped index's planner statistics went with it (PostgreSQL's are the table's,
        # and autovacuum keeps them).
        cursor.execute("PRAGMA analysis_limit = 0")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(deferred.name)}")


def _build_foreign_key(cursor, deferred: DeferredDefinition) -> None:
    table, name = (connection.ops.quote_name(n) for n in (deferred.table, deferred.name))
    cursor.execute(
        "SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = to_regclass(%s)",
        [deferred.name, deferred.table],
    )
    if cursor.fetchone():
        return  # another import built it
    # Added unchecked (it holds for new rows at once), then checked over the whole table in
    # one pass. A row written meanwhile without its parent (only possible by hand, while the
    # key was dropped) keeps the key unchecked, which the log says; the data stays as it is.
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {deferred.definition} NOT VALID")
    # The check joins the table to its parent: with PostgreSQL's default 4 MB the hash of a
    # parent's ids spills to disk beyond about 100,000 rows.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    try:
        with transaction.atomic():
            cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
    except DatabaseError:
        logger.error(
            "foreign key %s of %s left NOT VALID: some rows lack their parent row",
            deferred.name,
            deferred.table,
        )


def _restore(deferred: DeferredDefinition) -> str:
    with transaction.atomic(), connection.cursor() as cursor, _ddl(cursor):
        if deferred.kind == INDEX:
            _build_index(cursor, deferred)
        else:
            _build_foreign_key(cursor, deferred)
        deferred.delete()
    return deferred.name


def _restore_on_own_connection(deferred: DeferredDefinition) -> str:
    try:
        return _restore(deferred)
    finally:
        connection.close()  # this thread's connection


# Connections that build definitions at once on PostgreSQL: at the end of an import the
# reading process has stopped, and one building process leaves the second core idle.
RESTORE_CONNECTIONS = 2


def restore_schema(*, run: ImportRun | None = None, stopped_only: bool = False) -> list[str]:
    """Build the recorded definitions again and forget them: those of `run`, or all of them,
    or (`stopped_only`, for the worker) those of runs that are no longer running. One that
    exists already (another import built it) is left as it is. Their names."""
    pending = DeferredDefinition.objects.order_by("pk")
    if run is not None:
        pending = pending.filter(run=run)
    if stopped_only:
        pending = pending.exclude(run__status=ImportRun.Status.RUNNING)
    pending = list(pending)
    if connection.vendor == "postgresql" and not connection.in_atomic_block and len(pending) > 1:
        # Several at once, each in its own transaction on a connection of its own (Django
        # gives each thread one). Not inside a transaction of the caller's: the tables'
        # locks it holds would make the other connections wait for it. SQLite builds one
        # at a time: its writers take turns.
        with ThreadPoolExecutor(max_workers=RESTORE_CONNECTIONS) as pool:
            restored = list(pool.map(_restore_on_own_connection, pending))
    else:
        restored = [_restore(deferred) for deferred in pending]
    if restored:
        logger.info("built %d deferred definitions: %s", len(restored), ", ".join(restored))
    return restored
