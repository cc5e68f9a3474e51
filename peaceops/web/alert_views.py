"""Early-warning pages: the alerts board (a column per status), an alert with its timeline
and actions, raising an alert, the monthly response metrics, and the trigger rules with what
they find now. As thin as the API: parse, call a selector or service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peaceops.accounts.selectors import access_scope_for_user
from peaceops.core.classification import Classification
from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Action
from peaceops.missions.selectors import missions_of_user
from peaceops.warning import evaluation, selectors, services
from peaceops.warning.explain import explain
from peaceops.warning.models import SEVERITY_ORDER, AlertStatus, Response, Severity
from peaceops.warning.services import TRANSITIONS
from peaceops.web import charts
from peaceops.web.alert_forms import AlertRaiseForm, ResponseForm
from peaceops.web.writable import missions_and_levels

# The button that moves an alert to each status.
TRANSITION_BUTTONS = {
    AlertStatus.ACKNOWLEDGED: gettext_lazy("Acknowledge"),
    AlertStatus.RESPONSE_PLANNED: gettext_lazy("Plan a response"),
    AlertStatus.RESPONDED: gettext_lazy("Mark responded"),
    AlertStatus.CLOSED: gettext_lazy("Close"),
    AlertStatus.FALSE_ALARM: gettext_lazy("False alarm"),
    AlertStatus.DUPLICATE: gettext_lazy("Duplicate"),
}


def _mission_param(request: HttpRequest) -> tuple[list[Any], Any]:
    missions = list(missions_of_user(user=request.user))
    wanted = (request.GET.get("mission") or "").lower()
    chosen = next((m for m in missions if m.acronym.lower() == wanted), None)
    return missions, chosen


@login_required
def alert_board(request: HttpRequest) -> HttpResponse:
    missions, mission = _mission_param(request)
    severity = request.GET.get("severity") or None
    if severity not in (None, *Severity.values):
        severity = None
    filters = selectors.AlertFilters(
        mission=mission.acronym if mission else None, severity=severity
    )
    board = selectors.alert_board(user=request.user, filters=filters)
    columns = [
        {"status": status, "label": AlertStatus(status).label, "alerts": items, "count": count}
        for status, (items, count) in board.items()
    ]
    scope = access_scope_for_user(request.user)
    return render(
        request,
        "web/alerts/board.html",
        {
            "columns": columns,
            "total": sum(column["count"] for column in columns),
            "missions": missions,
            "mission": mission,
            "severity": severity,
            "severities": Severity.choices,
            "may_raise": any(scope.allows(Action.ALERT_RAISE, m.pk) for m in missions),
        },
    )


def _timeline(alert: Any) -> list[dict[str, Any]]:
    entries = []
    for event in alert.events.all():
        entry: dict[str, Any] = {"event": event, "explanation": explain(event.details)}
        if event.to_status:
            entry["to_label"] = AlertStatus(event.to_status).label
        if event.from_status:
            entry["from_label"] = AlertStatus(event.from_status).label
        if event.kind == "escalated":
            entry["severity_label"] = Severity(event.details["severity"]).label
        entries.append(entry)
    return entries


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        alert = selectors.alert_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    scope = access_scope_for_user(request.user)
    may_respond = scope.allows(Action.ALERT_RESPOND, alert.mission_id)
    higher = SEVERITY_ORDER[SEVERITY_ORDER.index(alert.severity) + 1 :]
    return render(
        request,
        "web/alerts/detail.html",
        {
            "alert": alert,
            "timeline": _timeline(alert),
            "may_respond": may_respond,
            "transitions": [
                (
                    status,
                    _("Reopen")
                    if status == AlertStatus.ACKNOWLEDGED and not alert.is_open
                    else TRANSITION_BUTTONS[status],
                )
                for status in AlertStatus.values
                if status in TRANSITIONS[alert.status]
            ],
            "outcomes": Response.Outcome.choices,
            "higher_severities": [(s, Severity(s).label) for s in higher],
            "response_form": ResponseForm(prefix="response", label_suffix="")
            if alert.is_open
            else None,
        },
    )


def _apply_action(request: HttpRequest, pk: int) -> None:
    action = request.POST.get("action", "")
    version = int(request.POST.get("version") or 0)
    reason = request.POST.get("reason", "")
    user = request.user
    if action == "transition":
        status = request.POST.get("status", "")
        services.alert_transition(
            actor=user, alert_id=pk, version=version, to_status=status, reason=reason
        )
        messages.success(
            request,
            _("The alert is now %(status)s.") % {"status": AlertStatus(status).label},
        )
    elif action == "escalate":
        services.alert_escalate(
            actor=user,
            alert_id=pk,
            version=version,
            severity=request.POST.get("severity", ""),
            reason=reason,
        )
        messages.success(request, _("Severity raised; subscribers are notified."))
    elif action == "assign":
        services.alert_assign(
            actor=user, alert_id=pk, version=version, unit=request.POST.get("unit", "")
        )
        messages.success(request, _("Assignment saved."))
    elif action == "respond":
        form = ResponseForm(request.POST, prefix="response")
        if not form.is_valid():
            raise ValidationFailed({k: list(v) for k, v in form.errors.items()})
        services.response_add(actor=user, alert_id=pk, **form.service_values())
        messages.success(request, _("Response recorded."))
    elif action == "complete":
        services.response_update(
            actor=user,
            response_id=int(request.POST.get("response") or 0),
            outcome=request.POST.get("outcome", ""),
            outcome_notes=request.POST.get("outcome_notes", ""),
            completed_at=timezone.now(),
        )
        messages.success(request, _("Response completed."))
    elif action == "link":
        services.alert_link_incident(
            actor=user, alert_id=pk, incident_id=int(request.POST.get("incident") or 0)
        )
        messages.success(request, _("Incident linked."))
    else:
        raise ValidationFailed({"action": [_("Unknown action.")]})


@login_required
@require_POST
def alert_action(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        _apply_action(request, pk)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied:
        messages.error(request, _("Only analysts of this mission can act on its alerts."))
    except (ConflictError, InvalidTransition) as exc:
        messages.error(request, str(exc))
    except ValidationFailed as exc:
        for field, reasons in exc.fields.items():
            for reason in reasons:
                messages.error(request, f"{field}: {reason}")
    except ValueError:
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
    return redirect("web:alert-detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def alert_new(request: HttpRequest) -> HttpResponse:
    missions, levels = missions_and_levels(request.user, Action.ALERT_RAISE)
    if not missions:
        return render(request, "web/alerts/form.html", {"form": None}, status=403)
    kwargs: dict[str, Any] = {"missions": missions, "classifications": levels, "label_suffix": ""}
    if request.method == "GET":
        initial = {"classification": Classification.INTERNAL}
        if len(missions) == 1:
            initial["mission"] = missions[0].pk
        return render(
            request, "web/alerts/form.html", {"form": AlertRaiseForm(initial=initial, **kwargs)}
        )
    form = AlertRaiseForm(request.POST, **kwargs)
    if form.is_valid():
        try:
            alert = services.alert_raise(
                actor=request.user, mission=form.cleaned_data["mission"], **form.service_values()
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Alert raised. Analysts of the mission see it now."))
            return redirect("web:alert-detail", pk=alert.pk)
    return render(request, "web/alerts/form.html", {"form": form}, status=400)


@login_required
def alert_metrics(request: HttpRequest) -> HttpResponse:
    missions, mission = _mission_param(request)
    rows = selectors.alert_metrics(user=request.user, mission=mission.acronym if mission else None)[
        -24:
    ]
    chart = None
    if rows:
        series = [
            charts.Series(key="responded", label=_("Responded"), color="#0b5cad"),
            charts.Series(key="other", label=_("Not responded"), color="#b9c4d0"),
        ]
        chart = charts.stacked_bars(
            title=_("Alerts received per month, and how many had a response"),
            categories=[(row, charts.month_label(row.month)) for row in rows],
            series=series,
            value=lambda row, key: (
                row.responded if key == "responded" else row.received - row.responded
            ),
        )
    return render(
        request,
        "web/alerts/metrics.html",
        {"rows": rows, "chart": chart, "missions": missions, "mission": mission},
    )


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    missions, mission = _mission_param(request)
    rules = list(
        selectors.rule_list(user=request.user, mission=mission.acronym if mission else None)
    )
    now = timezone.now()
    entries = []
    for rule in rules:
        firings = (
            selectors.visible_firings(
                user=request.user, rule=rule, firings=evaluation.rule_firings(rule, as_of=now)
            )
            if rule.active
            else []
        )
        entries.append({"rule": rule, "findings": [(f, explain(f.why)) for f in firings]})
    return render(
        request,
        "web/alerts/rules.html",
        {"entries": entries, "missions": missions, "mission": mission},
    )
