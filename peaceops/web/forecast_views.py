"""Forecast pages: the risk map (probability of >= 25 fatalities by country, of >= 1 by
PRIO-GRID cell) and a country's chart (history, forecast median, 50% and 90% intervals).

Forecasts are built from public incidents only (ADR 0011), so every signed-in user sees the
same pages; sign-in is still required.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from peaceops.core.geo.countries import country_name
from peaceops.forecasting import selectors
from peaceops.forecasting.models import Forecast
from peaceops.forecasting.months import month_id_of, month_start, parse_month
from peaceops.web import charts
from peaceops.web.charts import nice_ticks
from peaceops.web.map_views import boundaries_url

HISTORY_MONTHS = 36
TOP_UNITS = 20
# probability classes of the map: upper bounds and colours (light yellow to dark red)
RISK_CLASSES = [
    (0.05, "#ffffcc"),
    (0.1, "#fed976"),
    (0.25, "#fd8d3c"),
    (0.5, "#e31a1c"),
    (1.0, "#800026"),
]


def _months(run: Any) -> list[dt.date]:
    first, last = month_id_of(run.first_month), month_id_of(run.last_month)
    return [month_start(m) for m in range(first, last + 1)]


def _map_strings() -> dict[str, str]:
    return {
        "loading": _("Loading the forecasts…"),
        "error": _("The forecasts could not be loaded. Reload the page."),
        "baseMapError": _("The country boundaries could not be loaded; reload the page."),
        "shown": _("Forecasts on the map: %(count)s."),
        "probability": _("Probability"),
        "median": _("Median fatalities"),
        "interval": _("%(percent)s%% interval") % {"percent": 90},
        "open": _("Open the country forecast"),
        "attribution": _("Boundaries: Natural Earth (public domain)"),
    }


@login_required
def forecast_map(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level") if request.GET.get("level") in ("cm", "pgm") else "cm"
    run = selectors.latest_run(level=level)
    context: dict[str, Any] = {"level": level, "run": run, "classes": _legend()}
    if run is not None:
        months = _months(run)
        try:
            month = month_start(parse_month(request.GET.get("month", "")))
        except ValueError:
            month = months[0]
        if month not in months:
            month = months[0]
        top = list(
            selectors.forecasts_of_run(run=run, first_month=month, last_month=month)
            .filter(probability__gt=0)
            .order_by("-probability", "-median", "unit")[:TOP_UNITS]
        )
        context.update(
            months=months,
            month=month,
            top=[_top_row(level, row) for row in top],
            threshold=run.threshold,
            map_config={
                "level": level,
                "dataUrl": reverse(
                    "api:month_forecasts", kwargs={"level": level, "month": f"{month:%Y-%m}"}
                ),
                "boundariesUrl": boundaries_url(),
                "countryUrl": reverse("web:forecast-country", args=["XXX"]).removesuffix("XXX/"),
                "classes": [{"upTo": up, "colour": colour} for up, colour in RISK_CLASSES],
            },
            map_strings=_map_strings(),
        )
    return render(request, "web/forecast/map.html", context)


def _legend() -> list[dict[str, str]]:
    out, lower = [], 0.0
    for upper, colour in RISK_CLASSES:
        out.append(
            {
                "colour": colour,
                "label": _("%(low)s to %(high)s") % {"low": f"{lower:.0%}", "high": f"{upper:.0%}"},
            }
        )
        lower = upper
    return out


def percent(probability: float) -> str:
    """A probability as a percentage for people: whole percents, "<1%" for small ones."""
    if 0 < probability < 0.005:
        return _("<1%")
    return _("%(value)s%%") % {"value": number_format(round(probability * 100))}


def _top_row(level: str, row: Forecast) -> dict[str, Any]:
    name = country_name(row.unit) if level == "cm" else None
    return {
        "unit": row.unit,
        "name": name or row.unit,
        "url": reverse("web:forecast-country", args=[row.unit]) if level == "cm" else "",
        "probability": percent(row.probability),
        "median": row.median,
        "q05": row.quantiles[0],
        "q95": row.quantiles[-1],
    }


@login_required
def forecast_country(request: HttpRequest, code: str) -> HttpResponse:
    code = code.upper()
    name = country_name(code)
    if name is None:
        raise Http404(_("No such country."))
    run = selectors.latest_run(level="cm")
    context: dict[str, Any] = {"code": code, "name": name, "run": run}
    if run is not None:
        rows = list(selectors.forecasts_of_run(run=run, units=[code]))
        cutoff = month_id_of(run.data_cutoff)
        history = selectors.country_history(
            code=code, first_month=cutoff - HISTORY_MONTHS + 1, last_month=cutoff
        )
        title = _("State-based fatalities per month in %(country)s: history and forecast") % {
            "country": name
        }
        context.update(
            rows=[
                {
                    "month": row.month,
                    "median": row.median,
                    "q25": row.quantiles[2],
                    "q75": row.quantiles[4],
                    "q05": row.quantiles[0],
                    "q95": row.quantiles[-1],
                    "probability": percent(row.probability),
                }
                for row in rows
            ],
            chart=forecast_chart(title=title, history=history, rows=rows) if rows else "",
            history_total=sum(v for _m, v in history),
        )
    return render(request, "web/forecast/country.html", context)


def forecast_chart(
    *,
    title: str,
    history: list[tuple[int, float]],
    rows: list[Forecast],
    width: int = 760,
    height: int = 280,
) -> SafeString:
    """History as bars, then the forecast median as a line inside its 50% and 90% bands."""
    left, right, top, bottom = 56, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    months = [m for m, _v in history] + [month_id_of(r.month) for r in rows]
    maximum = max([v for _m, v in history] + [r.quantiles[-1] for r in rows] + [1])
    ticks = nice_ticks(maximum)
    slot = plot_w / max(len(months), 1)

    def x(index: float) -> float:
        return round(left + (index + 0.5) * slot, 1)

    def y(value: float) -> float:
        return round(top + plot_h - value / ticks[-1] * plot_h, 1)

    parts: list[str] = charts.grid_lines(ticks, y, left=left, right=width - right)
    for index, (month, value) in enumerate(history):
        if value > 0:
            parts.append(
                format_html(
                    '<rect class="history" x="{}" y="{}" width="{}" height="{}" '
                    'fill="#6b6b6b"><title>{}: {}</title></rect>',
                    round(x(index) - slot * 0.36, 1),
                    y(value),
                    round(slot * 0.72, 1),
                    round(y(0) - y(value), 1),
                    date_format(month_start(month), "YEAR_MONTH_FORMAT"),
                    number_format(value, force_grouping=True),
                )
            )
    start = len(history)
    points = [(x(start + i), r) for i, r in enumerate(rows)]
    for low, high, colour, name in ((0, 6, "#fdd0a2", "band90"), (2, 4, "#fd8d3c", "band50")):
        upper = " ".join(f"{px},{y(r.quantiles[high])}" for px, r in points)
        lower = " ".join(f"{px},{y(r.quantiles[low])}" for px, r in reversed(points))
        parts.append(
            format_html(
                '<polygon class="{}" points="{} {}" fill="{}"/>', name, upper, lower, colour
            )
        )
    parts.append(
        format_html(
            '<polyline class="median" points="{}" fill="none" stroke="#7f2704" stroke-width="2"/>',
            " ".join(f"{px},{y(r.median)}" for px, r in points),
        )
    )
    cut = round(left + start * slot, 1)
    parts.append(
        format_html(
            '<line class="cutoff" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#303030" '
            'stroke-dasharray="4 3"/>',
            cut,
            cut,
            top,
            top + plot_h,
        )
    )
    every = max(1, len(months) // 8)
    for index, month in enumerate(months):
        if index % every == 0:
            parts.append(
                format_html(
                    '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x(index),
                    height - bottom + 16,
                    date_format(month_start(month), "YEAR_MONTH_FORMAT"),
                )
            )
    parts.append(charts.axis_line(y(0), left=left, right=width - right))
    return charts.svg_chart(title, width, height, parts)
