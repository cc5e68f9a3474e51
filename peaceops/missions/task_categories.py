"""The 21 mandated task categories of the Security Council Affairs Division (footnote 32 of
the study summarised in shared/reference/models-and-capabilities.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskCategory(models.IntegerChoices):
    POLICE_MILITARY_SUPPORT = 1, _("Support to local police and military")
    CEASEFIRE_MONITORING = 2, _("Ceasefire monitoring")
    MARITIME_SECURITY = 3, _("Maritime security")
    SECURITY_MONITORING = 4, _("Security monitoring, patrolling and deterrence")
    PROTECTION_OF_PERSONNEL = (
        5,
        _("Protection of humanitarian and UN personnel and facilities, freedom of movement"),
    )
    SECURITY_SECTOR_REFORM = 6, _("Security sector reform")
    DEMILITARISATION = 7, _("Demilitarisation and arms management")
    HUMANITARIAN_SUPPORT = 8, _("Humanitarian support")
    HUMAN_RIGHTS = 9, _("Human rights, women and peace and security, children and armed conflict")
    RULE_OF_LAW = 10, _("Rule of law and judicial matters")
    POLITICAL_PROCESS = 11, _("Political process")
    ELECTORAL_ASSISTANCE = 12, _("Electoral assistance")
    STATE_INSTITUTIONS = 13, _("Support to state institutions")
    INTERNATIONAL_COOPERATION = 14, _("International cooperation and coordination")
    SANCTIONS = 15, _("Support to sanctions regimes")
    PUBLIC_INFORMATION = 16, _("Public information")
    CIVIL_MILITARY = 17, _("Civil-military coordination")
    CONTINGENCY_PLANNING = 18, _("Contingency planning")
    IMPACT_ASSESSMENT = 19, _("Mission impact assessment")
    PROTECTION_OF_CIVILIANS = 20, _("Protection of civilians, including refugees and IDPs")
    USE_OF_FORCE = 21, _("Chapter VII authorisation to use force")
