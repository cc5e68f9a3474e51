"""Page forms. They parse what the browser sends into the values the services take; the
services do the real validation, and their reasons are put back next to the fields here."""

import datetime as dt
import re
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


MAX_ROWS = 50  # casualty rows and sources per incident on the page (the API takes more)
COUNT_ERRORS = {
    "invalid": _("Give a whole number of people, 0 or more."),
    "min_value": _("Give a whole number of people, 0 or more."),
}


def _count_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=10_000_000,
        error_messages=COUNT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "autocomplete": "off"}),
    )


class CasualtyRowForm(forms.Form):
    """One casualty row: who, killed or injured, and the low, best and high estimates. The
    service checks the rest (best given, low <= best <= high, no row twice); its reasons are
    put on these fields."""

    category = forms.ChoiceField(
        label=_("Who"),
        choices=[("", _("Choose who")), *Casualty.Category.choices],
        error_messages={"required": _("Say who the casualties were.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Casualty.Outcome.choices, initial=Casualty.Outcome.KILLED
    )
    low = _count_field(_("Low estimate"))
    best = _count_field(_("Best estimate"))
    high = _count_field(_("High estimate"))


class SourceRowForm(forms.Form):
    """One source, graded on the Admiralty scale."""

    name = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Who reported it: a person's role, a network, a media outlet."),
    )
    reference = forms.CharField(
        label=_("Reference (link or citation)"), required=False, max_length=1000
    )
    published_on = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date as YYYY-MM-DD.")},
    )
    reliability = forms.ChoiceField(
        label=_("Reliability of the source"),
        required=False,
        choices=[("", _("Not graded")), *SourceReliability.choices],
    )
    credibility = forms.TypedChoiceField(
        label=_("Credibility of the information"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Not graded")), *InformationCredibility.choices],
    )
    excerpt = forms.CharField(
        label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RowFormSet(forms.BaseFormSet):
    """Rows added in the browser (incident_form.js) or left blank; a blank row is ignored."""

    deletion_widget = forms.CheckboxInput

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this row")

    def kept(self) -> list[forms.Form]:
        """The rows to send: the recorded ones and those filled in, less those marked for
        removal."""
        recorded = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < recorded or form.has_changed()) and not form.cleaned_data.get("DELETE")
        ]

    def problem_count(self) -> int:
        return len(self.non_form_errors()) + sum(len(form.errors) for form in self.forms)


def _row_formset(form: type[forms.Form]) -> type[RowFormSet]:
    """Rows of `form`: one empty row offered, any row removable, at most MAX_ROWS."""
    return forms.formset_factory(
        form, formset=RowFormSet, extra=1, can_delete=True, max_num=MAX_ROWS, validate_max=True
    )


CasualtyFormSet = _row_formset(CasualtyRowForm)
SourceFormSet = _row_formset(SourceRowForm)
ROW_FIELD = re.compile(r"(casualties|sources)\[(\d+)\](?:\.(\w+))?")


def subtype_choices(incident_type: str | None) -> list[Any]:
    """The subtypes of one type, or every subtype grouped by type when none is chosen."""
    if incident_type in SUBTYPES:
        return [("", _("Choose a subtype")), *SUBTYPES[incident_type].items()]
    return [
        ("", _("Choose a type first, or a subtype here")),
        *((label, list(SUBTYPES[code].items())) for code, label in IncidentType.choices),
    ]


def subtype_options() -> dict[str, Any]:
    """Every type's subtypes for incident_form.js, which swaps the subtype list when the type
    changes (no request, so a subtype chosen right after the type is never lost)."""
    return {
        "types": [
            {
                "code": code,
                "label": str(label),
                "subtypes": [[value, str(text)] for value, text in SUBTYPES[code].items()],
            }
            for code, label in IncidentType.choices
        ],
        "choose": str(_("Choose a subtype")),
        "chooseType": str(_("Choose a type first, or a subtype here")),
    }


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

    def __init__(
        self,
        *args: Any,
        missions: Iterable[Mission],
        classifications: Sequence[tuple[str, str]],
        casualty_rows: Sequence[dict[str, Any]] = (),
        source_rows: Sequence[dict[str, Any]] = (),
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
        data = self.data if self.is_bound else None
        rows = {"form_kwargs": {"label_suffix": self.label_suffix}}
        self.casualties = CasualtyFormSet(data, prefix="casualties", initial=casualty_rows, **rows)
        self.sources = SourceFormSet(data, prefix="sources", initial=source_rows, **rows)
        self._sent: dict[str, dict[int, forms.Form]] = {"casualties": {}, "sources": {}}

    def is_valid(self) -> bool:
        # Every part is checked (no short cut), so every problem is shown at once.
        results = [super().is_valid(), self.casualties.is_valid(), self.sources.is_valid()]
        return all(results)

    def problem_count(self) -> int:
        """Fields and rows marked with a problem, for the summary at the top."""
        return len(self.errors) + self.casualties.problem_count() + self.sources.problem_count()

    @staticmethod
    def _decimal(value: str) -> str:
        return value.strip().replace(",", ".")  # "5,76" as typed on a French keyboard

    def clean_latitude(self) -> str:
        return self._decimal(self.cleaned_data["latitude"])

    def clean_longitude(self) -> str:
        return self._decimal(self.cleaned_data["longitude"])

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
        values["casualties"] = self._rows("casualties", self.casualties, CASUALTY_FIELDS)
        values["sources"] = self._rows("sources", self.sources, SOURCE_FIELDS)
        return values

    def _rows(
        self, name: str, formset: RowFormSet, fields: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """The kept rows as the service takes them, remembering which form sent which row
        (the service names problems by position: `casualties[2].best`)."""
        rows = []
        self._sent[name] = {}
        for form in formset.kept():
            self._sent[name][len(rows)] = form
            rows.append({field: form.cleaned_data.get(field) for field in fields})
        return rows

    def _target(self, service_field: str) -> tuple[forms.Form, str | None] | None:
        """The form and field that show a reason the service gave for `service_field`
        (None for the field: the row as a whole); None when this page has no such field."""
        if service_field in self.fields:
            return self, service_field
        match = ROW_FIELD.fullmatch(service_field)
        if match is None:
            return None
        form = self._sent[match[1]].get(int(match[2]))
        if form is None:
            return None
        return form, match[3] if match[3] in form.fields else None

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Put each reason next to its field; reasons for fields this form lacks go on top.
        A field that already shows its own error keeps just that one."""
        for service_field, reasons in exc.fields.items():
            target = self._target(service_field)
            if target is None:
                for reason in reasons:
                    self.add_error(None, f"{service_field}: {reason}")
                continue
            form, name = target
            if name is not None and name in form.errors:
                continue
            for reason in reasons:
                form.add_error(name, reason)


CASUALTY_FIELDS = ("category", "outcome", "low", "best", "high")
SOURCE_FIELDS = ("name", "reference", "published_on", "reliability", "credibility", "excerpt")


# The fields an edit sends to `incident_update`, besides the casualty and source rows.
EDIT_FIELDS = tuple(
    field for field in SCALAR_FIELDS if field not in ("narrative_language", "country_code")
)


def _local(moment: Any) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""


class IncidentEditForm(IncidentReportForm):
    """Change an incident. Only what the user changed is sent, with the version they read:
    the changed fields, and all the casualty or source rows when any of them changed. Actors
    keep their rows (the API changes them)."""

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
        super().__init__(
            *args,
            missions=[incident.mission],
            casualty_rows=[
                {field: getattr(row, field) for field in CASUALTY_FIELDS}
                for row in incident.casualties.all()
            ],
            source_rows=[
                {field: getattr(row, field) for field in SOURCE_FIELDS}
                for row in incident.sources.all()
            ],
            **kwargs,
        )
        del self.fields["mission"]
        if not self.is_bound:
            self.fields["subtype"].choices = subtype_choices(incident.incident_type)

    def changes(self) -> dict[str, Any]:
        """The changed fields, as `incident_update` takes them."""
        values = self.service_values()
        changes = {name: values[name] for name in EDIT_FIELDS if name in self.changed_data}
        for name, formset in (("casualties", self.casualties), ("sources", self.sources)):
            if formset.has_changed():
                changes[name] = values[name]
        return changes


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
