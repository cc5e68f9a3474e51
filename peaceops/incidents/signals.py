"""Signals other apps listen to without incidents knowing them (the layering forbids
incidents from importing the apps below it, such as warning).

`incident_changed` is sent after the transaction that created or changed an incident has
committed (never for a change that rolled back), with `incident_id` and `action` (an
IncidentRevision.Action value). Imports do not send it per row; the scheduled rule
evaluation covers what they load.
"""

from django.db import transaction
from django.dispatch import Signal

from peaceops.incidents.models import Incident

incident_changed = Signal()


def announce_change(incident: Incident, action: str) -> None:
    """Send `incident_changed` once the current transaction commits."""
    incident_id = incident.pk
    transaction.on_commit(
        lambda: incident_changed.send(sender=Incident, incident_id=incident_id, action=action)
    )
