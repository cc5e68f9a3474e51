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
