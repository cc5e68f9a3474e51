"""Model fields of our own."""

from typing import Any

from django.db import models
from psycopg.types.json import Json, Jsonb


class VerbatimJSONField(models.JSONField):
    """JSON kept as written: PostgreSQL's `json` type (the text, checked but not parsed)
    instead of the `jsonb` Django gives a JSONField; on SQLite the same as a JSONField. For
    records kept for audit and never queried by key: `json` keeps their text and key order
    as they came, and writing one costs PostgreSQL a syntax check instead of a conversion to
    `jsonb` (a UCDP GED row's raw record: 25 µs less of the server's time, ADR 0021)."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql" and isinstance(adapted, Jsonb):
            return Json(adapted.obj, dumps=adapted.dumps)  # as `json`: no detour through jsonb
        return adapted

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, str):
            return value  # the driver parsed `json` itself (it hands `jsonb` on as text)
        return super().from_db_value(value, expression, connection)
