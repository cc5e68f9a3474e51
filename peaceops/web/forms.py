"""Page forms. They parse what the browser sends into the values the services take; the
services do the real validation, and their reasons are put back next to the fields here."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.points import DatePrecision, LocationPrecision
from peaceops.core.taxonomy import (
    SUBTYPES,
    IncidentType,
    InformationCredibility,
    SourceReliability,
)
from peaceops.incidents.models import TITLE_MAX, Casualty, Incident
from peaceops.incidents.validation import SCALAR_FIELDS
from peaceops.missions.models import Mission


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


# The casualty rows a report offers: (category, outcome). Finer rows (women, children) and
# low/high estimates go through the API.
CASUALTY_ROWS: tuple[tuple[str, str], ...] = tuple(
    (category, outcome)
    for category in (
        Casualty.Category.CIVILIANS,
        Casualty.Category.PEACEKEEPERS,
        Casualty.Category.ARMED_SIDE_A,
        Casualty.Category.ARMED_SIDE_B,
        Casualty.Category.UNKNOWN,
    )
    for outcome in (Casualty.Outcome.KILLED, Casualty.Outcome.INJURED)
)


def casualty_field_name(category: str, outcome: str) -> str:
    return f"casualties_{category}_{outcome}"


def subtype_choices(incident_type: str | None) -> list[Any]:
    """The subtypes of one type, or every subtype grouped by type when none is chosen."""
    if incident_type in SUBTYPES:
        return [("", _("Choose a subtype")), *SUBTYPES[incident_type].items()]
    return [
        ("", _("Choose a type first, or a subtype here")),
        *((label, list(SUBTYPES[code].items())) for code, label in IncidentType.choices),
    ]


def _text_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


class IncidentReportForm(forms.Form):
    """Report an incident. Only the mission must be valid before the service is called;
    everything else is checked by `incident_create`, whose reasons land on these fields."""

    mission = forms.ModelChoiceField(
        label=_("Mission"), queryset=Mission.objects.none(), empty_label=_("Choose a mission")
    )
    incident_type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Choose a type")), *IncidentType.choices],
        error_messages={"required": _("Choose the type of incident.")},
    )
    subtype = forms.ChoiceField(
        label=_("Subtype"),
        error_messages={
            "required": _("Choose a subtype."),
            "invalid_choice": _("Choose a subtype of the selected type."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("One line: what happened, where. Example: Ambush on the Bambari road."),
        error_messages={"required": _("Give the incident a short title.")},
    )
    narrative = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Facts as reported: who, what, where, when, how you know."),
    )
    started_at = forms.CharField(
        label=_("Started (UTC)"),
        widget=_text_input(type="datetime-local"),
        error_messages={"required": _("Say when it started (the day is enough).")},
    )
    ended_at = forms.CharField(
        label=_("Ended (UTC)"), required=False, widget=_text_input(type="datetime-local")
    )
    date_precision = forms.ChoiceField(
        label=_("How exact is the date?"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        widget=_text_input(inputmode="decimal", autocomplete="off", placeholder="5.7631"),
        help_text=_("Decimal degrees, north positive."),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        widget=_text_input(inputmode="decimal", autocomplete="off", placeholder="20.6732"),
        help_text=_("Decimal degrees, east positive."),
    )
    location_precision = forms.ChoiceField(
        label=_("How exact is the place?"),
        choices=LocationPrecision.choices,
        initial=LocationPrecision.EXACT,
    )
    location_name = forms.CharField(label=_("Place name"), required=False, max_length=300)
    admin1 = forms.CharField(label=_("Region / province (admin 1)"), required=False)
    admin2 = forms.CharField(label=_("District (admin 2)"), required=False)
    classification = forms.ChoiceField(
        label=_("Classification"),
        help_text=_("Who may read this report. You can choose up to your own clearance."),
    )
    source_name = forms.CharField(
        label=_("Source"),
        required=False,
        help_text=_("Who reported it: a person's role, a network, a media outlet."),
    )
    source_reference = forms.CharField(
        label=_("Reference (link or citation)"), required=False, max_length=1000
    )
    source_reliability = forms.ChoiceField(
        label=_("Reliability of the source"),
        required=False,
        choices=[("", _("Not graded")), *SourceReliability.choices],
    )
    source_credibility = forms.TypedChoiceField(
        label=_("Credibility of the information"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Not graded")), *InformationCredibility.choices],
    )

    def __init__(
        self,
        *args: Any,
        missions: Iterable[Mission],
        classifications: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        missions = list(missions)
        mission_field = self.fields["mission"]
        mission_field.queryset = Mission.objects.filter(pk__in=[m.pk for m in missions])
        if len(missions) == 1:
            mission_field.empty_label = None
            mission_field.initial = missions[0].pk
        classification = self.fields["classification"]
        classification.choices = list(classifications)
        values = [value for value, _label in classifications]
        classification.initial = "internal" if "internal" in values else values[-1]
        chosen_type = self.data.get("incident_type") if self.is_bound else None
        self.fields["subtype"].choices = subtype_choices(chosen_type)
        for category, outcome in CASUALTY_ROWS:
            self.fields[casualty_field_name(category, outcome)] = forms.IntegerField(
                label=f"{Casualty.Category(category).label}: {Casualty.Outcome(outcome).label}",
                required=False,
                min_value=0,
                max_value=10_000_000,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "pattern": "[0-9]*", "size": 5}
                ),
            )
        self._casualty_index: dict[int, str] = {}

    @staticmethod
    def _decimal(value: str) -> str:
        return value.strip().replace(",", ".")  # "5,76" as typed on a French keyboard

    def clean_latitude(self) -> str:
        return self._decimal(self.cleaned_data["latitude"])

    def clean_longitude(self) -> str:
        return self._decimal(self.cleaned_data["longitude"])

    def casualty_rows(self) -> list[dict[str, Any]]:
        """Bound fields of the casualty grid, one row per category."""
        rows: dict[str, dict[str, Any]] = {}
        for category, outcome in CASUALTY_ROWS:
            row = rows.setdefault(
                category, {"label": Casualty.Category(category).label, "cells": {}}
            )
            row["cells"][outcome] = self[casualty_field_name(category, outcome)]
        return list(rows.values())

    def service_values(self) -> dict[str, Any]:
        """The values for `incident_create`, from the fields that parsed. A field with its own
        error is sent empty; its error is already shown."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            name: data.get(name) or ""
            for name in (
                "incident_type",
                "subtype",
                "title",
                "narrative",
                "started_at",
                "ended_at",
                "location_name",
                "admin1",
                "admin2",
            )
        }
        values["ended_at"] = values["ended_at"] or None
        for name in ("date_precision", "location_precision", "classification"):
            values[name] = data.get(name) or self.fields[name].initial
        for name in ("latitude", "longitude"):
            values[name] = data.get(name) or None
        casualties = []
        self._casualty_index = {}
        for category, outcome in CASUALTY_ROWS:
            name = casualty_field_name(category, outcome)
            best = data.get(name)
            if best is None:
                continue  # blank: not known, which is not the same as 0
            self._casualty_index[len(casualties)] = name
            casualties.append({"category": category, "outcome": outcome, "best": best})
        values["casualties"] = casualties
        source = {
            "name": data.get("source_name") or "",
            "reference": data.get("source_reference") or "",
            "reliability": data.get("source_reliability") or SourceReliability.F,
            "credibility": data.get("source_credibility") or InformationCredibility.CANNOT_JUDGE,
        }
        graded = data.get("source_reliability") or data.get("source_credibility")
        values["sources"] = [source] if source["name"] or source["reference"] or graded else []
        return values

    def _form_field(self, service_field: str) -> str | None:
        """The form field that shows a reason the service gave for `service_field`."""
        if service_field in self.fields:
            return service_field
        if service_field.startswith("casualties["):
            index = int(service_field[len("casualties[") :].split("]")[0])
            return self._casualty_index.get(index)
        if service_field.startswith("sources[0]."):
            name = "source_" + service_field.split(".", 1)[1]
            return name if name in self.fields else None
        return None

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Put each reason next to its field; reasons for fields this form lacks go on top.
        A field that already shows its own error keeps just that one."""
        for service_field, reasons in exc.fields.items():
            name = self._form_field(service_field)
            if name is not None and name in self.errors:
                continue
            for reason in reasons:
                self.add_error(name, reason if name else f"{service_field}: {reason}")


# The fields an edit sends to `incident_update` (casualties and sources: through the API).
EDIT_FIELDS = tuple(
    field for field in SCALAR_FIELDS if field not in ("narrative_language", "country_code")
)


def _local(moment: Any) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""


class IncidentEditForm(IncidentReportForm):
    """Change an incident's own fields. Only the fields the user changed are sent, with the
    version they read; casualties, sources and actors keep their rows."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("What did you change, and why?"),
        required=False,
        max_length=2000,
        help_text=_("Kept in the history with your change."),
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                **{name: getattr(incident, name) for name in EDIT_FIELDS},
                "started_at": _local(incident.started_at),
                "ended_at": _local(incident.ended_at),
                "latitude": "" if incident.latitude is None else str(incident.latitude),
                "longitude": "" if incident.longitude is None else str(incident.longitude),
                "version": incident.version,
            },
        )
        super().__init__(*args, missions=[incident.mission], **kwargs)
        for name in list(self.fields):
            if name == "mission" or name.startswith(("casualties_", "source_")):
                del self.fields[name]
        if not self.is_bound:
            self.fields["subtype"].choices = subtype_choices(incident.incident_type)

    def changes(self) -> dict[str, Any]:
        """The changed fields, as `incident_update` takes them."""
        values = self.service_values()
        return {name: values[name] for name in EDIT_FIELDS if name in self.changed_data}

    def service_values(self) -> dict[str, Any]:
        values = super().service_values()
        del values["casualties"], values["sources"]
        return values


TRIAGE_ACTIONS = {
    "start_review": _("Start review"),
    "verify": _("Verify"),
    "reject": _("Reject"),
    "reopen": _("Reopen"),
    "assign": _("Assign"),
}


class TriageForm(forms.Form):
    """One verification action (or an assignment) on one or many incidents."""

    action = forms.ChoiceField(choices=list(TRIAGE_ACTIONS.items()))
    reason = forms.CharField(required=False, max_length=2000)
    assignee = forms.CharField(required=False)
    query = forms.CharField(required=False)  # the list's filters, to return to them

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the incidents are rejected, then try again."))
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the person to assign the incidents to."))
        return data
