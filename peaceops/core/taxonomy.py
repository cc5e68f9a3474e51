"""Incident taxonomy: a fixed two-level vocabulary (type / subtype) with stable codes.

Codes are English snake_case and never change; labels are translated. Importers map external
vocabularies (UCDP, ACLED) onto these codes and keep the original values in the raw record.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentType(models.TextChoices):
    ARMED_CLASH = "armed_clash", _("Armed clash")
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians", _("Violence against civilians")
    EXPLOSIVE = "explosive", _("Explosion / remote violence")
    HOSTILE_ACT_PEACEKEEPERS = "hostile_act_peacekeepers", _("Hostile act against peacekeepers")
    RESTRICTION_OF_MOVEMENT = "restriction_of_movement", _("Restriction of movement")
    PROTEST = "protest", _("Protest or riot")
    CRIME = "crime", _("Crime")
    DISPLACEMENT = "displacement", _("Displacement")
    INFORMATION = "information", _("Information incident")
    SAFETY_INCIDENT = "safety_incident", _("Safety incident")
    NATURAL_HAZARD = "natural_hazard", _("Natural hazard")
    STRATEGIC_DEVELOPMENT = "strategic_development", _("Strategic development")
    OTHER = "other", _("Other")


SUBTYPES: dict[str, dict[str, str]] = {
    IncidentType.ARMED_CLASH: {
        "state_based": _("State-based"),
        "non_state": _("Non-state"),
        "unknown": _("Unknown"),
    },
    IncidentType.VIOLENCE_AGAINST_CIVILIANS: {
        "attack": _("Attack"),
        "abduction": _("Abduction"),
        "sexual_violence": _("Sexual violence"),
        "grave_violation_child": _("Grave violation against a child"),
    },
    IncidentType.EXPLOSIVE: {
        "ied": _("Improvised explosive device"),
        "mine_uxo": _("Mine or unexploded ordnance"),
        "shelling_artillery": _("Shelling / artillery"),
        "air_drone_strike": _("Air or drone strike"),
        "suicide_bomb": _("Suicide bomb"),
    },
    IncidentType.HOSTILE_ACT_PEACEKEEPERS: {
        "direct_fire": _("Direct fire"),
        "indirect_fire": _("Indirect fire"),
        "ied": _("Improvised explosive device"),
        "ambush": _("Ambush"),
        "attack_on_base": _("Attack on a base"),
        "drone": _("Drone"),
    },
    IncidentType.RESTRICTION_OF_MOVEMENT: {
        "blocked_route": _("Blocked route"),
        "denial_of_access": _("Denial of access"),
        "provocation": _("Provocation"),
        "temporary_detention": _("Temporary detention"),
        "confiscation": _("Confiscation"),
    },
    IncidentType.PROTEST: {
        "peaceful": _("Peaceful protest"),
        "violent": _("Violent demonstration / riot"),
        "excessive_force": _("Excessive force against protesters"),
    },
    IncidentType.CRIME: {
        "cattle_raiding": _("Cattle raiding"),
        "armed_robbery": _("Armed robbery"),
        "trafficking": _("Trafficking"),
        "other": _("Other crime"),
    },
    IncidentType.DISPLACEMENT: {
        "new_displacement": _("New displacement"),
        "return": _("Return"),
    },
    IncidentType.INFORMATION: {
        "hate_speech": _("Hate speech"),
        "disinformation": _("Disinformation"),
        "threat_against_un": _("Threat against the UN"),
    },
    IncidentType.SAFETY_INCIDENT: {
        "road_accident": _("Road accident"),
        "aviation": _("Aviation"),
        "fire": _("Fire"),
        "medical": _("Medical"),
        "other": _("Other"),
    },
    IncidentType.NATURAL_HAZARD: {
        "flood": _("Flood"),
        "drought": _("Drought"),
        "fire": _("Fire"),
        "epidemic": _("Epidemic"),
    },
    IncidentType.STRATEGIC_DEVELOPMENT: {
        "agreement": _("Agreement"),
        "arrest": _("Arrest"),
        "troop_movement": _("Troop movement"),
        "other": _("Other"),
    },
    IncidentType.OTHER: {"other": _("Other")},
}


def is_valid_subtype(incident_type: str, subtype: str) -> bool:
    return subtype in SUBTYPES.get(incident_type, {})


class SourceReliability(models.TextChoices):
    """Admiralty scale, reliability of the source."""

    A = "A", _("A - Completely reliable")
    B = "B", _("B - Usually reliable")
    C = "C", _("C - Fairly reliable")
    D = "D", _("D - Not usually reliable")
    E = "E", _("E - Unreliable")
    F = "F", _("F - Reliability cannot be judged")


class InformationCredibility(models.IntegerChoices):
    """Admiralty scale, credibility of the information."""

    CONFIRMED = 1, _("1 - Confirmed by other sources")
    PROBABLY_TRUE = 2, _("2 - Probably true")
    POSSIBLY_TRUE = 3, _("3 - Possibly true")
    DOUBTFUL = 4, _("4 - Doubtful")
    IMPROBABLE = 5, _("5 - Improbable")
    CANNOT_JUDGE = 6, _("6 - Truth cannot be judged")
