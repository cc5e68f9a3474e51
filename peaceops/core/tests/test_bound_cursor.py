"""bound_cursor sends parameters apart from the statement on PostgreSQL; elsewhere it refuses."""

import pytest
from django.db import connection

from peaceops.core.bound_cursor import bound_cursor


@pytest.mark.django_db
def test_a_large_array_parameter_goes_apart_from_the_statement():
    ids = [f"id-{n}','x" for n in range(10_000)]  # quotes in values are nothing special
    if connection.vendor != "postgresql":
        with pytest.raises(RuntimeError, match="for PostgreSQL"), bound_cursor():
            pass
        return
    with bound_cursor() as cursor:
        cursor.execute("SELECT cardinality(%s::text[]), (%s::text[])[10000]", [ids, ids])
        assert cursor.fetchone() == (10_000, "id-9999','x")
        assert cursor._query is not None
        assert b"id-9999" not in cursor._query.query  # the statement's text holds no value
