"""Keyset (cursor) pagination over (-started_at, -id) style orderings: stable under inserts,
constant cost per page however deep, unlike OFFSET."""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from peaceops.core.errors import ValidationFailed

M = TypeVar("M")


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def encode_cursor(moment: dt.datetime, pk: int) -> str:
    payload = json.dumps([moment.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationFailed({"cursor": [_("Not a cursor returned by this API.")]}) from exc


def keyset_page(
    queryset: QuerySet[M], *, time_field: str, cursor: str | None, limit: int
) -> Page[M]:
    """Newest first. `queryset` must not be sliced; it is ordered here."""
    ordered = queryset.order_by(f"-{time_field}", "-pk")
    if cursor:
        moment, pk = decode_cursor(cursor)
        ordered = ordered.filter(
            Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": pk})
        )
    rows = list(ordered[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, time_field), last.pk)
    return Page(items=rows, next_cursor=next_cursor)
