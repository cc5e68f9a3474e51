"""The compact rows the import's reader hands to its writer (importers/checked.py): the
validated dict rebuilt from one equals the one it was built from, on every row of real
files, and its times are stored as the same text the ORM writes."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection

from peaceops.core.geo.countries import country_at
from peaceops.incidents.importers.acled import acled_records
from peaceops.incidents.importers.checked import CheckedRow, datetime_suffix
from peaceops.incidents.importers.engine import _validate, content_digest, run_import
from peaceops.incidents.importers.records import SourceRecord
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.models import Incident
from peaceops.incidents.services import ROW_FIELDS, incident_create
from peaceops.incidents.summary import summary_key
from peaceops.incidents.validation import clean_incident

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def checked_row(record: SourceRecord, suffix: str) -> CheckedRow:
    """The row as the import's checking step makes it (engine._validate)."""
    row = _validate(record, country_at, suffix)
    assert isinstance(row, CheckedRow), row
    return row


def times(row: CheckedRow) -> tuple[str, str]:
    return row.values[ROW_FIELDS.index("started_at")], row.values[ROW_FIELDS.index("ended_at")]


@pytest.mark.parametrize(
    ("records", "rows"),
    [
        (lambda: ged_records(DATA / "ucdp_ged_car_v23_1/GEDEvent_v23_1_CAR.csv"), 1_848),
        (lambda: ged_records(DATA / "ucdp_ged_hdx_country_extracts/conflict_data_nga.csv"), 4_603),
        (lambda: ged_records(DATA / "ucdp_ged_syria_v19_1/ucdp_syria_ged191.csv.gz"), 16_566),
        (lambda: acled_records(DATA / "acled_hdx_country_extracts/conflict_data_moz.csv"), 1_848),
    ],
    ids=["car", "nga-hdx", "syria-19.1", "acled-moz"],
)
@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_every_real_row_rebuilds_to_the_validated_dict(records, rows, vendor):
    valid = [r for r in records() if isinstance(r, SourceRecord)]
    assert len(valid) == rows
    suffix = datetime_suffix(vendor)
    for record in valid:
        cleaned = clean_incident(record.values)
        row = checked_row(record, suffix)
        assert row.cleaned == cleaned
        assert content_digest(row.cleaned) == row.digest
        assert row.summary_key(7) == summary_key(7, cleaned)
        assert (row.classification, row.fatalities) == ("public", cleaned["fatalities"])
        started, _ended = times(row)
        assert started == f"{cleaned['started_at'].replace(tzinfo=None)}{suffix}"


def test_times_sources_and_actors_keep_every_detail():
    values = {
        "incident_type": "armed_clash",
        "subtype": "state_based",
        "title": "Clash at the ford",
        "started_at": "2024-05-01T13:45:10.123456+02:00",
        "ended_at": "2024-05-02",
        "latitude": 4.36,
        "longitude": 18.55,
        "classification": "confidential",
        "casualties": [
            {"category": "civilians", "outcome": "injured", "low": 1, "best": 2, "high": 5},
            {"category": "civilians", "outcome": "killed", "best": 3},
        ],
        "sources": [
            {"name": "Radio Ndeke Luka", "published_on": "2024-05-03", "reliability": "B"},
            {"name": "Patrol report", "reference": "PR-17", "excerpt": "Seen at dawn."},
        ],
        "actors": [
            {"name": "FACA", "side": "a", "kind": "state_forces"},
            {"name": "3R", "side": "b", "external_source": "ucdp_ged", "external_id": "5"},
        ],
    }
    cleaned = clean_incident(values)
    for vendor in ("sqlite", "postgresql"):
        suffix = datetime_suffix(vendor)
        record = SourceRecord(line=2, external_id="x", values=values, raw={"id": "x"})
        row = checked_row(record, suffix)
        assert times(row) == (
            "2024-05-01 11:45:10.123456" + suffix,
            "2024-05-02 00:00:00" + suffix,
        )
        assert [s[2] for s in row.sources] == ["2024-05-03", None]
        assert row.cleaned == cleaned
        assert row.cleaned["started_at"] == dt.datetime(2024, 5, 1, 11, 45, 10, 123456, dt.UTC)
        assert row.cleaned["sources"][0]["published_on"] == dt.date(2024, 5, 3)


def _stored_times(incident_id: int) -> tuple:
    table = connection.ops.quote_name(Incident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT started_at, ended_at FROM {table} WHERE id = %s", [incident_id])
        return cursor.fetchone()


def test_an_imported_time_is_stored_as_the_orm_stores_it(mission, reporter):
    values = {
        "incident_type": "armed_clash",
        "subtype": "state_based",
        "title": "Clash",
        "started_at": "2024-05-01T13:45:10.5+02:00",
        "ended_at": "2024-05-01T18:00:00Z",
        "latitude": 4.36,
        "longitude": 18.55,
        "classification": "public",
    }
    by_orm = incident_create(actor=reporter, mission=mission, **values)
    run = run_import(
        mission=mission,
        source="test",
        records=[SourceRecord(line=2, external_id="e1", values=values, raw=values)],
        file_name="t.csv",
        file_sha256="",
        verification_status="verified",
    )
    assert run.created == 1
    imported = Incident.objects.get(external_id="e1")
    assert _stored_times(imported.pk) == _stored_times(by_orm.pk)
    assert imported.started_at == dt.datetime(2024, 5, 1, 11, 45, 10, 500000, dt.UTC)
    # Range lookups compare the stored text on SQLite: both rows fall on the same side.
    cut = dt.datetime(2024, 5, 1, 11, 45, 10, 400000, dt.UTC)
    assert set(Incident.objects.filter(started_at__gt=cut).values_list("pk", flat=True)) == {
        by_orm.pk,
        imported.pk,
    }
    assert not Incident.objects.filter(started_at__gt=cut + dt.timedelta(seconds=1)).exists()
