"""API schemas for incidents (django-ninja / pydantic). Codes are validated by the services,
so every refusal names its field the same way whichever door the request came through."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.schema import InputSchema

Code = str


class CasualtyIn(InputSchema):
    category: Code
    outcome: Code
    best: int
    low: int | None = None
    high: int | None = None


class SourceIn(InputSchema):
    name: str
    reference: str = ""
    published_on: dt.date | None = None
    reliability: Code = "F"
    credibility: int = 6
    excerpt: str = ""


class ActorIn(InputSchema):
    name: str
    side: Literal["a", "b"]
    kind: Code = "unknown"


class IncidentFields(InputSchema):
    incident_type: Code
    subtype: Code
    title: str
    narrative: str = ""
    narrative_language: str = ""
    started_at: dt.datetime | dt.date
    ended_at: dt.datetime | dt.date | None = None
    date_precision: Code = DatePrecision.DAY.value
    latitude: float | None = None
    longitude: float | None = None
    location_precision: Code = LocationPrecision.EXACT.value
    location_name: str = ""
    country_code: str = Field(
        "", description="ISO 3166-1 alpha-3; derived from the point when one is given"
    )
    admin1: str = ""
    admin2: str = ""
    classification: Code = "internal"
    casualties: list[CasualtyIn] = []
    sources: list[SourceIn] = []
    actors: list[ActorIn] = []


class IncidentCreateIn(IncidentFields):
    mission: str = Field(..., description="Mission acronym, e.g. MINUSCA")


class IncidentPatchIn(InputSchema):
    """Send `version` (from the last read) and only the fields to change."""

    version: int
    comment: str = ""
    incident_type: Code | None = None
    subtype: Code | None = None
    title: str | None = None
    narrative: str | None = None
    narrative_language: str | None = None
    started_at: dt.datetime | dt.date | None = None
    ended_at: dt.datetime | dt.date | None = None
    date_precision: Code | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: Code | None = None
    location_name: str | None = None
    country_code: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    classification: Code | None = None
    casualties: list[CasualtyIn] | None = None
    sources: list[SourceIn] | None = None
    actors: list[ActorIn] | None = None


class VersionIn(InputSchema):
    version: int


class RejectIn(InputSchema):
    version: int
    reason: str


class CasualtyOut(Schema):
    category: str
    outcome: str
    low: int | None
    best: int
    high: int | None


class SourceOut(Schema):
    name: str
    reference: str
    published_on: dt.date | None
    reliability: str
    credibility: int
    excerpt: str


class ActorOut(Schema):
    name: str
    side: str
    kind: str


class IncidentSummaryOut(Schema):
    id: int
    mission: str
    incident_type: str
    subtype: str
    title: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    date_precision: str
    latitude: float | None
    longitude: float | None
    location_precision: str
    country_code: str
    admin1: str
    priogrid_gid: int | None
    fatalities: int
    injured: int
    verification_status: str
    classification: str
    version: int


class IncidentOut(IncidentSummaryOut):
    narrative: str
    narrative_language: str
    location_name: str
    admin2: str
    rejection_reason: str
    external_source: str
    external_id: str
    created_by: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    casualties: list[CasualtyOut]
    sources: list[SourceOut]
    actors: list[ActorOut]


class IncidentPageOut(Schema):
    items: list[IncidentSummaryOut]
    next_cursor: str | None


class GeoJSONFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]
    next_cursor: str | None


class CountOut(Schema):
    count: int


class AggregateRow(Schema):
    key: str | int | None
    incidents: int
    fatalities: int


class AggregateOut(Schema):
    group_by: str
    rows: list[AggregateRow]


class RevisionOut(Schema):
    version: int
    action: str
    changes: dict[str, list[Any]]
    comment: str
    actor: str | None
    created_at: dt.datetime
