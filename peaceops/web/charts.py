"""Charts drawn on the server as inline SVG: no script, no external service, readable offline
and printable. Each chart is an image with a title (`role="img"`, `aria-label`, `<title>`);
the page shows the table behind it, which is what screen readers and keyboards use, so the
bars' links are for pointers only (`tabindex="-1"`)."""

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, get_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str


def month_label(month: dt.date) -> str:
    """A month as the active language writes it, short: the locale's YEAR_MONTH_FORMAT with
    the month name abbreviated ("Mar 2024", "mars 2024", "2024年3月", "Мар 2024 г.")."""
    short = re.sub(r"(?<!\\)F", "M", get_format("YEAR_MONTH_FORMAT"))
    return date_format(month, short)


def nice_ticks(maximum: float, target: int = 4) -> list[int]:
    """Round axis steps (1, 2, 5 x 10^n) from 0 to at least `maximum`."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    top = int(math.ceil(maximum / step) * step)
    return list(range(0, top + 1, step))


def grid_lines(
    ticks: Sequence[int], y: Callable[[float], float], *, left: float, right: float
) -> list[str]:
    """A horizontal grid line and a label for each tick of the value axis."""
    return [
        format_html(
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            left,
            right,
            y(tick),
            y(tick),
            left - 6,
            y(tick) + 4,
            number_format(tick, force_grouping=True),
        )
        for tick in ticks
    ]


def axis_line(y_zero: float, *, left: float, right: float) -> str:
    return format_html(
        '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>', left, right, y_zero, y_zero
    )


def svg_chart(title: str, width: int, height: int, parts: Sequence[str]) -> SafeString:
    """The chart as an image with a title (`role="img"`, `aria-label`, `<title>`)."""
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        title,
        mark_safe("".join(parts)),  # every part was escaped by format_html
    )


def stacked_bars(
    *,
    title: str,
    categories: Sequence[tuple[Any, str]],
    series: Sequence[Series],
    value: Callable[[Any, str], int],
    link: Callable[[Any, str], str] | None = None,
    width: int = 760,
    height: int = 260,
) -> SafeString:
    """A stacked bar chart: one bar per category (x), one segment per series. `value(x, key)`
    gives a segment's size and `link(x, key)` where clicking it leads."""
    left, right, top, bottom = 48, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(value(x, s.key) for s in series) for x, _label in categories]
    ticks = nice_ticks(max(totals, default=0))
    y_max = ticks[-1]
    slot = plot_w / max(len(categories), 1)
    bar_w = max(slot * 0.72, 1.0)
    label_every = max(1, math.ceil(len(categories) / 12))

    def y(v: float) -> float:
        return round(top + plot_h - (v / y_max) * plot_h, 1)

    parts: list[str] = grid_lines(ticks, y, left=left, right=width - right)
    for index, (x, label) in enumerate(categories):
        x0 = round(left + index * slot + (slot - bar_w) / 2, 1)
        base = 0
        for s in series:
            amount = value(x, s.key)
            if amount <= 0:
                continue
            rect = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{} · {}: {}</title></rect>",
                x0,
                y(base + amount),
                round(bar_w, 1),
                round(y(base) - y(base + amount), 1),
                s.color,
                label,
                s.label,
                number_format(amount, force_grouping=True),
            )
            if link is not None:
                rect = format_html('<a href="{}" tabindex="-1">{}</a>', link(x, s.key), rect)
            parts.append(rect)
            base += amount
        if index % label_every == 0:
            parts.append(
                format_html(
                    '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(x0 + bar_w / 2, 1),
                    height - bottom + 16,
                    label,
                )
            )
    parts.append(axis_line(y(0), left=left, right=width - right))
    return svg_chart(title, width, height, parts)
