"""The inbound SMS channel: a gateway posts each message it receives to
`/api/v1/sms/{slug}/inbound`; each new message becomes one alert of the gateway's mission.

- Authentication: the gateway's shared secret in `X-Peaceops-Secret`, or
  `X-Peaceops-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>`.
- Payload: JSON or form-encoded, with liberal field names (inbound_payload.py).
- Once only: InboundMessage is unique on (gateway, message id). The message and its alert are
  written in one transaction, so a duplicate delivery, even at the same moment, finds the
  first and creates nothing.
- The alert: source "sms", the gateway's classification, severity "medium", a threat type
  from an optional keyword (`ALERT <type> <text>`), placed at the mission's headquarters
  with precision "country" (an SMS carries no location). docs/warning-channels.md.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peaceops.core.errors import PeaceopsError
from peaceops.core.geo.points import LocationPrecision
from peaceops.core.taxonomy import IncidentType
from peaceops.warning.inbound_payload import SmsMessage, parse_message
from peaceops.warning.models import (
    Alert,
    AlertEvent,
    AlertSource,
    InboundMessage,
    Severity,
    SmsGateway,
)
from peaceops.warning.outbox import enqueue_notifications
from peaceops.warning.validation import clean_alert

SECRET_HEADER = "X-Peaceops-Secret"
SIGNATURE_HEADER = "X-Peaceops-Signature"
TITLE_MAX = 300


class GatewayRefused(PeaceopsError):
    """A delivery without the gateway's secret or signature. Says nothing about why."""

    code = "not_authenticated"
    status = 401
    default_message = gettext_lazy("The gateway's secret or signature is missing or wrong.")


class UnknownGateway(PeaceopsError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("No active SMS gateway has this name.")


def signature(secret: str, body: bytes) -> str:
    """The signature header value for `body`: "sha256=" and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _authentic(gateway: SmsGateway, body: bytes, headers: Mapping[str, str]) -> bool:
    if gateway.auth == SmsGateway.Auth.SHARED_SECRET:
        given, expected = headers.get(SECRET_HEADER, ""), gateway.secret
    else:
        given, expected = headers.get(SIGNATURE_HEADER, ""), signature(gateway.secret, body)
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# `ALERT <keyword> <free text>` (or ALERTE, in French) sets the threat type. A keyword is
# one of these words or a threat type code (armed_clash, ...). Anything else: "other".
ALERT_WORDS = frozenset({"alert", "alerte"})
TYPE_KEYWORDS: dict[str, str] = {
    **{code: code for code in IncidentType.values},
    "clash": IncidentType.ARMED_CLASH,
    "fighting": IncidentType.ARMED_CLASH,
    "affrontement": IncidentType.ARMED_CLASH,
    "attack": IncidentType.VIOLENCE_AGAINST_CIVILIANS,
    "attaque": IncidentType.VIOLENCE_AGAINST_CIVILIANS,
    "explosion": IncidentType.EXPLOSIVE,
    "ied": IncidentType.EXPLOSIVE,
    "peacekeepers": IncidentType.HOSTILE_ACT_PEACEKEEPERS,
    "casques": IncidentType.HOSTILE_ACT_PEACEKEEPERS,
    "roadblock": IncidentType.RESTRICTION_OF_MOVEMENT,
    "barrage": IncidentType.RESTRICTION_OF_MOVEMENT,
    "protest": IncidentType.PROTEST,
    "riot": IncidentType.PROTEST,
    "manifestation": IncidentType.PROTEST,
    "crime": IncidentType.CRIME,
    "displacement": IncidentType.DISPLACEMENT,
    "deplacement": IncidentType.DISPLACEMENT,
    "rumour": IncidentType.INFORMATION,
    "rumeur": IncidentType.INFORMATION,
    "hazard": IncidentType.NATURAL_HAZARD,
    "flood": IncidentType.NATURAL_HAZARD,
    "inondation": IncidentType.NATURAL_HAZARD,
}


def read_text(text: str) -> tuple[str, str]:
    """(threat type, title) of a message text."""
    words = text.strip().split(maxsplit=2)
    threat_type, rest = IncidentType.OTHER, text
    if len(words) >= 2 and words[0].casefold().rstrip(":") in ALERT_WORDS:
        keyword = words[1].casefold().rstrip(":").replace("é", "e")
        if keyword in TYPE_KEYWORDS:
            threat_type, rest = TYPE_KEYWORDS[keyword], words[2] if len(words) == 3 else ""
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    title = lines[0] if lines else next(line.strip() for line in text.splitlines() if line.strip())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return threat_type, title


def _alert_values(gateway: SmsGateway, message: InboundMessage) -> dict[str, Any]:
    threat_type, title = read_text(message.body)
    values: dict[str, Any] = {
        "source": AlertSource.SMS,
        "threat_type": threat_type,
        "title": title,
        "description": message.body,
        "location_precision": LocationPrecision.COUNTRY,
        "severity": Severity.MEDIUM,
        "received_at": message.received_at,
        "classification": gateway.classification,
    }
    mission = gateway.mission
    if mission.hq_latitude is None or mission.hq_longitude is None:
        # No point to give: the alert is placed nowhere (the model allows it; a person
        # raising an alert must give one). Every other value is valid by construction.
        return values
    with translation.override(settings.LANGUAGE_CODE):
        place = _("%(place)s (mission headquarters: the SMS gave no location)") % {
            "place": mission.hq_name or mission.acronym
        }
    values.update(
        latitude=mission.hq_latitude, longitude=mission.hq_longitude, location_name=place[:300]
    )
    return clean_alert(values, mission=mission)


def _create_alert(gateway: SmsGateway, message: InboundMessage) -> Alert:
    """The system raises the alert for the gateway: no user, the same values a person's
    alert would have, its timeline's first event and its notifications, all in the
    caller's transaction."""
    alert = Alert.objects.create(
        mission=gateway.mission, message=message, **_alert_values(gateway, message)
    )
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEvent.Kind.CREATED,
        at=timezone.now(),
        to_status=alert.status,
        details={"gateway": gateway.slug, "message_id": message.message_id},
    )
    enqueue_notifications(alert, event="new", event_key="new")
    return alert


@dataclass(frozen=True)
class Received:
    alert_id: int | None  # None only if the alert of an earlier delivery was deleted since
    duplicate: bool


def _store(gateway: SmsGateway, parsed: SmsMessage, raw: dict[str, Any]) -> Received:
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the duplicate check below can go on
                message = InboundMessage.objects.create(
                    gateway=gateway,
                    message_id=parsed.message_id,
                    sender=parsed.sender,
                    body=parsed.text,
                    received_at=parsed.sent_at or timezone.now(),
                    raw=raw,
                )
        except IntegrityError:
            first = InboundMessage.objects.select_related("alert").get(
                gateway=gateway, message_id=parsed.message_id
            )
            alert = getattr(first, "alert", None)
            return Received(alert_id=alert.pk if alert else None, duplicate=True)
        return Received(alert_id=_create_alert(gateway, message).pk, duplicate=False)


def sms_receive(
    *, slug: str, body: bytes, content_type: str, headers: Mapping[str, str]
) -> Received:
    """Take one delivery from the gateway `slug`: check who sent it, keep the message raw,
    raise its alert once. Raises UnknownGateway, GatewayRefused or MalformedMessage."""
    gateway = SmsGateway.objects.select_related("mission").filter(slug=slug, active=True).first()
    if gateway is None:
        raise UnknownGateway()
    if not _authentic(gateway, body, headers):
        raise GatewayRefused()
    parsed, raw = parse_message(body, content_type)
    return _store(gateway, parsed, raw)
