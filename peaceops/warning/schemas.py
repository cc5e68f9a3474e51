"""API shapes of the warning app."""

import datetime as dt
from typing import Any

from ninja import Schema

from peaceops.core.schema import InputSchema


class AlertCreateIn(InputSchema):
    mission: str
    source: str = "field_staff"
    threat_type: str
    title: str
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    area_id: int | None = None
    location_precision: str = "near"
    location_name: str = ""
    severity: str = "medium"
    received_at: dt.datetime | None = None
    assigned_unit: str = ""
    classification: str = "internal"


class AlertSummaryOut(Schema):
    id: int
    mission: str
    source: str
    threat_type: str
    title: str
    severity: str
    status: str
    received_at: dt.datetime
    latitude: float | None
    longitude: float | None
    location_name: str
    assigned_unit: str
    classification: str
    rule_id: int | None
    version: int


class AlertPageOut(Schema):
    items: list[AlertSummaryOut]
    next_cursor: str | None


class AlertEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str | None
    from_status: str
    to_status: str
    reason: str
    details: dict[str, Any]
    explanation: str


class ResponseOut(Schema):
    id: int
    kind: str
    description: str
    unit: str
    started_at: dt.datetime
    completed_at: dt.datetime | None
    outcome: str
    outcome_notes: str


class AlertOut(AlertSummaryOut):
    description: str
    area_id: int | None
    location_precision: str
    acknowledged_at: dt.datetime | None
    first_response_at: dt.datetime | None
    closed_at: dt.datetime | None
    incident_ids: list[int]
    events: list[AlertEventOut]
    responses: list[ResponseOut]


class TransitionIn(InputSchema):
    version: int
    status: str
    reason: str = ""


class AssignIn(InputSchema):
    version: int
    unit: str


class EscalateIn(InputSchema):
    version: int
    severity: str
    reason: str = ""


class LinkIn(InputSchema):
    incident_id: int


class ResponseIn(InputSchema):
    kind: str
    description: str = ""
    unit: str = ""
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    outcome: str = "pending"
    outcome_notes: str = ""


class ResponsePatchIn(InputSchema):
    description: str | None = None
    unit: str | None = None
    completed_at: dt.datetime | None = None
    outcome: str | None = None
    outcome_notes: str | None = None


class RuleIn(InputSchema):
    mission: str
    name: str
    kind: str
    active: bool = True
    incident_types: list[str] = []
    parameters: dict[str, Any] = {}
    severity: str = "high"
    classification: str = "internal"


class RulePatchIn(InputSchema):
    version: int
    name: str | None = None
    active: bool | None = None
    incident_types: list[str] | None = None
    parameters: dict[str, Any] | None = None
    severity: str | None = None
    classification: str | None = None


class RuleOut(Schema):
    id: int
    mission: str
    name: str
    kind: str
    active: bool
    incident_types: list[str]
    parameters: dict[str, Any]
    severity: str
    classification: str
    last_evaluated_at: dt.datetime | None
    version: int


class FiringOut(Schema):
    situation: str
    title: str
    threat_type: str
    incident_ids: list[int]
    why: dict[str, Any]
    explanation: str


class EvaluationOut(Schema):
    rules: int
    firings: int
    opened: int
    attached: int


class MonthMetricsOut(Schema):
    month: dt.date
    received: int
    acknowledged: int
    responded: int
    false_alarms: int
    duplicates: int
    open: int
    share_responded: float | None
    median_minutes_to_acknowledge: float | None
    median_minutes_to_respond: float | None
    outcomes: dict[str, int]
