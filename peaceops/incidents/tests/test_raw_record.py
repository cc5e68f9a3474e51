"""The raw record of an imported incident is kept as it was read: every column, in the
file's order, on both databases (PostgreSQL stores it as `json`, ADR 0021)."""

import csv

import pytest
from django.db import connection

from peaceops.incidents.models import Incident
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged

COLUMN_TYPE = {"postgresql": "json", "sqlite": "TEXT"}


def raw_column_type() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'incidents_incident' AND column_name = 'raw'"
            )
            return cursor.fetchone()[0]
        cursor.execute(
            "SELECT type FROM pragma_table_info('incidents_incident') WHERE name = 'raw'"
        )
        return cursor.fetchone()[0]


def test_imported_raw_record_keeps_every_column_in_the_files_order(mission):
    with CAR_CSV.open(newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    import_ged(mission, CAR_CSV)
    raw = Incident.objects.get(external_id=first["id"]).raw
    assert list(raw) == list(first)  # jsonb would have sorted the keys by length
    assert raw == first  # the cells as read, text
    assert raw_column_type() == COLUMN_TYPE[connection.vendor]


def test_raw_record_written_through_the_orm_reads_back_as_written(mission):
    import_ged(mission, CAR_CSV)
    incident = Incident.objects.order_by("pk").first()
    record = {"zeta": [1, 2.5, None], "alpha": {"nested": "é"}, "b": True}
    Incident.objects.filter(pk=incident.pk).update(raw=record)
    stored = Incident.objects.get(pk=incident.pk).raw
    assert stored == record
    assert list(stored) == ["zeta", "alpha", "b"]
    assert Incident.objects.filter(raw__isnull=True).count() == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="column compression is PostgreSQL's; SQLite stores the record as plain text",
)
def test_postgresql_compresses_the_raw_record_with_lz4_where_it_can(mission):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        has_lz4 = cursor.fetchone()[0]
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'incidents_incident'::regclass AND attname = 'raw'"
        )
        method = cursor.fetchone()[0]
    assert method == ("l" if has_lz4 else "")
    # A record long enough to be compressed reads back whole.
    import_ged(mission, CAR_CSV)
    incident = Incident.objects.order_by("pk").first()
    long_record = {"notes": "x" * 5000 + "é", "n": list(range(300))}
    Incident.objects.filter(pk=incident.pk).update(raw=long_record)
    assert Incident.objects.get(pk=incident.pk).raw == long_record
