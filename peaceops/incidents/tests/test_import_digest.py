"""The import's content digest is the digest of the row's state, computed without building
the state: the same text, so digests stored by earlier runs still match."""

import datetime as dt
import json

from peaceops.incidents.importers.engine import content_digest, digest
from peaceops.incidents.importers.ucdp import ged_records
from peaceops.incidents.state import cleaned_state, cleaned_state_json
from peaceops.incidents.tests.ged_releases import CAR_CSV
from peaceops.incidents.validation import clean_incident


def _cleaned_rows() -> list[dict]:
    return [clean_incident(r.values) for r in list(ged_records(CAR_CSV))[:300]]


def test_state_text_is_that_of_the_built_state():
    for cleaned in _cleaned_rows():
        expected = json.dumps(
            cleaned_state(cleaned), sort_keys=True, ensure_ascii=False, default=str
        )
        assert cleaned_state_json(cleaned) == expected
        assert content_digest(cleaned) == digest(cleaned_state(cleaned))


def test_dates_none_and_unusual_shapes_give_the_same_text():
    cleaned = _cleaned_rows()[0]
    source = {**cleaned["sources"][0], "published_on": dt.date(2021, 3, 4)}
    local_time = dt.datetime(2021, 3, 4, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    variants = [
        {**cleaned, "sources": [source], "ended_at": None},
        {**cleaned, "started_at": local_time},  # converted to UTC, as the built state does
        {**cleaned, "title": "Café, Bangui"},
        {**cleaned, "extra": 1},  # other keys: the long way, the extra key left out
    ]
    for variant in variants:
        assert cleaned_state_json(variant) == json.dumps(
            cleaned_state(variant),
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
