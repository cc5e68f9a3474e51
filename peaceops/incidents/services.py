"""The only code that writes incidents. Each function is one transaction, checks the acting
user against the access policy, and appends a revision row with the previous values."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peaceops.accounts.models import Membership, User
from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.access import AccessScope, restrict
from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Action
from peaceops.incidents.models import (
    Actor,
    Casualty,
    Incident,
    IncidentActor,
    IncidentRevision,
    Source,
    VerificationStatus,
)
from peaceops.incidents.selectors import incident_editable_by
from peaceops.incidents.signals import announce_change
from peaceops.incidents.state import cleaned_state, incident_state, state_diff
from peaceops.incidents.summary import summary_created, summary_moved, summary_snapshot
from peaceops.incidents.validation import (
    DERIVED_FIELDS,
    EDITABLE_FIELDS,
    SCALAR_FIELDS,
    clean_incident,
)
from peaceops.missions.models import Mission

ROW_FIELDS = SCALAR_FIELDS + DERIVED_FIELDS


def _check_clearance(scope: AccessScope, mission_id: int, classification: str) -> None:
    if not scope.can_see(mission_id, classification):
        raise ValidationFailed({"classification": [_("Above your clearance for this mission.")]})


def _write_children(incident: Incident, cleaned: dict[str, Any], *, replace: bool) -> None:
    if replace:
        incident.casualties.all().delete()
        incident.sources.all().delete()
        incident.actor_links.all().delete()
    Casualty.objects.bulk_create(
        Casualty(incident=incident, **row) for row in cleaned["casualties"]
    )
    Source.objects.bulk_create(
        Source(incident=incident, position=position, **row)
        for position, row in enumerate(cleaned["sources"])
    )
    links = []
    for row in cleaned["actors"]:
        if row["external_id"]:
            actor, _created = Actor.objects.get_or_create(
                external_source=row["external_source"],
                external_id=row["external_id"],
                defaults={"name": row["name"], "kind": row["kind"]},
            )
        else:
            actor, _created = Actor.objects.get_or_create(
                name=row["name"], kind=row["kind"], external_id=""
            )
        links.append(IncidentActor(incident=incident, actor=actor, side=row["side"]))
    IncidentActor.objects.bulk_create(links, ignore_conflicts=True)


def _record(
    incident: Incident,
    *,
    action: str,
    changes: dict[str, list[Any]],
    actor: User | None,
    comment: str = "",
) -> IncidentRevision:
    return IncidentRevision.objects.create(
        incident=incident,
        version=incident.version,
        action=action,
        changes=changes,
        actor=actor,
        comment=comment,
    )


def _insert(
    *,
    mission: Mission,
    cleaned: dict[str, Any],
    actor: User | None,
    action: str,
) -> Incident:
    incident = Incident.objects.create(
        mission=mission, created_by=actor, **{field: cleaned[field] for field in ROW_FIELDS}
    )
    summary_created(incident)
    _write_children(incident, cleaned, replace=False)
    _record(
        incident,
        action=action,
        changes=state_diff({}, cleaned_state(cleaned)),
        actor=actor,
    )
    return incident


def incident_create(*, actor: User, mission: Mission, **values: Any) -> Incident:
    """Report a new incident. `values` are the editable fields (see validation.py)."""
    scope = access_scope_for_user(actor)
    if not scope.allows(Action.INCIDENT_CREATE, mission.pk):
        raise PermissionDenied()
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed({field: [_("Unknown field.")] for field in sorted(unknown)})
    cleaned = clean_incident(values)
    _check_clearance(scope, mission.pk, cleaned["classification"])
    with transaction.atomic():
        incident = _insert(
            mission=mission, cleaned=cleaned, actor=actor, action=IncidentRevision.Action.CREATED
        )
        announce_change(incident, IncidentRevision.Action.CREATED)
        return incident


def _lock_visible(actor: User, incident_id: int) -> tuple[AccessScope, Incident]:
    """Fetch and lock an incident the actor may see; NotFound otherwise (existence hidden)."""
    scope = access_scope_for_user(actor)
    incident = restrict(Incident.objects.select_for_update(), scope).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound()
    return scope, incident


def _check_version(incident: Incident, version: int) -> None:
    if incident.version != version:
        raise ConflictError(
            _(
                "This incident was changed by someone else (now version %(current)d, "
                "you sent %(sent)d). Reload it and apply your change again."
            )
            % {"current": incident.version, "sent": version}
        )


def _apply(
    incident: Incident,
    *,
    cleaned: dict[str, Any],
    before: dict[str, Any],
    actor: User | None,
    action: str,
    comment: str = "",
    bookkeeping: Mapping[str, Any] | None = None,
) -> bool:
    """Write `cleaned` over the incident if it differs; returns whether anything changed.

    `bookkeeping` fields (the raw record, its digest, the import run) are written along with a
    real change but are not part of the recorded diff.
    """
    changes = state_diff(before, cleaned_state(cleaned))
    if not changes:
        return False
    update_fields = [field for field in ROW_FIELDS if field in changes]
    counted = summary_snapshot(incident)
    for field in update_fields:
        setattr(incident, field, cleaned[field])
    for field, value in (bookkeeping or {}).items():
        setattr(incident, field, value)
        update_fields.append(field)
    incident.version += 1
    incident.save(update_fields=[*update_fields, "version", "updated_at"])
    summary_moved(counted, incident)
    if any(field in changes for field in ("casualties", "sources", "actors")):
        _write_children(incident, cleaned, replace=True)
    _record(incident, action=action, changes=changes, actor=actor, comment=comment)
    return True


@transaction.atomic
def incident_update(
    *, actor: User, incident_id: int, version: int, changes: Mapping[str, Any], comment: str = ""
) -> Incident:
    """Change some fields. A stale `version` is refused with ConflictError; nothing changes."""
    scope, incident = _lock_visible(actor, incident_id)
    if not incident_editable_by(user=actor, incident=incident):
        raise PermissionDenied()
    _check_version(incident, version)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed({field: [_("Unknown field.")] for field in sorted(unknown)})
    before = incident_state(incident)
    merged = {**before, **changes}
    if {"latitude", "longitude"} & set(changes) and "country_code" not in changes:
        merged["country_code"] = ""  # a moved point gets its country from the new place
    cleaned = clean_incident(merged)
    _check_clearance(scope, incident.mission_id, cleaned["classification"])
    _apply(
        incident,
        cleaned=cleaned,
        before=before,
        actor=actor,
        action=IncidentRevision.Action.UPDATED,
        comment=comment,
    )
    announce_change(incident, IncidentRevision.Action.UPDATED)
    return incident


# name -> (states it may start from, state it leads to, revision action)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "start_review": (
        frozenset({VerificationStatus.REPORTED}),
        VerificationStatus.UNDER_REVIEW,
        IncidentRevision.Action.REVIEW_STARTED,
    ),
    "verify": (
        frozenset({VerificationStatus.REPORTED, VerificationStatus.UNDER_REVIEW}),
        VerificationStatus.VERIFIED,
        IncidentRevision.Action.VERIFIED,
    ),
    "reject": (
        frozenset({VerificationStatus.REPORTED, VerificationStatus.UNDER_REVIEW}),
        VerificationStatus.REJECTED,
        IncidentRevision.Action.REJECTED,
    ),
    "reopen": (
        frozenset({VerificationStatus.VERIFIED, VerificationStatus.REJECTED}),
        VerificationStatus.UNDER_REVIEW,
        IncidentRevision.Action.REOPENED,
    ),
}


TRANSITION_REFUSALS = {
    "start_review": gettext_lazy("It is %(status)s; review can start only on a reported incident."),
    "verify": gettext_lazy(
        "It is %(status)s; only a reported incident or one under review can be verified."
    ),
    "reject": gettext_lazy(
        "It is %(status)s; only a reported incident or one under review can be rejected."
    ),
    "reopen": gettext_lazy(
        "It is %(status)s; only a verified or rejected incident can be reopened."
    ),
}


def _transition(
    *, actor: User, incident_id: int, version: int, name: str, reason: str = ""
) -> Incident:
    sources, target, action = TRANSITIONS[name]
    with transaction.atomic():
        scope, incident = _lock_visible(actor, incident_id)
        if not scope.allows(Action.INCIDENT_REVIEW, incident.mission_id):
            raise PermissionDenied()
        if incident.verification_status == target:
            return incident  # already there (perhaps by someone else): nothing to do
        _check_version(incident, version)
        if incident.verification_status not in sources:
            raise InvalidTransition(
                TRANSITION_REFUSALS[name] % {"status": incident.get_verification_status_display()}
            )
        before = {
            "verification_status": incident.verification_status,
            "rejection_reason": incident.rejection_reason,
        }
        incident.verification_status = target
        incident.rejection_reason = reason if target == VerificationStatus.REJECTED else ""
        incident.reviewed_by = actor
        incident.reviewed_at = timezone.now()
        incident.version += 1
        incident.save(
            update_fields=[
                "verification_status",
                "rejection_reason",
                "reviewed_by",
                "reviewed_at",
                "version",
                "updated_at",
            ]
        )
        after = {
            "verification_status": incident.verification_status,
            "rejection_reason": incident.rejection_reason,
        }
        _record(
            incident, action=action, changes=state_diff(before, after), actor=actor, comment=reason
        )
        announce_change(incident, action)
        return incident


def incident_start_review(*, actor: User, incident_id: int, version: int) -> Incident:
    return _transition(actor=actor, incident_id=incident_id, version=version, name="start_review")


def incident_verify(*, actor: User, incident_id: int, version: int) -> Incident:
    return _transition(actor=actor, incident_id=incident_id, version=version, name="verify")


def incident_reject(*, actor: User, incident_id: int, version: int, reason: str) -> Incident:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the incident is rejected.")]})
    if len(reason) > 2000:
        raise ValidationFailed({"reason": [_("At most %(max)d characters.") % {"max": 2000}]})
    return _transition(
        actor=actor, incident_id=incident_id, version=version, name="reject", reason=reason
    )


def incident_reopen(*, actor: User, incident_id: int, version: int) -> Incident:
    return _transition(actor=actor, incident_id=incident_id, version=version, name="reopen")


@transaction.atomic
def incident_assign(
    *, actor: User, incident_id: int, version: int, assignee: User | None
) -> Incident:
    """Give the incident to `assignee` to follow up (None: nobody). Reviewers only; the
    assignee must work in the incident's mission and be cleared to see it. Assigning the
    current assignee again changes and records nothing."""
    scope, incident = _lock_visible(actor, incident_id)
    if not scope.allows(Action.INCIDENT_REVIEW, incident.mission_id):
        raise PermissionDenied()
    _check_version(incident, version)
    if assignee is not None:
        works_here = (
            assignee.is_active
            and Membership.objects.filter(user=assignee, mission_id=incident.mission_id).exists()
        )
        if not works_here:
            raise ValidationFailed(
                {
                    "assignee": [
                        _("%(name)s does not work in this mission. Choose someone who does.")
                        % {"name": assignee.get_username()}
                    ]
                }
            )
        if not access_scope_for_user(assignee).can_see(
            incident.mission_id, incident.classification
        ):
            raise ValidationFailed(
                {
                    "assignee": [
                        _(
                            "%(name)s is not cleared to see this incident. Choose someone "
                            "with a higher clearance."
                        )
                        % {"name": assignee.get_username()}
                    ]
                }
            )
    new_id = assignee.pk if assignee is not None else None
    if incident.assigned_to_id == new_id:
        return incident
    previous = incident.assigned_to.get_username() if incident.assigned_to else None
    incident.assigned_to = assignee
    incident.version += 1
    incident.save(update_fields=["assigned_to", "version", "updated_at"])
    _record(
        incident,
        action=IncidentRevision.Action.UPDATED,
        changes={"assigned_to": [previous, assignee.get_username() if assignee else None]},
        actor=actor,
    )
    return incident


def apply_import_update(
    *, incident_id: int, cleaned: dict[str, Any], content_hash: str, raw: Any, run: Any
) -> bool:
    """Update one imported incident from a newer record (a system task, inside the import
    engine's batch transaction). The change is recorded like any edit."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    changed = _apply(
        incident,
        cleaned=cleaned,
        before=incident_state(incident),
        actor=None,
        action=IncidentRevision.Action.IMPORTED,
        comment=f"import run {run.pk}",
        bookkeeping={"raw": raw, "content_hash": content_hash, "import_run": run},
    )
    if not changed:  # same state under a new digest (e.g. a new mapping): remember the digest
        Incident.objects.filter(pk=incident_id).update(content_hash=content_hash)
    return changed
