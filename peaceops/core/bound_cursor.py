"""A PostgreSQL cursor that sends a statement's parameters apart from its text.

Django's PostgreSQL backend binds parameters on the client: each value is quoted into the
statement's text, which is then parsed again. For a parameter of 10,000 values (an import
batch's external ids, its daily-summary rows as arrays) that cost the writing process more
than the statement cost the server: at 50,000 GED rows about a third of the import writer's
CPU went to quoting, re-parsing and Django's per-value preparation of an `__in` list.
`bound_cursor` sends them as parameters of the extended protocol instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def bound_cursor() -> Iterator[psycopg.Cursor]:
    """A cursor of the current connection (PostgreSQL only) with server-side binding, inside
    whatever transaction the connection is in."""
    if connection.vendor != "postgresql":
        raise RuntimeError("bound_cursor is for PostgreSQL")
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor
