"""The import's content digest is the digest of the row's state, computed without building
the state; digests stored before the third session (the standard library's text) are still
recognised; the raw record's JSON text."""

import datetime as dt
import json
import math

from peaceops.incidents.importers.engine import (
    content_digest,
    digest,
    legacy_content_digest,
    raw_record_json,
)
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.state import (
    cleaned_state,
    cleaned_state_json,
    legacy_cleaned_state_json,
    state_json,
)
from peaceops.incidents.tests.ged_releases import CAR_CSV, import_ged
from peaceops.incidents.validation import clean_incident


def _cleaned_rows() -> list[dict]:
    return [clean_incident(r.values) for r in list(ged_records(CAR_CSV))[:300]]


def _stdlib_text(state: dict) -> str:
    """How digests were taken before the third session."""
    return json.dumps(state, sort_keys=True, ensure_ascii=False, default=str)


def test_state_text_is_that_of_the_built_state():
    for cleaned in _cleaned_rows():
        built = cleaned_state(cleaned)
        assert cleaned_state_json(cleaned) == state_json(built)
        assert json.loads(cleaned_state_json(cleaned)) == built  # the same values, as JSON
        assert content_digest(cleaned) == digest(built)
        assert legacy_cleaned_state_json(cleaned) == _stdlib_text(built)


def test_dates_none_and_unusual_shapes_give_the_same_text():
    cleaned = _cleaned_rows()[0]
    source = {**cleaned["sources"][0], "published_on": dt.date(2021, 3, 4)}
    local_time = dt.datetime(2021, 3, 4, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    variants = [
        {**cleaned, "sources": [source], "ended_at": None},
        {**cleaned, "started_at": local_time},  # converted to UTC, as the built state does
        {**cleaned, "title": "Café, Bangui"},
        {**cleaned, "started_at": dt.datetime(2021, 3, 4, 10, 30, 0, 1230, tzinfo=dt.UTC)},
        {**cleaned, "started_at": dt.datetime(2021, 3, 4, 10, 30)},  # noqa: DTZ001 naive, on purpose
        {**cleaned, "extra": 1},  # other keys: the long way, the extra key left out
    ]
    for variant in variants:
        built = cleaned_state(variant)
        assert cleaned_state_json(variant) == state_json(built)
        assert legacy_cleaned_state_json(variant) == _stdlib_text(built)
    text = cleaned_state_json(variants[1]).decode()
    assert '"started_at":"2021-03-04T10:30:00Z"' in text
    assert '"title":"Café, Bangui"' in cleaned_state_json(variants[2]).decode()
    assert '"started_at":"2021-03-04T10:30:00.001230Z"' in cleaned_state_json(variants[3]).decode()


def test_rows_stored_with_the_earlier_digest_are_unchanged_and_get_the_current_one(mission):
    import_ged(mission, CAR_CSV)
    records = {r.external_id: r for r in ged_records(CAR_CSV)}
    for incident in Incident.objects.all():
        cleaned = clean_incident(records[incident.external_id].values)
        # As stored before: the standard library's digest, and no input digest yet.
        incident.content_hash, incident.input_hash = legacy_content_digest(cleaned), ""
        incident.save(update_fields=["content_hash", "input_hash"])
    revisions = IncidentRevision.objects.count()
    run = import_ged(mission, CAR_CSV)
    assert (run.created, run.updated, run.unchanged, run.rejected) == (0, 0, 1_848, 0)
    assert IncidentRevision.objects.count() == revisions
    assert set(Incident.objects.values_list("version", flat=True)) == {1}
    for incident in Incident.objects.all():
        cleaned = clean_incident(records[incident.external_id].values)
        assert incident.content_hash == content_digest(cleaned) != legacy_content_digest(cleaned)


def test_the_raw_record_as_compact_json_with_nan_as_null_and_wide_integers_kept():
    assert (
        raw_record_json({"a": "Bangui é", "b": 1, "c": None}) == '{"a":"Bangui é","b":1,"c":null}'
    )
    assert raw_record_json({"x": math.nan}) == '{"x":null}'
    assert raw_record_json({"day": dt.date(2020, 1, 2)}) == '{"day":"2020-01-02"}'
    assert json.loads(raw_record_json({"n": 2**70})) == {"n": 2**70}  # beyond orjson: stdlib
