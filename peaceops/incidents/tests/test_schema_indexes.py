"""The indexes an imported row writes: exactly these, none that another one already serves
(ADR 0018). Run on both databases, so the migration's index names are checked on each."""

import pytest
from django.db import connection

# Columns of every index (primary keys aside), as the database reports them.
EXPECTED = {
    "incidents_incident": {
        ("mission_id", "started_at", "id"),
        ("latitude", "longitude"),
        ("priogrid_gid",),
        ("country_code", "started_at"),
        ("mission_id", "verification_status", "classification", "created_at"),
        (
            "started_at",
            "id",
            "mission_id",
            "classification",
            "latitude",
            "longitude",
            "incident_type",
            "fatalities",
        ),
        ("mission_id", "external_source", "external_id"),  # unique, where an id is given
        ("reviewed_by_id",),
        ("assigned_to_id",),
        ("import_run_id",),
        ("created_by_id",),
    },
    "incidents_casualty": {("incident_id", "category", "outcome")},
    "incidents_incidentactor": {("incident_id", "actor_id", "side"), ("actor_id",)},
    "incidents_incidentrevision": {("incident_id", "version"), ("actor_id",)},
    "incidents_source": {("incident_id",)},
}


def _indexes(table: str) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_each_table_has_exactly_the_expected_indexes_once(table):
    found = _indexes(table)
    assert sorted(found) == sorted(EXPECTED[table])


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_no_index_is_the_leading_part_of_another(table):
    found = _indexes(table)
    redundant = [
        (short, long)
        for short in found
        for long in found
        if short != long and long[: len(short)] == short
    ]
    assert redundant == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("incidents_incident", "assigned_to_id", "incident_assigned_to"),
        ("incidents_incident", "created_by_id", "incident_created_by"),
        ("incidents_incident", "reviewed_by_id", "incident_reviewed_by"),
        ("incidents_incidentrevision", "actor_id", "revision_actor"),
    ],
)
def test_the_person_columns_are_indexed_where_set_and_a_lookup_uses_it(table, column, index):
    # Partial (migration 0011): the rows an import writes, with no person, are left out.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_indexdef(to_regclass(%s))", [index])
            assert cursor.fetchone()[0].endswith(f"WHERE ({column} IS NOT NULL)")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE {column} = 1")
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [index])
            assert cursor.fetchone()[0].endswith(f'WHERE "{column}" IS NOT NULL')
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE {column} = 1")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert index in plan
