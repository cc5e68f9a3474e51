"""Forms of the early-warning pages. As with incidents, the services do the checking; their
reasons are shown next to the fields they name."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peaceops.core.errors import ValidationFailed
from peaceops.core.geo.points import LocationPrecision
from peaceops.core.taxonomy import IncidentType
from peaceops.missions.models import Area, Mission
from peaceops.warning.models import AlertSource, Response, Severity
from peaceops.warning.validation import RAISED_SOURCES


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationFailed) -> None:
        for field, reasons in exc.fields.items():
            name = field if field in self.fields else None  # type: ignore[attr-defined]
            if name is not None and name in self.errors:  # type: ignore[attr-defined]
                continue
            for reason in reasons:
                self.add_error(name, reason if name else f"{field}: {reason}")  # type: ignore


class AlertRaiseForm(ServiceErrorsMixin, forms.Form):
    mission = forms.ModelChoiceField(
        label=_("Mission"), queryset=Mission.objects.none(), empty_label=_("Choose a mission")
    )
    source = forms.ChoiceField(label=_("Where the warning comes from"), choices=[])
    threat_type = forms.ChoiceField(
        label=_("What is feared"),
        choices=[("", _("Choose a threat")), *IncidentType.choices],
        error_messages={"required": _("Choose what is feared.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        help_text=_("One line: the threat and the place. Example: Armed men gathering near Bria."),
        error_messages={"required": _("Say in a few words what is feared.")},
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who warned, what they saw or heard, how many, since when."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    area_id = forms.TypedChoiceField(
        label=_("Or one of the mission's areas"), required=False, coerce=int, empty_value=None
    )
    location_precision = forms.ChoiceField(
        label=_("How exact is the place?"),
        choices=LocationPrecision.choices,
        initial=LocationPrecision.NEAR,
    )
    location_name = forms.CharField(label=_("Place name"), required=False, max_length=300)
    classification = forms.ChoiceField(label=_("Classification"), choices=[])

    def __init__(
        self,
        *args: Any,
        missions: list[Mission],
        classifications: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mission"].queryset = Mission.objects.filter(
            pk__in=[m.pk for m in missions]
        ).order_by("acronym")
        self.fields["source"].choices = [
            (value, label) for value, label in AlertSource.choices if value in RAISED_SOURCES
        ]
        self.fields["classification"].choices = classifications
        self.fields["area_id"].choices = [("", _("None"))] + [
            (area.pk, f"{area.mission.acronym}: {area.name} ({area.get_kind_display()})")
            for area in Area.objects.filter(mission__in=missions)
            .select_related("mission")
            .order_by("mission__acronym", "name")
        ]

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("mission")
        return data


class ResponseForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=Response.Kind.choices)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=200)
    description = forms.CharField(
        label=_("What was done (or why nothing could be)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    started_at = forms.DateTimeField(
        label=_("Started (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        if values["started_at"] is None:
            values.pop("started_at")
        else:
            values["started_at"] = values["started_at"].replace(tzinfo=dt.UTC)
        return values
