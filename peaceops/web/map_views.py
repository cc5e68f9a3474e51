"""The map page. The page is a shell: map.js reads the filters from the URL and fetches the
data from the API (points, aggregates, areas, boundaries) with the session."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.map_api import boundaries_version
from peaceops.incidents.models import VerificationStatus
from peaceops.incidents.selectors import FIELD_SOURCE, incident_sources
from peaceops.missions.models import Area, Mission
from peaceops.missions.selectors import missions_of_user

# One fixed colour per incident type code (legend and markers), distinguishable on the light
# base map and stable across languages and filters.
TYPE_COLOURS = {
    IncidentType.ARMED_CLASH: "#d62728",
    IncidentType.VIOLENCE_AGAINST_CIVILIANS: "#7b3294",
    IncidentType.EXPLOSIVE: "#ff7f0e",
    IncidentType.HOSTILE_ACT_PEACEKEEPERS: "#0b5cad",
    IncidentType.RESTRICTION_OF_MOVEMENT: "#17a3b8",
    IncidentType.PROTEST: "#e377c2",
    IncidentType.CRIME: "#8c564b",
    IncidentType.DISPLACEMENT: "#2ca02c",
    IncidentType.INFORMATION: "#a6a61a",
    IncidentType.SAFETY_INCIDENT: "#6b6b6b",
    IncidentType.NATURAL_HAZARD: "#00695c",
    IncidentType.STRATEGIC_DEVELOPMENT: "#393b79",
    IncidentType.OTHER: "#303030",
}

# Mission areas: outline colour and dash per kind.
AREA_STYLES = {
    Area.Kind.AREA_OF_RESPONSIBILITY: {"color": "#0b5cad", "dashArray": ""},
    Area.Kind.BUFFER_ZONE: {"color": "#b35900", "dashArray": "6 4"},
    Area.Kind.PROTECTED_SITE: {"color": "#1a7f37", "dashArray": ""},
    Area.Kind.BASE: {"color": "#1b1f24", "dashArray": "2 3"},
}


def source_label(source: str) -> str:
    """A readable name for a `source` filter value (an incident's external_source)."""
    if source == FIELD_SOURCE:
        return _("Reported in peaceops")
    if source == "ucdp_ged":
        return _("UCDP GED")
    if source == "acled":
        return _("ACLED")
    if source.startswith("tabular:"):
        return _("Spreadsheet “%(name)s”") % {"name": source.removeprefix("tabular:")}
    return source


def source_choices(user: Any) -> list[tuple[str, str]]:
    """(value, label) for the sources of the incidents the user may see."""
    return [(source, source_label(source)) for source in incident_sources(user=user)]


def boundaries_url() -> str:
    """The base map's boundaries, with the version that lets browsers cache them."""
    return f"{reverse('api:boundaries')}?v={boundaries_version()}"


def report_map_config(missions: Iterable[Mission]) -> dict[str, Any]:
    """What incident_form.js needs for the map under the coordinates of the report form."""
    return {
        "boundariesUrl": boundaries_url(),
        "missions": {str(m.pk): list(m.host_countries or []) for m in missions},
        "strings": {
            "finding": _("Finding your position…"),
            "found": _("Position filled in. Check it before sending."),
            "noPosition": _("Your position is not available. Type the coordinates instead."),
            "placed": _("Point placed at latitude %(latitude)s, longitude %(longitude)s."),
            "baseMapError": _(
                "The map could not be loaded. Type the latitude and longitude instead."
            ),
            "attribution": _("Boundaries: Natural Earth (public domain)"),
        },
    }


def _js_strings() -> dict[str, str]:
    """What map.js shows, translated here; `%(name)s` is filled in by the script."""
    return {
        "loading": _("Loading incidents…"),
        "loadingProgress": _("Loading incidents… (%(percent)s)"),
        "empty": _("No incidents match these filters."),
        "error": _(
            "The incidents could not be loaded. Check your connection and press Retry. "
            "If it keeps failing, reload the page."
        ),
        "signedOut": _("Your session has ended. Sign in again, then reload this page."),
        "badFilter": _("A filter is not valid: %(detail)s Correct it and apply the filters."),
        "shown": _("Incidents on the map: %(count)s."),
        "truncated": _(
            "Showing the newest %(count)s incidents only. Narrow the filters (dates, type or "
            "mission) to see older ones."
        ),
        "cardLoading": _("Loading the incident…"),
        "cardError": _("The incident could not be loaded. It may have been removed."),
        "open": _("Open the incident"),
        "close": _("Close"),
        "type": _("Type"),
        "date": _("Date"),
        "place": _("Place"),
        "fatalities": _("Fatalities"),
        "status": _("Status"),
        "mission": _("Mission"),
        "allTime": _("All dates"),
        "cells": _("PRIO-GRID cells with incidents: %(count)s."),
        "cellSummary": _("Incidents: %(incidents)s. Fatalities: %(fatalities)s."),
        "orMore": _("%(count)s or more"),
        "noAreas": _("No admin-1 areas match these filters."),
        "areasError": _("The mission areas of %(mission)s could not be loaded."),
        "baseMapError": _("The country boundaries could not be loaded; reload the page."),
        "attribution": _("Boundaries: Natural Earth (public domain)"),
        "alertsShown": _("Open early-warning alerts on the map: %(count)s."),
        "alertsError": _("The alerts could not be loaded; untick and tick the box to retry."),
    }


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    missions = list(missions_of_user(user=request.user))
    types = [
        {"code": code, "label": str(label), "colour": TYPE_COLOURS[code]}
        for code, label in IncidentType.choices
    ]
    statuses = [{"code": code, "label": str(label)} for code, label in VerificationStatus.choices]
    area_kinds = [
        {"code": code, "label": str(label), **AREA_STYLES[code]}
        for code, label in Area.Kind.choices
    ]
    config = {
        "pointsUrl": reverse("api:incident_map_points"),
        "aggregatesUrl": reverse("api:incident_map_aggregates"),
        "incidentUrl": reverse("api:get_incident", args=[0]).removesuffix("0"),
        "incidentPageUrl": reverse("web:incident-detail", args=[0]).removesuffix("0/"),
        "boundariesUrl": boundaries_url(),
        "areasUrls": {m.acronym: reverse("api:list_areas", args=[m.acronym]) for m in missions},
        "alertsUrl": reverse("api:alerts_geojson"),
        "alertPageUrl": reverse("web:alert-detail", args=[0]).removesuffix("0/"),
    }
    return render(
        request,
        "web/map.html",
        {
            "missions": missions,
            "types": types,
            "statuses": statuses,
            "area_kinds": area_kinds,
            "sources": source_choices(request.user),
            "map_config": config,
            "map_types": {t["code"]: {"label": t["label"], "colour": t["colour"]} for t in types},
            "map_statuses": {s["code"]: s["label"] for s in statuses},
            "map_area_kinds": {k["code"]: k for k in area_kinds},
            "map_strings": _js_strings(),
        },
    )
