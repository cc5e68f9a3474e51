"""REST endpoints of the warning channels: the SMS gateway webhook, gateway and subscription
configuration, and the delivery log of an alert's notifications."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from peaceops.missions.selectors import mission_get
from peaceops.warning.channel_config import (
    alert_notifications,
    sms_gateway_create,
    sms_gateway_deactivate,
    sms_gateway_list,
    subscription_create,
    subscription_list,
    subscription_remove,
)
from peaceops.warning.inbound import sms_receive
from peaceops.warning.models import SmsGateway, Subscription

router = Router(tags=["warning"])

_FIELDS = {"type": "object", "description": "id, from, text, timestamp (or gateway names)"}
_INBOUND_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": _FIELDS},
            "application/x-www-form-urlencoded": {"schema": _FIELDS},
        }
    }
}


class InboundOut(Schema):
    alert_id: int | None
    duplicate: bool


@router.post(
    "/sms/{slug}/inbound",
    auth=None,
    response=InboundOut,
    summary="An SMS gateway delivers a message (secret or HMAC signature); one alert per id",
    openapi_extra=_INBOUND_BODY,
)
def sms_inbound(request: HttpRequest, slug: str) -> dict[str, Any]:
    received = sms_receive(
        slug=slug,
        body=request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        headers=request.headers,
    )
    return {"alert_id": received.alert_id, "duplicate": received.duplicate}


class GatewayIn(Schema):
    slug: str
    auth: str = SmsGateway.Auth.HMAC
    classification: str = "internal"


class GatewayOut(Schema):
    id: int
    mission: str
    slug: str
    auth: str
    classification: str
    active: bool
    created_at: dt.datetime


class GatewayCreatedOut(GatewayOut):
    secret: str  # shown once


def _gateway(gateway: SmsGateway, **extra: Any) -> dict[str, Any]:
    fields = {name: getattr(gateway, name) for name in GatewayOut.model_fields if name != "mission"}
    return {**fields, "mission": gateway.mission.acronym, **extra}


@router.get("/missions/{acronym}/sms-gateways", response=list[GatewayOut], summary="SMS gateways")
def list_gateways(request: HttpRequest, acronym: str) -> list[dict[str, Any]]:
    mission = mission_get(user=request.user, acronym=acronym)
    return [_gateway(g) for g in sms_gateway_list(actor=request.user, mission=mission)]


@router.post(
    "/missions/{acronym}/sms-gateways",
    response={201: GatewayCreatedOut},
    summary="Add an SMS gateway; the answer holds its secret, shown this once",
)
def create_gateway(request: HttpRequest, acronym: str, payload: GatewayIn) -> Status:
    mission = mission_get(user=request.user, acronym=acronym)
    gateway, secret = sms_gateway_create(actor=request.user, mission=mission, **payload.dict())
    return Status(201, _gateway(gateway, secret=secret))


@router.delete(
    "/sms-gateways/{gateway_id}",
    response={204: None},
    summary="Stop accepting messages from a gateway (its messages and alerts stay)",
)
def deactivate_gateway(request: HttpRequest, gateway_id: int) -> Status:
    sms_gateway_deactivate(actor=request.user, gateway_id=gateway_id)
    return Status(204, None)


class SubscriptionIn(Schema):
    channel: str
    address: str = ""
    role: str = ""
    min_severity: str = "high"
    max_classification: str = "internal"
    secret: str = ""


class SubscriptionOut(Schema):
    id: int
    mission: str
    channel: str
    address: str
    role: str
    min_severity: str
    max_classification: str
    active: bool
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str | None  # webhooks: signs the bodies; shown once


def _subscription(subscription: Subscription, **extra: Any) -> dict[str, Any]:
    names = [name for name in SubscriptionOut.model_fields if name != "mission"]
    fields = {name: getattr(subscription, name) for name in names}
    return {**fields, "mission": subscription.mission.acronym, **extra}


@router.get(
    "/missions/{acronym}/subscriptions",
    response=list[SubscriptionOut],
    summary="Who is notified of the mission's alerts",
)
def list_subscriptions(request: HttpRequest, acronym: str) -> list[dict[str, Any]]:
    mission = mission_get(user=request.user, acronym=acronym)
    return [_subscription(s) for s in subscription_list(actor=request.user, mission=mission)]


@router.post(
    "/missions/{acronym}/subscriptions",
    response={201: SubscriptionCreatedOut},
    summary="Notify an email address, a role's members or a webhook of new and escalated alerts",
)
def create_subscription(request: HttpRequest, acronym: str, payload: SubscriptionIn) -> Status:
    mission = mission_get(user=request.user, acronym=acronym)
    subscription, secret = subscription_create(
        actor=request.user, mission=mission, **payload.dict()
    )
    return Status(201, _subscription(subscription, secret=secret or None))


@router.delete(
    "/subscriptions/{subscription_id}",
    response={204: None},
    summary="Stop a subscription (its delivery log is kept)",
)
def remove_subscription(request: HttpRequest, subscription_id: int) -> Status:
    subscription_remove(actor=request.user, subscription_id=subscription_id)
    return Status(204, None)


class AttemptOut(Schema):
    at: dt.datetime
    ok: bool
    detail: str


class NotificationOut(Schema):
    id: int
    subscription_id: int
    event: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str
    attempt_log: list[AttemptOut]


@router.get(
    "/alerts/{alert_id}/notifications",
    response=list[NotificationOut],
    summary="The alert's notifications and every delivery attempt",
)
def list_notifications(request: HttpRequest, alert_id: int) -> list[dict[str, Any]]:
    names = [name for name in NotificationOut.model_fields if name != "attempt_log"]
    return [
        {
            **{name: getattr(n, name) for name in names},
            "attempt_log": [
                {"at": a.at, "ok": a.ok, "detail": a.detail} for a in n.attempt_log.all()
            ],
        }
        for n in alert_notifications(actor=request.user, alert_id=alert_id)
    ]
