"""A validated import row in the compact form the writing process takes (ADR 0018).

The reading process (pipeline.py) checks rows and hands them to the writer pickled. A row as
tuples of text and numbers costs the writer a quarter of what unpickling the validated dict
did (3 against 12 µs a GED row), and it goes into `bulk.insert_rows` as it comes: dates and
times are already the text the database takes. The validated dict (`cleaned`) is rebuilt,
exactly, only for the few rows that update a stored incident.
"""

import datetime as dt
from operator import itemgetter
from typing import Any, NamedTuple

from peaceops.incidents.services import ROW_FIELDS

CASUALTY_KEYS = ("category", "outcome", "low", "best", "high")
SOURCE_KEYS = ("name", "reference", "published_on", "reliability", "credibility", "excerpt")
ACTOR_KEYS = ("name", "side", "kind", "external_source", "external_id")

_DATETIME_FIELDS = ("started_at", "ended_at")
_DATETIMES = tuple(ROW_FIELDS.index(field) for field in _DATETIME_FIELDS)
_CLASSIFICATION = ROW_FIELDS.index("classification")
_COUNTRY = ROW_FIELDS.index("country_code")
_TYPE = ROW_FIELDS.index("incident_type")
_STARTED = ROW_FIELDS.index("started_at")
_FATALITIES = ROW_FIELDS.index("fatalities")
_PUBLISHED = SOURCE_KEYS.index("published_on")
# Getters of the fields in order, one C call a row (a generator over the keys costs four
# times as much; the import builds a checked row for every row it reads).
_ROW_VALUES = itemgetter(*ROW_FIELDS)
_CASUALTY_VALUES = itemgetter(*CASUALTY_KEYS)
_SOURCE_VALUES = itemgetter(*SOURCE_KEYS)
_ACTOR_VALUES = itemgetter(*ACTOR_KEYS)


def datetime_suffix(vendor: str) -> str:
    """What follows a UTC time's text for this database: Django's SQLite backend stores
    aware times as naive UTC text; PostgreSQL is told the offset."""
    return "+00:00" if vendor == "postgresql" else ""


def _datetime_text(value: dt.datetime | None, suffix: str) -> str | None:
    # Validation gives UTC times only (clean_incident); str() of the naive time is the text
    # Django's SQLite backend writes ("2020-01-31 00:00:00[.ffffff]").
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ")[:-6] + suffix  # without its "+00:00"


def _datetime(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


class CheckedRow(NamedTuple):
    line: int
    external_id: str
    warnings: tuple[tuple[str, str], ...]
    digest: str  # of the validated content
    input_digest: str
    raw_json: str
    values: tuple[Any, ...]  # ROW_FIELDS in order, times as the database's text
    casualties: tuple[tuple[Any, ...], ...]  # CASUALTY_KEYS
    sources: tuple[tuple[Any, ...], ...]  # SOURCE_KEYS, the date as ISO text
    actors: tuple[tuple[Any, ...], ...]  # ACTOR_KEYS

    @classmethod
    def build(
        cls,
        *,
        line: int,
        external_id: str,
        warnings: tuple[tuple[str, str], ...],
        cleaned: dict[str, Any],
        digest: str,
        input_digest: str,
        raw_json: str,
        suffix: str,
    ) -> "CheckedRow":
        values = list(_ROW_VALUES(cleaned))
        for index in _DATETIMES:
            values[index] = _datetime_text(values[index], suffix)
        sources = [_SOURCE_VALUES(row) for row in cleaned["sources"]]
        for i, row in enumerate(sources):
            if row[_PUBLISHED] is not None:
                sources[i] = (
                    *row[:_PUBLISHED],
                    row[_PUBLISHED].isoformat(),
                    *row[_PUBLISHED + 1 :],
                )
        return cls(
            line,
            external_id,
            warnings,
            digest,
            input_digest,
            raw_json,
            tuple(values),
            tuple(map(_CASUALTY_VALUES, cleaned["casualties"])),
            tuple(sources),
            tuple(map(_ACTOR_VALUES, cleaned["actors"])),
        )

    @property
    def classification(self) -> str:
        return self.values[_CLASSIFICATION]

    @property
    def fatalities(self) -> int:
        return self.values[_FATALITIES]

    def summary_key(self, mission_id: int) -> tuple[int, str, str, str, dt.date]:
        """`summary.summary_key` of this row: the day is the UTC date of the start."""
        values = self.values
        return (
            mission_id,
            values[_CLASSIFICATION],
            values[_COUNTRY],
            values[_TYPE],
            dt.date.fromisoformat(values[_STARTED][:10]),
        )

    @property
    def cleaned(self) -> dict[str, Any]:
        """The validated dict this row was built from, as `clean_incident` returned it."""
        cleaned = dict(zip(ROW_FIELDS, self.values, strict=True))
        for field in _DATETIME_FIELDS:
            cleaned[field] = _datetime(cleaned[field])
        cleaned["casualties"] = [
            dict(zip(CASUALTY_KEYS, row, strict=True)) for row in self.casualties
        ]
        cleaned["sources"] = [
            {**dict(zip(SOURCE_KEYS, row, strict=True)), "published_on": _date(row[_PUBLISHED])}
            for row in self.sources
        ]
        cleaned["actors"] = [dict(zip(ACTOR_KEYS, row, strict=True)) for row in self.actors]
        return cleaned
