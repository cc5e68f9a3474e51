"""VIEWS month ids: month 1 is 1980-01, so 121 is 1990-01 and 516 is 2022-12."""

import datetime as dt


def month_id(year: int, month: int) -> int:
    return (year - 1980) * 12 + month


def month_id_of(day: dt.date) -> int:
    return month_id(day.year, day.month)


def month_start(mid: int) -> dt.date:
    """The first day of month `mid`."""
    year, month = divmod(mid - 1, 12)
    return dt.date(1980 + year, month + 1, 1)


def parse_month(text: str) -> int:
    """The month id of 'YYYY-MM'."""
    year, month = text.split("-")
    if not 1 <= int(month) <= 12:
        raise ValueError(f"Not a month: {text!r}")
    return month_id(int(year), int(month))
