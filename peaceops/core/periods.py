"""Calendar periods of a UTC timestamp column as SQL, for grouping.

Django's TruncMonth/TruncWeek run a Python function per row on SQLite; these compile to
SQLite's own `date()` there (several times faster on large tables) and to `date_trunc` on
PostgreSQL. Both give a date: the first day of the month, or the Monday of the week.
"""

import datetime as dt
from typing import Any

from django.db.models import CharField, DateField, Func, Value
from django.db.models.functions import TruncMonth, TruncWeek


class _SQLiteDate(Func):
    function = "date"
    output_field = DateField()


class _Period(Func):
    def __init__(self, field: str, modifiers: tuple[str, ...], trunc: type) -> None:
        self.modifiers, self.trunc = modifiers, trunc
        super().__init__(field, output_field=DateField())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        modifiers = [Value(m) for m in self.modifiers]
        return _SQLiteDate(*self.source_expressions, *modifiers).as_sql(compiler, connection)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        field = self.source_expressions[0]
        expression = self.trunc(field, output_field=DateField(), tzinfo=dt.UTC)
        return compiler.compile(expression.resolve_expression(compiler.query))


def month_start(field: str) -> _Period:
    return _Period(field, ("start of month",), TruncMonth)


def week_start(field: str) -> _Period:
    # back six days, then forward to the next Monday: the Monday on or before the day
    return _Period(field, ("-6 days", "weekday 1"), TruncWeek)


class UTCDayText(Func):
    """The UTC calendar day of a timestamp as "YYYY-MM-DD" text, computed by the database (no
    datetime object per row in Python)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="date", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            **extra,
        )
