"""The incident list: filters in the URL, sorting, pages, and the boxes to tick for the
triage actions (triage_views.py)."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peaceops.accounts.models import User
from peaceops.core.errors import (
    ValidationFailed,
)
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.models import VerificationStatus
from peaceops.incidents.selectors import (
    IncidentFilters,
)
from peaceops.incidents.selectors_dashboard import (
    DEFAULT_SORT,
    SORTS,
    assignee_choices,
    incident_triage_page,
    reviewable_mission_ids,
)
from peaceops.missions.selectors import missions_of_user
from peaceops.web.map_views import source_choices

PAGE_SIZE = 50

EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("geojson", "GeoJSON"), ("parquet", "Parquet"))

SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "fatalities": gettext_lazy("Most fatalities first"),
    "status": gettext_lazy("Verification status"),
}


def list_url(**params: Any) -> str:
    """The incident list with these filters (empty ones left out)."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value not in (None, ""):
            query[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    url = reverse("web:incident-list")
    return f"{url}?{query.urlencode()}" if query else url


def parse_date_or_none(value: str) -> dt.date | None:
    """parse_date, but None for a well-formed impossible date (2022-13-01) too."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def _date_param(request: HttpRequest, name: str, problems: list[str]) -> dt.date | None:
    value = request.GET.get(name) or ""
    if not value:
        return None
    parsed = parse_date_or_none(value) if len(value) == 10 else None
    if parsed is None:
        problems.append(
            _("“%(value)s” is not a date. Give dates as YYYY-MM-DD; that filter was ignored.")
            % {"value": value}
        )
    return parsed


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        return 1


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    filters = IncidentFilters(
        mission=request.GET.get("mission") or None,
        country=request.GET.get("country") or None,
        admin1=request.GET.get("admin1") or None,
        incident_type=request.GET.get("type") or None,
        verification_status=request.GET.get("verification") or None,
        started_from=_date_param(request, "date_from", problems),
        started_to=_date_param(request, "date_to", problems),
        text=request.GET.get("q") or None,
        source=request.GET.get("source") or None,
    )
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT
    try:
        page = incident_triage_page(
            user=request.user,
            filters=filters,
            sort=sort,
            cursor=request.GET.get("cursor"),
            page=_page_number(request),
            limit=PAGE_SIZE,
        )
    except ValidationFailed as exc:
        raise BadRequest(exc.message) from exc

    def with_page(**changes: Any) -> str:
        query = request.GET.copy()
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return query.urlencode()

    next_query = prev_query = None
    if page.next_cursor:
        next_query = with_page(cursor=page.next_cursor)
    elif page.has_next:
        next_query = with_page(page=str(page.page + 1), cursor=None)
    if sort != DEFAULT_SORT and page.page > 1:
        prev_query = with_page(page=str(page.page - 1), cursor=None)

    export_query = QueryDict(mutable=True)  # the list's filter names are the API's
    for name, value in request.GET.items():
        if value and name not in ("cursor", "page", "sort"):
            export_query[name] = value

    reviewable = reviewable_mission_ids(user=request.user)
    may_triage = reviewable is None or bool(reviewable)
    rows = [
        {
            "incident": incident,
            "reviewable": reviewable is None or incident.mission_id in reviewable,
        }
        for incident in page.items
    ]
    triage = may_triage and any(row["reviewable"] for row in rows)
    assignees: list[User] = []
    if triage:
        on_page = {row["incident"].mission_id for row in rows if row["reviewable"]}
        assignees = list(assignee_choices(user=request.user, mission_ids=on_page))
    missions = list(missions_of_user(user=request.user))
    mission = next(
        (m for m in missions if filters.mission and m.acronym.lower() == filters.mission.lower()),
        None,
    )
    return render(
        request,
        "web/incident_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "admin1": filters.admin1,
            "sort": sort,
            "sorts": list(SORT_LABELS.items()),
            "problems": problems,
            "next_query": next_query,
            "prev_query": prev_query,
            "export_query": export_query.urlencode(),
            "export_formats": EXPORT_FORMATS,
            "missions": missions,
            "mission": mission,
            "types": IncidentType.choices,
            "statuses": VerificationStatus.choices,
            "sources": source_choices(request.user),
            "triage": triage,
            "assignees": assignees,
            "list_query": request.GET.urlencode(),
        },
    )
