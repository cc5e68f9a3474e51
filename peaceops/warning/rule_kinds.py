"""What each trigger-rule kind finds. A kind reads incidents (or forecasts) and returns
`Firing`s: one per situation that meets the rule, each saying why. Opening or updating
alerts from firings is triggers.py's job; choosing which rules to run, evaluation.py's.

Rules read every incident of their own mission except rejected ones, whatever its
classification (they run as the system); an alert they open is classified at least as high
as the most restricted incident behind it, so it shows nothing to anyone who could not see
those incidents.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Count, QuerySet
from shapely.geometry import Point, box

from peaceops.core.classification import ORDER, rank
from peaceops.core.geo.countries import country_name
from peaceops.core.geo.distance import distance_km, km_to_degrees_box
from peaceops.core.geo.points import LocationPrecision
from peaceops.core.geo.priogrid import cell_bounds, cell_centroid, priogrid_gid
from peaceops.core.geo.shapes import parse_area_geometry
from peaceops.core.taxonomy import IncidentType
from peaceops.incidents.models import Incident, VerificationStatus
from peaceops.missions.models import Area
from peaceops.warning.forecast_signals import forecast_signals
from peaceops.warning.models import Rule
from peaceops.warning.rule_params import (
    ForecastParams,
    ProximityParams,
    SpikeParams,
    ThresholdParams,
)
from peaceops.warning.spike_test import expected_rate, poisson_upper_tail


@dataclass(frozen=True)
class Firing:
    situation: str  # what the rule watches: "admin1:Ouaka", "cell:151234", "site:7", "cm:CAF"
    fingerprint: str  # what made it fire now; the same data fires the same fingerprint
    title: str
    threat_type: str
    classification: str
    why: dict[str, Any]  # numbers behind the decision (rendered by explain.py)
    incident_ids: tuple[int, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str = LocationPrecision.ADMIN1
    location_name: str = ""
    area_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# (pk, group key, fatalities, classification, type, latitude, longitude, started_at)
Row = tuple[int, Any, int, str, str, float | None, float | None, datetime]
COLUMNS = ("pk", "fatalities", "classification", "incident_type", "latitude", "longitude")


def rule_incidents(rule: Rule) -> QuerySet[Incident]:
    queryset = Incident.objects.filter(mission_id=rule.mission_id).exclude(
        verification_status=VerificationStatus.REJECTED
    )
    if rule.incident_types:
        queryset = queryset.filter(incident_type__in=rule.incident_types)
    return queryset


def _rows(queryset: QuerySet[Incident], key: str | None) -> list[Row]:
    return list(queryset.values_list("pk", key or "mission_id", *COLUMNS[1:], "started_at"))


def _highest(rule: Rule, rows: Iterable[Row]) -> str:
    return ORDER[max([rank(rule.classification), *(rank(row[3]) for row in rows)])]


def _main_type(rows: list[Row]) -> str:
    counts = Counter(row[4] for row in rows)
    return max(sorted(counts), key=lambda kind: counts[kind])


def _centre(rows: list[Row]) -> tuple[float | None, float | None]:
    points = [(row[5], row[6]) for row in rows if row[5] is not None]
    if not points:
        return None, None
    return (
        round(sum(p[0] for p in points) / len(points), 5),
        round(sum(p[1] for p in points) / len(points), 5),
    )


def _group_label(key: str, value: Any) -> str:
    return f"PRIO-GRID {value}" if key == "priogrid_gid" else str(value)


UNIT_COLUMN = {"admin1": "admin1", "priogrid": "priogrid_gid"}


def _unit_filter(
    queryset: QuerySet[Incident], column: str, incident: Incident | None
) -> QuerySet[Incident] | None:
    """Narrow to the incident's own unit when evaluating for one incident; None when it has
    no such unit (no admin-1 name, no point)."""
    if incident is None:
        blank = {column: ""} if column == "admin1" else {f"{column}__isnull": True}
        return queryset.exclude(**blank)
    value = getattr(incident, column)
    if value in ("", None):
        return None
    return queryset.filter(**{column: value})


def _unit_firing(
    rule: Rule,
    column: str,
    key: Any,
    rows: list[Row],
    *,
    place: str,
    why: dict[str, Any],
    area: Area | None = None,
) -> Firing:
    """A finding about one place (admin-1 area, cell or mission area) from its incidents."""
    if column == "priogrid_gid":
        latitude, longitude = cell_centroid(key)
    else:
        latitude, longitude = _centre(rows)
    return Firing(
        situation=f"{column}:{key}",
        fingerprint=f"max:{max(row[0] for row in rows)}",
        title=f"{rule.name}: {place}",
        threat_type=_main_type(rows),
        classification=_highest(rule, rows),
        why=why,
        incident_ids=tuple(sorted(row[0] for row in rows)),
        latitude=latitude,
        longitude=longitude,
        location_precision=(
            LocationPrecision.ADMIN1 if column == "admin1" else LocationPrecision.REGION
        ),
        location_name=place,
        area_id=area.pk if area is not None else None,
    )


@lru_cache(maxsize=512)
def _geometry(area_id: int, version: int, geometry_json: str) -> Any:
    return parse_area_geometry(json.loads(geometry_json))


def area_shape(area: Area) -> Any:
    """The area's polygon, parsed once per version."""
    return _geometry(area.pk, area.version, json.dumps(area.geometry, sort_keys=True))


def threshold(
    rule: Rule, params: ThresholdParams, *, as_of: datetime, incident: Incident | None
) -> list[Firing]:
    window = rule_incidents(rule).filter(
        started_at__gt=as_of - timedelta(days=params.window_days), started_at__lte=as_of
    )
    groups: dict[Any, list[Row]] = defaultdict(list)
    area = None
    if params.group_by == "area":
        area = Area.objects.filter(pk=params.area_id, mission_id=rule.mission_id).first()
        if area is None:
            return []
        shape = area_shape(area)
        inside = window.filter(
            latitude__gte=area.min_latitude,
            latitude__lte=area.max_latitude,
            longitude__gte=area.min_longitude,
            longitude__lte=area.max_longitude,
        )
        if incident is not None and not inside.filter(pk=incident.pk).exists():
            return []
        for row in _rows(inside, None):
            if shape.covers(Point(row[6], row[5])):
                groups[area.pk].append(row)
        column = "area"
    else:
        column = UNIT_COLUMN[params.group_by]
        narrowed = _unit_filter(window, column, incident)
        if narrowed is None:
            return []
        for row in _rows(narrowed, column):
            groups[row[1]].append(row)
    firings = []
    for key, rows in sorted(groups.items(), key=lambda item: str(item[0])):
        count, fatalities = len(rows), sum(row[2] for row in rows)
        met = (params.min_incidents is not None and count >= params.min_incidents) or (
            params.min_fatalities is not None and fatalities >= params.min_fatalities
        )
        if not met:
            continue
        place = area.name if area is not None else _group_label(column, key)
        why = {
            "kind": "threshold",
            "place": place,
            "incidents": count,
            "fatalities": fatalities,
            "window_days": params.window_days,
            "min_incidents": params.min_incidents,
            "min_fatalities": params.min_fatalities,
        }
        firings.append(_unit_firing(rule, column, key, rows, place=place, why=why, area=area))
    return firings


def spike(
    rule: Rule, params: SpikeParams, *, as_of: datetime, incident: Incident | None
) -> list[Firing]:
    column = UNIT_COLUMN[params.unit]
    window = timedelta(days=params.window_days)
    start = as_of - window * (params.baseline_windows + 1)
    recent_from = as_of - window
    narrowed = _unit_filter(
        rule_incidents(rule).filter(started_at__gt=start, started_at__lte=as_of), column, incident
    )
    if narrowed is None:
        return []
    recent: dict[Any, list[Row]] = defaultdict(list)
    for row in _rows(narrowed.filter(started_at__gt=recent_from), column):
        recent[row[1]].append(row)
    if not any(len(rows) >= params.min_incidents for rows in recent.values()):
        return []
    baseline: Counter[Any] = Counter(
        dict(
            narrowed.filter(started_at__lte=recent_from)
            .order_by()
            .values_list(column)
            .annotate(count=Count("pk"))
            .values_list(column, "count")
        )
    )
    firings = []
    for key, rows in sorted(recent.items(), key=lambda item: str(item[0])):
        observed = len(rows)
        if observed < params.min_incidents:
            continue
        rate = expected_rate(baseline[key], params.baseline_windows)
        p_value = poisson_upper_tail(observed, rate)
        if p_value >= params.alpha:
            continue
        place = _group_label(column, key)
        why = {
            "kind": "spike",
            "place": place,
            "observed": observed,
            "baseline": baseline[key],
            "baseline_windows": params.baseline_windows,
            "window_days": params.window_days,
            "expected": round(rate, 3),
            "p_value": float(f"{p_value:.3g}"),
            "alpha": params.alpha,
        }
        firings.append(_unit_firing(rule, column, key, rows, place=place, why=why))
    return firings


def proximity(
    rule: Rule, params: ProximityParams, *, as_of: datetime, incident: Incident | None
) -> list[Firing]:
    window = rule_incidents(rule).filter(
        started_at__gt=as_of - timedelta(days=params.window_days),
        started_at__lte=as_of,
        latitude__isnull=False,
    )
    if incident is not None:
        window = window.filter(pk=incident.pk)
    sites = list(
        Area.objects.filter(mission_id=rule.mission_id, kind__in=params.area_kinds).order_by("pk")
    )
    candidates = _rows(window, None) if sites else []
    firings = []
    for site in sites:
        margin_lat, margin_lon = km_to_degrees_box(
            max(abs(site.min_latitude), abs(site.max_latitude)), params.distance_km
        )
        boxed = [
            row
            for row in candidates
            if site.min_latitude - margin_lat <= row[5] <= site.max_latitude + margin_lat
            and site.min_longitude - margin_lon <= row[6] <= site.max_longitude + margin_lon
        ]
        if not boxed:
            continue
        shape = area_shape(site)
        near = []
        for row in boxed:
            distance = distance_km(row[5], row[6], shape)
            if distance <= params.distance_km:
                near.append((distance, row))
        if not near:
            continue
        rows = [row for _distance, row in near]
        closest_distance, closest = min(near, key=lambda pair: (pair[0], pair[1][0]))
        firings.append(
            Firing(
                situation=f"site:{site.pk}",
                fingerprint=f"max:{max(row[0] for row in rows)}",
                title=f"{rule.name}: {site.name}",
                threat_type=_main_type(rows),
                classification=_highest(rule, rows),
                why={
                    "kind": "proximity",
                    "place": site.name,
                    "incidents": len(rows),
                    "closest_km": round(closest_distance, 2),
                    "distance_km": params.distance_km,
                    "window_days": params.window_days,
                },
                incident_ids=tuple(sorted(row[0] for row in rows)),
                latitude=closest[5],
                longitude=closest[6],
                location_precision=LocationPrecision.NEAR,
                location_name=site.name,
                area_id=site.pk,
            )
        )
    return firings


def _months(as_of: datetime, count: int) -> tuple[date, date]:
    first = date(as_of.year, as_of.month, 1)
    index = first.year * 12 + first.month - 1 + count - 1
    return first, date(index // 12, index % 12 + 1, 1)


def forecast_units(rule: Rule, level: str) -> list[str]:
    """The units a forecast rule watches: the host countries, or the PRIO-GRID cells that
    touch the mission's areas of responsibility."""
    if level == "cm":
        return sorted(rule.mission.host_countries)
    cells: set[int] = set()
    for area in Area.objects.filter(
        mission_id=rule.mission_id, kind=Area.Kind.AREA_OF_RESPONSIBILITY
    ):
        shape = area_shape(area)
        lat = area.min_latitude
        while lat <= area.max_latitude + 0.5:
            lon = area.min_longitude
            while lon <= area.max_longitude + 0.5:
                gid = priogrid_gid(min(lat, 89.99), min(lon, 179.99))
                if shape.intersects(box(*cell_bounds(gid))):
                    cells.add(gid)
                lon += 0.5
            lat += 0.5
    return [str(gid) for gid in sorted(cells)]


def forecast(
    rule: Rule, params: ForecastParams, *, as_of: datetime, incident: Incident | None
) -> list[Firing]:
    if incident is not None:
        return []  # forecasts change when a forecast run stores new ones, not per incident
    first, last = _months(as_of, params.months_ahead)
    signals = [
        signal
        for signal in forecast_signals(
            level=params.level,
            units=forecast_units(rule, params.level),
            threshold=params.threshold,
            first_month=first,
            last_month=last,
        )
        if signal.probability >= params.min_probability
    ]
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for signal in signals:
        by_unit[signal.unit].append(signal)
    firings = []
    for unit, unit_signals in sorted(by_unit.items()):
        top = max(unit_signals, key=lambda signal: (signal.probability, signal.month))
        if params.level == "cm":
            place = country_name(unit) or unit
            latitude = longitude = None
        else:
            place = f"PRIO-GRID {unit}"
            latitude, longitude = cell_centroid(int(unit))
        firings.append(
            Firing(
                situation=f"{params.level}:{unit}",
                fingerprint=f"{top.reference}:{top.month:%Y-%m}"[:200],
                title=f"{rule.name}: {place}",
                threat_type=IncidentType.ARMED_CLASH,
                classification=rule.classification,
                why={
                    "kind": "forecast",
                    "place": place,
                    "level": params.level,
                    "month": f"{top.month:%Y-%m}",
                    "probability": round(top.probability, 3),
                    "min_probability": params.min_probability,
                    "threshold": params.threshold,
                    "median": top.median,
                    "reference": top.reference,
                },
                latitude=latitude,
                longitude=longitude,
                location_precision=(
                    LocationPrecision.COUNTRY if params.level == "cm" else LocationPrecision.REGION
                ),
                location_name=place,
            )
        )
    return firings


KINDS = {
    Rule.Kind.THRESHOLD: threshold,
    Rule.Kind.SPIKE: spike,
    Rule.Kind.PROXIMITY: proximity,
    Rule.Kind.FORECAST: forecast,
}
