"""Secondary indexes built after a large first load instead of row by row (ADR 0020).

An imported event writes an entry into every index of its tables. For a first load that
more than doubles the incidents table, building those indexes once at the end, from sorted
data, costs far less than keeping them up to date batch by batch (on SQLite the writer's
work per row fell by about 40%). Only plain indexes are deferred: unique ones stay, because
they are what makes a re-run recognise the rows it already loaded.

Each dropped index is first recorded with the database's own CREATE statement, in the same
transaction as the drop. A normal end of the import, or an error, builds them again; a
killed import leaves the records, and the next import (before it starts) or the worker
builds them. Until then the data is whole and correct; queries are only slower.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from peaceops.incidents.models import (
    Casualty,
    DeferredIndex,
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


def _definition(cursor, name: str) -> str:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_indexdef(to_regclass(%s))", [name])
    else:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    return cursor.fetchone()[0]


@contextmanager
def _ddl(cursor) -> Iterator[None]:
    # PostgreSQL refuses to change a table's indexes while foreign-key checks on it wait for
    # the end of the transaction (Django defers them): check them now, as Django's schema
    # editor does. After an import's committed batches there are none.
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def defer_indexes(run: ImportRun) -> list[str]:
    """Record and drop the plain indexes of the import's tables; their names."""
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor, _ddl(cursor):
        for table in TABLES:
            for name in _plain_indexes(cursor, table):
                DeferredIndex.objects.create(
                    name=name, table=table, definition=_definition(cursor, name), run=run
                )
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                dropped.append(name)
    return dropped


def _if_not_exists(definition: str) -> str:
    # Both databases write "CREATE INDEX <name> ON ..." for a plain index.
    head, found, rest = definition.partition("CREATE INDEX ")
    if head or not found:
        raise ValueError(f"not a CREATE INDEX statement: {definition[:80]}")
    return f"CREATE INDEX IF NOT EXISTS {rest}"


def restore_indexes(*, run: ImportRun | None = None, stopped_only: bool = False) -> list[str]:
    """Build the recorded indexes again and forget them: those of `run`, or all of them, or
    (`stopped_only`, for the worker) those of runs that are no longer running. An index that
    exists already (another import built it) is left as it is. Their names."""
    pending = DeferredIndex.objects.order_by("pk")
    if run is not None:
        pending = pending.filter(run=run)
    if stopped_only:
        pending = pending.exclude(run__status=ImportRun.Status.RUNNING)
    restored = []
    for deferred in pending:
        with transaction.atomic(), connection.cursor() as cursor, _ddl(cursor):
            if connection.vendor == "postgresql":
                # Sorting in memory rather than on disk: 64 MB is PostgreSQL's default.
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(_if_not_exists(deferred.definition))
            if connection.vendor == "sqlite":
                # A dropped index's planner statistics went with it (PostgreSQL's are the
                # table's, and autovacuum keeps them).
                cursor.execute("PRAGMA analysis_limit = 0")
                cursor.execute(f"ANALYZE {connection.ops.quote_name(deferred.name)}")
            deferred.delete()
        restored.append(deferred.name)
    if restored:
        logger.info("built %d deferred indexes: %s", len(restored), ", ".join(restored))
    return restored
