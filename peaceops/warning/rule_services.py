"""Writes for trigger rules: create, change, switch off. Analysts of the mission configure
them (Action.WARNING_CONFIGURE); settings are checked per kind (rule_params.py)."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peaceops.accounts.models import User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import restrict
from peaceops.core.classification import Classification
from peaceops.core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from peaceops.core.roles import Action
from peaceops.missions.models import Area, Mission
from peaceops.warning.models import Rule, Severity
from peaceops.warning.rule_params import clean_incident_types, parse_params

RULE_FIELDS = frozenset(
    {"name", "kind", "active", "incident_types", "parameters", "severity", "classification"}
)


def _clean(values: dict[str, Any], *, mission_id: int, actor: User) -> dict[str, Any]:
    unknown = set(values) - RULE_FIELDS
    if unknown:
        raise ValidationFailed({field: [_("Unknown field.")] for field in sorted(unknown)})
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed({"name": [_("Give the rule a name of up to 200 characters.")]})
    kind = values.get("kind")
    params = parse_params(kind, values.get("parameters") or {})
    area_id = getattr(params, "area_id", None)
    if area_id is not None and not Area.objects.filter(pk=area_id, mission_id=mission_id).exists():
        raise ValidationFailed({"parameters.area_id": [_("No such area in this mission.")]})
    severity = values.get("severity", Severity.HIGH)
    if severity not in Severity.values:
        raise ValidationFailed({"severity": [_("Unknown severity.")]})
    classification = values.get("classification", Classification.INTERNAL)
    if classification not in Classification.values:
        raise ValidationFailed({"classification": [_("Unknown classification.")]})
    if not access_scope_for_user(actor).can_see(mission_id, classification):
        raise ValidationFailed(
            {"classification": [_("You cannot classify above your own clearance.")]}
        )
    return {
        "name": name,
        "kind": kind,
        "active": bool(values.get("active", True)),
        "incident_types": clean_incident_types(values.get("incident_types", [])),
        "parameters": params.model_dump(mode="json", exclude_none=True),
        "severity": severity,
        "classification": classification,
    }


def require_configure(actor: User, mission_id: int) -> None:
    if not access_scope_for_user(actor).allows(Action.WARNING_CONFIGURE, mission_id):
        raise PermissionDenied()


@transaction.atomic
def rule_create(*, actor: User, mission: Mission, **values: Any) -> Rule:
    require_configure(actor, mission.pk)
    cleaned = _clean(values, mission_id=mission.pk, actor=actor)
    if Rule.objects.filter(mission=mission, name=cleaned["name"]).exists():
        raise ConflictError(_("This mission has a rule with this name already."))
    return Rule.objects.create(mission=mission, created_by=actor, **cleaned)


@transaction.atomic
def rule_update(*, actor: User, rule_id: int, version: int, **changes: Any) -> Rule:
    scope = access_scope_for_user(actor)
    rule = restrict(Rule.objects.select_for_update(), scope).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    require_configure(actor, rule.mission_id)
    current = {field: getattr(rule, field) for field in RULE_FIELDS}
    cleaned = _clean({**current, **changes}, mission_id=rule.mission_id, actor=actor)
    if (
        Rule.objects.filter(mission_id=rule.mission_id, name=cleaned["name"])
        .exclude(pk=rule.pk)
        .exists()
    ):
        raise ConflictError(_("This mission has a rule with this name already."))
    updated = Rule.objects.filter(pk=rule.pk, version=version).update(
        version=version + 1, updated_at=timezone.now(), **cleaned
    )
    if not updated:
        raise ConflictError(_("Someone else changed this rule. Reload it and try again."))
    rule.refresh_from_db()
    return rule
