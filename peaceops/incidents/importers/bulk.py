"""Bulk inserts of new rows for the import engine, the fastest way each database offers.

Ids are reserved first (`reserve_ids`), so rows go in with their ids and nothing has to be
read back: PostgreSQL takes them through COPY, SQLite through `executemany` on its own
cursor (no per-statement rewriting of placeholders by Django's wrapper). Values must be ready
for the database: JSON columns as JSON text; dates and aware datetimes are turned into the
text Django's SQLite backend stores. No model `save()` logic or signal is skipped: the models
have none (ADR 0009).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import connection

from peaceops.incidents.importers.deferred_schema import TABLES
from peaceops.incidents.models import Actor, IncidentDayCount

_DATETIME_COLUMNS = frozenset({"started_at", "ended_at", "created_at", "updated_at"})
_DATE_COLUMNS = frozenset({"published_on"})

Row = tuple[Any, ...]


def reserve_ids(model: type, count: int) -> list[int]:
    """`count` new primary keys for `model`'s table, never handed out again. Call it inside
    the transaction that inserts the rows."""
    if count == 0:
        return []
    table = model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: every transaction takes the write lock at BEGIN (ADR 0007), so no other
        # writer can take these ids before the rows are in. AUTOINCREMENT never reuses an id
        # up to `sqlite_sequence.seq`, nor may we.
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"COALESCE((SELECT MAX(id) FROM {quoted}), 0))",
            [table],
        )
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


# SQLite's page cache for this connection while an import runs, in KiB (negative: KiB, as
# SQLite's PRAGMA takes it). The default 2 MiB cannot hold the index pages that a batch's
# inserts touch all over the table's indexes, so nearly every insert read pages back.
IMPORT_PAGE_CACHE_KIB = 256 * 1024


@contextmanager
def import_page_cache() -> Iterator[None]:
    """On SQLite, give this connection a page cache for an import and no memory map, and put
    the previous settings back at the end. The connection's settings map the database file
    for readers (settings.py); an import's reads and writes are served by the cache, and the
    pages a map touched would count as the import's memory. PostgreSQL: nothing (its cache is
    the server's)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous_cache = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA mmap_size")
        mapped = cursor.fetchone()  # no row for an in-memory database (tests)
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
        cursor.execute("PRAGMA mmap_size = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous_cache}")
            if mapped:
                cursor.execute(f"PRAGMA mmap_size = {int(mapped[0])}")


# Rows an import must create or update before SQLite's statistics are made again.
ANALYZE_AFTER_ROWS = 10_000


# What an import writes: its rows' tables, the actors they name and the daily summary.
IMPORT_TABLES = (*TABLES, Actor._meta.db_table, IncidentDayCount._meta.db_table)


def refresh_statistics(changed_rows: int) -> None:
    """Make the query planner's statistics again after an import that changed many rows:
    with none, or with those of a much smaller table, it guesses.

    SQLite: the first map and dashboard queries after a bulk load measured 15 to 20% slower
    (183 -> 155 ms for the dashboard at 200,000 incidents). A full `ANALYZE` (0.2 s at
    200,000 incidents): statistics from a sample (`analysis_limit`) made the mission look
    selective and sent the map's points through the wrong index (175 -> 380 ms).

    PostgreSQL: autovacuum analyses changed tables by itself, but up to minutes later.
    Until then the planner took the freshly loaded incidents for a few hundred rows, and an
    export's chunk by id (`exports.incident_rows`) sorted every row after the last id
    instead of reading the primary key in order: 500,000 rows exported in 53 s, not 12. The
    import's tables are analysed from PostgreSQL's usual sample."""
    if changed_rows < ANALYZE_AFTER_ROWS:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(IMPORT_TABLES)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 0")
            cursor.execute("ANALYZE")


def insert_rows(
    model: type,
    columns: tuple[str, ...],
    rows: Iterable[Row],
    constants: Mapping[str, Any] | None = None,
    *,
    ready: bool = False,
) -> None:
    """INSERT `rows` (tuples in the order of `columns`) into `model`'s table, each followed by
    `constants` (column -> the value every row takes: adapted for the database once). With
    `ready`, the rows' dates and times are already the database's text (the import's checked
    rows), so SQLite takes the rows as they are."""
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    constants = constants or {}
    names = ", ".join(ops.quote_name(c) for c in (*columns, *constants))
    if connection.vendor == "postgresql":
        fixed = tuple(constants.values())
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row + fixed if fixed else row)
        return
    connection.ensure_connection()
    placeholders = ", ".join("?" * (len(columns) + len(constants)))
    if not ready:
        rows = map(_sqlite_adapter(columns), rows)
    fixed = _sqlite_adapter(tuple(constants))(tuple(constants.values()))
    if fixed:
        rows = (row + fixed for row in rows)
    connection.connection.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows
    )


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime (UTC, naive text), without
    its per-value overhead for the UTC values validation produces."""
    if value is not None and value.tzinfo is dt.UTC:
        return str(value.replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value(value)


def _sqlite_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_adapter(columns: tuple[str, ...]) -> Callable[[Row], Row]:
    adapters = [
        (i, _sqlite_datetime if c in _DATETIME_COLUMNS else _sqlite_date)
        for i, c in enumerate(columns)
        if c in _DATETIME_COLUMNS or c in _DATE_COLUMNS
    ]

    if not adapters:
        return tuple

    def adapt_row(row: Row) -> Row:
        values = list(row)
        for i, adapt in adapters:
            values[i] = adapt(values[i])
        return tuple(values)

    return adapt_row
