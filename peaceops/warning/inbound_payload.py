"""Reading an SMS gateway's delivery: JSON or form-encoded, with the field names gateways
commonly use (ours, Twilio, Vonage, Africa's Talking, RapidPro/Telerivet-style).

Field names are compared without case, "_" or "-": `MessageSid`, `message_id` and
`message-id` are the same name. The first name of each list that is present wins.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peaceops.core.errors import ValidationFailed

ID_NAMES = ("id", "messageid", "messagesid", "smsmessagesid", "smssid", "msgid", "uuid")
SENDER_NAMES = ("from", "sender", "msisdn", "phone", "fromnumber", "originator")
TEXT_NAMES = ("text", "body", "message", "content", "msg")
TIME_NAMES = ("timestamp", "messagetimestamp", "sentat", "date", "time")
MESSAGE_ID_MAX, SENDER_MAX = 200, 64
CLOCK_SKEW = timedelta(minutes=5)


class MalformedMessage(ValidationFailed):
    """The delivery cannot be read; `fields` says which field and why."""

    code = "bad_request"
    status = 400
    default_message = gettext_lazy("The message could not be read.")


@dataclass(frozen=True)
class SmsMessage:
    message_id: str
    sender: str
    text: str
    sent_at: datetime | None  # the gateway's time stamp, if it sent one


def _fields(body: bytes, content_type: str) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage({"body": [_("Send UTF-8 text.")]}) from exc
    looks_json = kind.endswith("json") or (not kind and text.lstrip().startswith("{"))
    if looks_json:
        try:
            fields = json.loads(text)
        except ValueError as exc:
            raise MalformedMessage({"body": [_("This is not valid JSON.")]}) from exc
        if not isinstance(fields, dict):
            raise MalformedMessage({"body": [_("Send a JSON object.")]})
        return fields
    if kind in ("", "application/x-www-form-urlencoded"):
        return dict(parse_qsl(text, keep_blank_values=True))
    raise MalformedMessage(
        {"body": [_("Send JSON or form-encoded fields (application/x-www-form-urlencoded).")]}
    )


def _pick(fields: dict[str, Any], names: tuple[str, ...]) -> Any:
    normal = {
        key.lower().replace("_", "").replace("-", ""): value
        for key, value in fields.items()
        if isinstance(key, str)
    }
    for name in names:
        if normal.get(name) not in (None, ""):
            return normal[name]
    return None


def _time(value: Any) -> datetime:
    """Unix seconds (or milliseconds), or ISO 8601; a time without a zone is UTC."""
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        value = float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_message(body: bytes, content_type: str) -> tuple[SmsMessage, dict[str, Any]]:
    """The message and the raw fields to keep. Raises MalformedMessage naming each field
    that is missing or wrong (`id`, `text`, `timestamp`, or `body` for the whole)."""
    fields = _fields(body, content_type)
    problems: dict[str, list[str]] = {}
    message_id, sender = _pick(fields, ID_NAMES), _pick(fields, SENDER_NAMES)
    text, sent = _pick(fields, TEXT_NAMES), _pick(fields, TIME_NAMES)
    if not isinstance(message_id, str | int) or isinstance(message_id, bool):
        problems["id"] = [_("Give the gateway's message id (id, message_id or MessageSid).")]
    elif len(str(message_id).strip()) > MESSAGE_ID_MAX:
        problems["id"] = [_("A message id is at most 200 characters.")]
    if not isinstance(text, str) or not text.strip():
        problems["text"] = [_("Give the message text (text, body or message).")]
    if sender is not None and not isinstance(sender, str | int):
        problems["from"] = [_("Give the sender as text.")]
    sent_at = None
    if sent is not None:
        try:
            sent_at = _time(sent)
        except (ValueError, OverflowError, OSError):
            problems["timestamp"] = [_("Give a Unix time or an ISO 8601 date and time.")]
    if problems:
        raise MalformedMessage(problems)
    if sent_at is not None and sent_at > timezone.now() + CLOCK_SKEW:
        sent_at = None  # the gateway's clock is ahead: the time it reached us is better
    message = SmsMessage(
        message_id=str(message_id).strip(),
        sender=str(sender or "").strip()[:SENDER_MAX],
        text=text.strip(),
        sent_at=sent_at,
    )
    return message, fields
