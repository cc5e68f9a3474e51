"""REST endpoints for early warning: alerts and their workflow, responses, trigger rules and
the monthly response metrics. Everything goes through the warning selectors (access policy)
and services."""

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from peaceops.incidents.api import checked_limit
from peaceops.incidents.schemas import GeoJSONFeatureCollection
from peaceops.missions.selectors import mission_get
from peaceops.warning import evaluation, rule_services, selectors, services
from peaceops.warning.explain import explain
from peaceops.warning.models import Alert, Rule
from peaceops.warning.schemas import (
    AlertCreateIn,
    AlertOut,
    AlertPageOut,
    AssignIn,
    EscalateIn,
    EvaluationOut,
    FiringOut,
    LinkIn,
    MonthMetricsOut,
    ResponseIn,
    ResponseOut,
    ResponsePatchIn,
    RuleIn,
    RuleOut,
    RulePatchIn,
    TransitionIn,
)

router = Router(tags=["warning"])

MAX_PAGE = 500


class AlertQuery(Schema):
    mission: str | None = None
    status: str | None = None
    severity: str | None = None
    source: str | None = None
    threat_type: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    open: bool = False

    def to_filters(self) -> selectors.AlertFilters:
        return selectors.AlertFilters(
            mission=self.mission,
            status=self.status,
            severity=self.severity,
            source=self.source,
            threat_type=self.threat_type,
            received_from=self.date_from,
            received_to=self.date_to,
            open_only=self.open,
        )


def alert_summary(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "mission": alert.mission.acronym,
        "source": alert.source,
        "threat_type": alert.threat_type,
        "title": alert.title,
        "severity": alert.severity,
        "status": alert.status,
        "received_at": alert.received_at,
        "latitude": alert.latitude,
        "longitude": alert.longitude,
        "location_name": alert.location_name,
        "assigned_unit": alert.assigned_unit,
        "classification": alert.classification,
        "rule_id": alert.rule_id,
        "version": alert.version,
    }


def _detail(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    alert = selectors.alert_get(user=request.user, pk=alert_id)
    return {
        **alert_summary(alert),
        "description": alert.description,
        "area_id": alert.area_id,
        "location_precision": alert.location_precision,
        "acknowledged_at": alert.acknowledged_at,
        "first_response_at": alert.first_response_at,
        "closed_at": alert.closed_at,
        "incident_ids": [incident.pk for incident in alert.incidents.all()],
        "events": [
            {
                "kind": event.kind,
                "at": event.at,
                "actor": event.actor.username if event.actor else None,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
                "details": event.details,
                "explanation": explain(event.details),
            }
            for event in alert.events.all()
        ],
        "responses": [_response(response) for response in alert.responses.all()],
    }


def _response(response: Any) -> dict[str, Any]:
    return {
        "id": response.pk,
        "kind": response.kind,
        "description": response.description,
        "unit": response.unit,
        "started_at": response.started_at,
        "completed_at": response.completed_at,
        "outcome": response.outcome,
        "outcome_notes": response.outcome_notes,
    }


@router.get("/alerts", response=AlertPageOut, summary="List alerts (newest first)")
def list_alerts(
    request: HttpRequest, filters: Query[AlertQuery], cursor: str | None = None, limit: int = 100
) -> dict[str, Any]:
    page = selectors.alert_page(
        user=request.user,
        filters=filters.to_filters(),
        cursor=cursor,
        limit=checked_limit(limit, MAX_PAGE),
    )
    return {"items": [alert_summary(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/alerts/geojson",
    response=GeoJSONFeatureCollection,
    summary="Alerts with a point, as GeoJSON (the map layer); open ones unless a status is given",
)
def alerts_geojson(
    request: HttpRequest, filters: Query[AlertQuery], limit: int = 2000
) -> dict[str, Any]:
    query = filters.to_filters()
    if not query.status:
        query = dataclasses.replace(query, open_only=True)
    alerts = selectors.alert_list(user=request.user, filters=query).filter(latitude__isnull=False)
    features = [
        {
            "type": "Feature",
            "id": alert.pk,
            "geometry": {"type": "Point", "coordinates": [alert.longitude, alert.latitude]},
            "properties": {
                **alert_summary(alert),
                "received_at": alert.received_at.isoformat(),
                "severity_label": alert.get_severity_display(),
                "status_label": alert.get_status_display(),
            },
        }
        for alert in alerts.order_by("-received_at", "-id")[: checked_limit(limit, 10_000)]
    ]
    return {"type": "FeatureCollection", "features": features, "next_cursor": None}


@router.post("/alerts", response={201: AlertOut}, summary="Raise an alert")
def raise_alert(request: HttpRequest, payload: AlertCreateIn) -> Status:
    mission = mission_get(user=request.user, acronym=payload.mission)
    values = payload.dict(exclude={"mission"})
    if values["received_at"] is None:
        values["received_at"] = timezone.now()
    alert = services.alert_raise(actor=request.user, mission=mission, **values)
    return Status(201, _detail(request, alert.pk))


@router.get("/alerts/{int:alert_id}", response=AlertOut, summary="One alert with its timeline")
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    return _detail(request, alert_id)


@router.post(
    "/alerts/{int:alert_id}/transition",
    response=AlertOut,
    summary="Move an alert along its workflow (send the version you read; 409 if stale)",
)
def transition(request: HttpRequest, alert_id: int, payload: TransitionIn) -> dict[str, Any]:
    services.alert_transition(
        actor=request.user,
        alert_id=alert_id,
        version=payload.version,
        to_status=payload.status,
        reason=payload.reason,
    )
    return _detail(request, alert_id)


@router.post("/alerts/{int:alert_id}/assign", response=AlertOut, summary="Assign to a unit")
def assign(request: HttpRequest, alert_id: int, payload: AssignIn) -> dict[str, Any]:
    services.alert_assign(
        actor=request.user, alert_id=alert_id, version=payload.version, unit=payload.unit
    )
    return _detail(request, alert_id)


@router.post("/alerts/{int:alert_id}/escalate", response=AlertOut, summary="Raise the severity")
def escalate(request: HttpRequest, alert_id: int, payload: EscalateIn) -> dict[str, Any]:
    services.alert_escalate(
        actor=request.user,
        alert_id=alert_id,
        version=payload.version,
        severity=payload.severity,
        reason=payload.reason,
    )
    return _detail(request, alert_id)


@router.post("/alerts/{int:alert_id}/incidents", response=AlertOut, summary="Link an incident")
def link_incident(request: HttpRequest, alert_id: int, payload: LinkIn) -> dict[str, Any]:
    services.alert_link_incident(
        actor=request.user, alert_id=alert_id, incident_id=payload.incident_id
    )
    return _detail(request, alert_id)


@router.post(
    "/alerts/{int:alert_id}/responses", response={201: ResponseOut}, summary="Record a response"
)
def add_response(request: HttpRequest, alert_id: int, payload: ResponseIn) -> Status:
    values = payload.dict()
    if values["started_at"] is None:
        values["started_at"] = timezone.now()
    response = services.response_add(actor=request.user, alert_id=alert_id, **values)
    return Status(201, _response(response))


@router.patch(
    "/responses/{int:response_id}", response=ResponseOut, summary="Complete a response, outcome"
)
def update_response(
    request: HttpRequest, response_id: int, payload: ResponsePatchIn
) -> dict[str, Any]:
    response = services.response_update(
        actor=request.user, response_id=response_id, **payload.dict(exclude_unset=True)
    )
    return _response(response)


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "mission": rule.mission.acronym,
        "name": rule.name,
        "kind": rule.kind,
        "active": rule.active,
        "incident_types": rule.incident_types,
        "parameters": rule.parameters,
        "severity": rule.severity,
        "classification": rule.classification,
        "last_evaluated_at": rule.last_evaluated_at,
        "version": rule.version,
    }


@router.get("/rules", response=list[RuleOut], summary="Trigger rules")
def list_rules(request: HttpRequest, mission: str | None = None) -> list[dict[str, Any]]:
    return [_rule(rule) for rule in selectors.rule_list(user=request.user, mission=mission)]


@router.post("/rules", response={201: RuleOut}, summary="Create a trigger rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status:
    mission = mission_get(user=request.user, acronym=payload.mission)
    rule = rule_services.rule_create(
        actor=request.user, mission=mission, **payload.dict(exclude={"mission"})
    )
    return Status(201, _rule(selectors.rule_get(user=request.user, pk=rule.pk)))


@router.get("/rules/{int:rule_id}", response=RuleOut, summary="One trigger rule")
def get_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return _rule(selectors.rule_get(user=request.user, pk=rule_id))


@router.patch("/rules/{int:rule_id}", response=RuleOut, summary="Change or switch off a rule")
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatchIn) -> dict[str, Any]:
    changes = {k: v for k, v in payload.dict(exclude={"version"}).items() if v is not None}
    rule_services.rule_update(
        actor=request.user, rule_id=rule_id, version=payload.version, **changes
    )
    return _rule(selectors.rule_get(user=request.user, pk=rule_id))


@router.get(
    "/rules/{int:rule_id}/preview",
    response=list[FiringOut],
    summary="What the rule finds now and why, without opening alerts",
)
def preview_rule(request: HttpRequest, rule_id: int) -> list[dict[str, Any]]:
    rule = selectors.rule_get(user=request.user, pk=rule_id)
    return [
        {
            "situation": firing.situation,
            "title": firing.title,
            "threat_type": firing.threat_type,
            "incident_ids": list(firing.incident_ids),
            "why": firing.why,
            "explanation": explain(firing.why),
        }
        for firing in selectors.visible_firings(
            user=request.user,
            rule=rule,
            firings=evaluation.rule_firings(rule, as_of=timezone.now()),
        )
    ]


@router.post(
    "/rules/evaluate",
    response=EvaluationOut,
    summary="Evaluate every active rule of a mission now (as the schedule does)",
)
def evaluate_rules(request: HttpRequest, mission: str) -> dict[str, int]:
    target = mission_get(user=request.user, acronym=mission)
    rule_services.require_configure(request.user, target.pk)
    return evaluation.evaluate_all(mission_id=target.pk).__dict__


@router.get(
    "/alert-metrics",
    response=list[MonthMetricsOut],
    summary="Per month: alerts received, time to acknowledge and respond, share responded",
)
def metrics(
    request: HttpRequest,
    mission: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return [
        {**month.__dict__, "share_responded": month.share_responded}
        for month in selectors.alert_metrics(
            user=request.user, mission=mission, date_from=date_from, date_to=date_to
        )
    ]
