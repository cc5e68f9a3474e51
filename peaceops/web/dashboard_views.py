"""The mission dashboard: charts and tables of the last 24 months, hostile acts against
peacekeepers and restrictions of movement, top areas, and the review backlog."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.roles import Action
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.models import VerificationStatus
from peaceops.incidents.selectors_dashboard import (
    Cell,
    MissionDashboard,
    dashboard_months,
    mission_dashboard,
)
from peaceops.missions.selectors import missions_of_user
from peaceops.web import charts
from peaceops.web.list_views import list_url, parse_date_or_none
from peaceops.web.map_views import TYPE_COLOURS


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _dashboard_context(data: MissionDashboard) -> dict[str, Any]:
    acronym = data.mission.acronym
    months = data.months
    type_labels = dict(IncidentType.choices)

    def type_series(types: list[str]) -> list[charts.Series]:
        return [
            charts.Series(key=t, label=str(type_labels[t]), color=TYPE_COLOURS.get(t, "#666"))
            for t in types
        ]

    def month_link(month: dt.date, **params: Any) -> str:
        return list_url(mission=acronym, date_from=month, date_to=_month_end(month), **params)

    categories = [(m, charts.month_label(m)) for m in months]

    def chart(title: str, series: list[charts.Series], value: Any) -> Any:
        """Stacked bars per month and type; a segment leads to its incidents."""
        return charts.stacked_bars(
            title=title % {"mission": acronym},
            categories=categories,
            series=series,
            value=value,
            link=lambda m, t: month_link(m, type=t),
        )

    series = type_series(data.types)
    incidents_chart = chart(
        _("Incidents per month by type, %(mission)s"),
        series,
        lambda m, t: data.by_month_type.get((m, t), Cell()).incidents,
    )
    fatalities_chart = chart(
        _("Fatalities per month by type, %(mission)s"),
        series,
        lambda m, t: data.by_month_type.get((m, t), Cell()).fatalities,
    )
    pk_series = type_series(
        [IncidentType.HOSTILE_ACT_PEACEKEEPERS, IncidentType.RESTRICTION_OF_MOVEMENT]
    )
    pk_by_month = {row.month: row for row in data.peacekeepers}
    peacekeepers_chart = chart(
        _("Hostile acts against peacekeepers and restrictions of movement per month, %(mission)s"),
        pk_series,
        lambda m, t: (
            pk_by_month[m].hostile_acts
            if t == IncidentType.HOSTILE_ACT_PEACEKEEPERS
            else pk_by_month[m].restrictions
        ),
    )
    table = [
        {
            "label": label,
            "url": month_link(month),
            "cells": [
                {
                    "value": data.by_month_type.get((month, t), Cell()),
                    "url": month_link(month, type=t),
                }
                for t in data.types
            ],
            "total": data.month_totals[month],
        }
        for month, label in categories
    ]
    period = {"date_from": data.period_start, "date_to": data.period_end}
    return {
        "data": data,
        "series": series,
        "pk_series": pk_series,
        "incidents_chart": incidents_chart,
        "fatalities_chart": fatalities_chart,
        "peacekeepers_chart": peacekeepers_chart,
        "table": table,
        "type_totals": [
            {"total": data.type_totals[t], "url": list_url(mission=acronym, type=t, **period)}
            for t in data.types
        ],
        "peacekeeper_rows": [
            {
                "label": label,
                "row": pk_by_month[month],
                "hostile_url": month_link(month, type=IncidentType.HOSTILE_ACT_PEACEKEEPERS),
                "restrictions_url": month_link(month, type=IncidentType.RESTRICTION_OF_MOVEMENT),
            }
            for month, label in categories
        ],
        "areas": [
            {
                "row": row,
                "url": list_url(
                    mission=acronym, country=row.country_code, admin1=row.admin1, **period
                ),
            }
            for row in data.top_areas
        ],
        "backlog": [
            {
                "label": label,
                "count": data.status_counts[status],
                "url": list_url(mission=acronym, verification=status),
            }
            for status, label in VerificationStatus.choices
        ],
        "period_url": list_url(mission=acronym, **period),
        "unreviewed_url": list_url(
            mission=acronym, verification=VerificationStatus.REPORTED, sort="oldest"
        ),
    }


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The first of the user's missions; an explanation when they have none."""
    mission = missions_of_user(user=request.user).first()
    if mission is None:
        return render(request, "web/dashboard.html", {"mission": None, "missions": []})
    return redirect("web:dashboard", acronym=mission.acronym)


@login_required
def dashboard(request: HttpRequest, acronym: str) -> HttpResponse:
    missions = list(missions_of_user(user=request.user))
    mission = next((m for m in missions if m.acronym.lower() == acronym.lower()), None)
    if mission is None:
        raise Http404
    until = None
    if wanted := request.GET.get("until"):  # YYYY-MM: the last month shown
        until = parse_date_or_none(f"{wanted}-01") if len(wanted) == 7 else None
        if until is None:
            messages.error(
                request,
                _("“%(value)s” is not a month. Give it as YYYY-MM; showing the last 24 months.")
                % {"value": wanted},
            )
    data = mission_dashboard(user=request.user, mission=mission, until=until)
    context: dict[str, Any] = {"mission": mission, "missions": missions, "data": data}
    if data.total:
        context.update(_dashboard_context(data))
        current = dashboard_months(dt.datetime.now(dt.UTC).date())[-1]
        if data.months[-1] != current:
            context["current_url"] = reverse("web:dashboard", args=[mission.acronym])
        if data.latest and data.latest.date() < data.period_start:
            context["latest_url"] = "?" + QueryDict(f"until={data.latest:%Y-%m}").urlencode()
    scope = access_scope_for_user(request.user)
    context["may_report"] = scope.allows(Action.INCIDENT_CREATE, mission.pk)
    return render(request, "web/dashboard.html", context)
