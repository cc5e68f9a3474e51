"""Re-imports skip validating rows whose input digest is unchanged, and still find every
change: a newer release, rows stored before digests were kept, a row changed mid-run. The
UCDP format's reader hands raw records (RawRecord), mapped only where the digest changed."""

import pytest

from peaceops.incidents.importers import ged_plain
from peaceops.incidents.importers.checked import CheckedRow
from peaceops.incidents.importers.engine import (
    _Checker,
    _known_input_digests,
    _Unchecked,
    input_digest,
    raw_input_digest,
    raw_record_json,
)
from peaceops.incidents.importers.formats import FORMATS
from peaceops.incidents.importers.ged_plain import ged_raw_records
from peaceops.incidents.importers.records import RawRecord
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.tests.ged_releases import (
    CAR_CSV,
    import_ged,
    more_civilian_deaths,
    newer_release,
)

UCDP = FORMATS["ucdp"].reader_version


def ucdp_digest(record) -> str:
    return raw_input_digest(UCDP, raw_record_json(record.raw))


def ucdp_checker(mission, *, pack: bool) -> _Checker:
    return _Checker(_known_input_digests(mission, "ucdp_ged"), pack=pack, reader_version=UCDP)


def test_reader_skips_validation_only_for_unchanged_input(mission, tmp_path):
    import_ged(mission, CAR_CSV)
    stored = dict(Incident.objects.values_list("external_id", "input_hash"))
    assert len(stored) == 1_848
    records = list(ged_records(CAR_CSV))
    assert all(stored[r.external_id] == ucdp_digest(r) for r in records)

    check = ucdp_checker(mission, pack=False)
    assert all(isinstance(c, _Unchecked) for c in check(records))
    # From a reading process the values travel packed, and unpack to the same record.
    packed = ucdp_checker(mission, pack=True)(records)
    assert all(c.record.values == {} and c.packed for c in packed)
    assert [c.unpacked() for c in packed] == records
    newer, changed_id = newer_release(tmp_path, more_civilian_deaths)
    checked = check(list(ged_records(newer)))
    validated = [c.external_id for c in checked if isinstance(c, CheckedRow)]
    assert validated == [changed_id]
    assert sum(isinstance(c, _Unchecked) for c in checked) == 1_847


def test_reimport_by_the_fast_path_changes_nothing_and_a_newer_release_updates(mission, tmp_path):
    import_ged(mission, CAR_CSV)
    revisions = IncidentRevision.objects.count()
    for parallel in (False, True):
        again = import_ged(mission, CAR_CSV, parallel=parallel)
        assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 1_848, 0)
    assert IncidentRevision.objects.count() == revisions
    assert set(Incident.objects.values_list("version", flat=True)) == {1}

    newer, changed_id = newer_release(tmp_path, more_civilian_deaths)
    run = import_ged(mission, newer, parallel=True)
    assert (run.created, run.updated, run.unchanged, run.rejected) == (0, 1, 1_847, 0)
    incident = Incident.objects.get(external_id=changed_id)
    assert incident.version == 2
    before, after = incident.revisions.get(version=2).changes["fatalities"]
    assert after == before + 5
    record = next(r for r in ged_records(newer) if r.external_id == changed_id)
    assert incident.input_hash == ucdp_digest(record)
    again = import_ged(mission, newer)
    assert (again.updated, again.unchanged) == (0, 1_848)


def test_rows_stored_without_an_input_digest_are_checked_once_and_unchanged(mission):
    import_ged(mission, CAR_CSV)
    Incident.objects.update(input_hash="")  # as stored before input digests were kept
    revisions = IncidentRevision.objects.count()
    run = import_ged(mission, CAR_CSV)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 1_848)
    assert IncidentRevision.objects.count() == revisions
    assert set(Incident.objects.values_list("version", flat=True)) == {1}
    assert not Incident.objects.filter(input_hash="").exists()  # the next run takes the fast path
    assert all(
        isinstance(c, _Unchecked)
        for c in ucdp_checker(mission, pack=False)(list(ged_records(CAR_CSV)))
    )


def test_a_row_changed_after_the_run_began_is_checked_by_the_writer(mission):
    import_ged(mission, CAR_CSV)
    target = Incident.objects.order_by("pk").first()

    def records_changing_one_row_mid_run():
        records = ged_records(CAR_CSV)
        yield next(records)
        # The run has loaded the stored digests by now: change one stored row behind its back,
        # as another import of a different release would.
        Incident.objects.filter(pk=target.pk).update(
            input_hash="0" * 40, content_hash="1" * 40, title="Renamed elsewhere"
        )
        yield from records

    run = import_ged(mission, records_changing_one_row_mid_run())
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1_847)
    target.refresh_from_db()
    assert target.version == 2
    assert target.revisions.get(version=2).changes["title"][0] == "Renamed elsewhere"
    assert target.input_hash != "0" * 40


def test_a_new_reader_version_checks_every_row_again_and_finds_them_unchanged(mission):
    import_ged(mission, CAR_CSV)
    run = import_ged(mission, CAR_CSV, reader_version="ucdp 2")
    assert (run.created, run.updated, run.unchanged, run.rejected) == (0, 0, 1_848, 0)
    assert set(Incident.objects.values_list("version", flat=True)) == {1}
    records = list(ged_records(CAR_CSV))
    stored = dict(Incident.objects.values_list("external_id", "input_hash"))
    assert all(
        stored[r.external_id] == raw_input_digest("ucdp 2", raw_record_json(r.raw)) for r in records
    )
    assert all(isinstance(c, CheckedRow) for c in ucdp_checker(mission, pack=False)(records))


def test_without_a_reader_version_the_digest_is_of_the_mapped_values(mission):
    run = import_ged(mission, CAR_CSV, reader_version="")
    assert run.created == 1_848
    records = list(ged_records(CAR_CSV))
    stored = dict(Incident.objects.values_list("external_id", "input_hash"))
    assert all(stored[r.external_id] == input_digest(r.values) for r in records)
    assert input_digest(records[0].values) != ucdp_digest(records[0])
    again = import_ged(mission, CAR_CSV, reader_version="")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1_848)


def test_raw_records_unpack_to_the_records_the_reader_maps(mission):
    import_ged(mission, CAR_CSV)
    raw_records = list(ged_raw_records(CAR_CSV))
    assert all(isinstance(r, RawRecord) for r in raw_records)
    assert [r.external_id for r in raw_records] == [r.external_id for r in ged_records(CAR_CSV)]
    packed = ucdp_checker(mission, pack=True)(raw_records)
    assert all(isinstance(c, _Unchecked) and c.record.raw == {} and c.packed for c in packed)
    assert [c.unpacked() for c in packed] == list(ged_records(CAR_CSV))


def test_a_row_without_an_event_id_is_rejected_as_the_mapping_rejects_it(tmp_path):
    path = tmp_path / "bad-id.csv"
    text = CAR_CSV.read_text(encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    first[header.index("id")] = "x12"
    path.write_text("\n".join([text[0], ",".join(first), text[2]]) + "\n", encoding="utf-8")
    eager, lazy = list(ged_records(path)), list(ged_raw_records(path))
    assert lazy[0] == eager[0]  # the RowRejection, at once
    assert lazy[0].fields == {"id": ["Not an event id."]}
    assert isinstance(lazy[1], RawRecord)
    assert lazy[1].mapped() == eager[1]


@pytest.mark.parametrize("parallel", [False, True])
def test_the_format_reader_maps_only_rows_whose_raw_record_changed(
    mission, other_mission, tmp_path, monkeypatch, parallel
):
    mapped, plain = [], []
    from_raw, plain_row = ged_plain.ged_record_from_raw, ged_plain.plain_ged_row

    def counting(line, row, raw):
        mapped.append(line)
        return from_raw(line, row, raw)

    def counting_plain(record):
        plain.append(record.line)
        return plain_row(record)

    if not parallel:  # a function of this test cannot go to a reading process
        monkeypatch.setattr(ged_plain, "ged_record_from_raw", counting)
        monkeypatch.setattr(ged_plain, "plain_ged_row", counting_plain)
    reader = FORMATS["ucdp"].reader
    first = import_ged(mission, reader(CAR_CSV), parallel=parallel)
    import_ged(other_mission, CAR_CSV)  # mapped at once, by ged_records
    assert (first.created, first.rejected) == (1_848, 0)
    contents = set(
        Incident.objects.filter(mission=mission).values_list("external_id", "content_hash")
    )
    assert contents == set(
        Incident.objects.filter(mission=other_mission).values_list("external_id", "content_hash")
    )

    again = import_ged(mission, reader(CAR_CSV), parallel=parallel)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 1_848, 0)
    newer, changed_id = newer_release(tmp_path, more_civilian_deaths)
    mapped.clear()
    plain.clear()
    run = import_ged(mission, reader(newer), parallel=parallel)
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1_847)
    assert Incident.objects.get(mission=mission, external_id=changed_id).version == 2
    if not parallel:
        # The changed row (the file's first event, on line 2) only, checked from its text.
        assert (plain, mapped) == ([2], [])
