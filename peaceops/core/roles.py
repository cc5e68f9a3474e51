"""Roles a membership can carry, and what each role may do.

The map is the single statement of who may do what; `core.access` applies it.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    ANALYST = "analyst", _("Analyst")
    VERIFIER = "verifier", _("Verifier")
    MISSION_ADMIN = "mission_admin", _("Mission administrator")
    HQ_READER = "hq_reader", _("Headquarters reader")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Roles that may be held for every mission at once (membership without a mission).
GLOBAL_ROLES = frozenset({Role.HQ_READER, Role.SYSTEM_ADMIN})


class Action(StrEnum):
    VIEW = "view"
    INCIDENT_CREATE = "incident_create"
    INCIDENT_EDIT_OWN = "incident_edit_own"
    INCIDENT_EDIT_ANY = "incident_edit_any"
    INCIDENT_REVIEW = "incident_review"
    INCIDENT_IMPORT = "incident_import"
    MISSION_ADMIN = "mission_admin"
    ALERT_RAISE = "alert_raise"  # field staff report an early-warning alert
    ALERT_RESPOND = "alert_respond"  # acknowledge, plan and record responses, close
    WARNING_CONFIGURE = "warning_configure"  # trigger rules, notification subscriptions


_READ = {Action.VIEW}
_REPORT = _READ | {Action.INCIDENT_CREATE, Action.INCIDENT_EDIT_OWN, Action.ALERT_RAISE}
_ANALYSE = _REPORT | {
    Action.INCIDENT_EDIT_ANY,
    Action.INCIDENT_IMPORT,
    Action.ALERT_RESPOND,
    Action.WARNING_CONFIGURE,
}
_VERIFY = _ANALYSE | {Action.INCIDENT_REVIEW}

PERMISSIONS: dict[str, frozenset[Action]] = {
    Role.REPORTER: frozenset(_REPORT),
    Role.ANALYST: frozenset(_ANALYSE),
    Role.VERIFIER: frozenset(_VERIFY),
    Role.MISSION_ADMIN: frozenset(_VERIFY | {Action.MISSION_ADMIN}),
    Role.HQ_READER: frozenset(_READ),
    Role.SYSTEM_ADMIN: frozenset(_VERIFY | {Action.MISSION_ADMIN}),
}
