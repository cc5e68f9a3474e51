from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peaceops.core.errors import ValidationFailed
from peaceops.incidents.services import incident_reopen, incident_verify
from peaceops.testing.factories import make_incident
from peaceops.testing.warning_factories import make_area, make_rule
from peaceops.warning import forecast_signals
from peaceops.warning.evaluation import evaluate_all, evaluate_for_incident, rule_firings
from peaceops.warning.forecast_signals import ForecastSignal
from peaceops.warning.models import Alert, AlertEvent
from peaceops.warning.services import alert_transition
from peaceops.warning.spike_test import expected_rate, poisson_upper_tail

AS_OF = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def _incident(mission, day: int, **overrides):
    overrides.setdefault("started_at", f"2024-03-{day:02d}T06:00:00Z")
    return make_incident(mission, **overrides)


def test_threshold_fires_per_admin1_area_with_its_numbers(mission):
    rule = make_rule(
        mission,
        kind="threshold",
        incident_types=["armed_clash"],
        parameters={"window_days": 7, "min_incidents": 2},
    )
    first = _incident(mission, 2)
    second = _incident(mission, 5, casualties=[])
    _incident(mission, 4, admin1="Haute-Kotto")  # alone in its area: below the threshold
    _incident(mission, 5, incident_type="protest", subtype="violent")  # another type
    _incident(mission, 1)  # five days before: inside the window
    _incident(mission, 1, started_at="2024-02-20T06:00:00Z")  # before the window
    firings = rule_firings(rule, as_of=AS_OF)

    assert [firing.situation for firing in firings] == ["admin1:Ouaka"]
    firing = firings[0]
    assert firing.why == {
        "kind": "threshold",
        "place": "Ouaka",
        "incidents": 3,
        "fatalities": 8,
        "window_days": 7,
        "min_incidents": 2,
        "min_fatalities": None,
    }
    assert first.pk in firing.incident_ids
    assert second.pk in firing.incident_ids
    assert firing.title == "threshold rule: Ouaka"


def test_threshold_on_fatalities_in_a_mission_area(mission):
    area = make_area(
        mission,
        name="Bambari sector",
        kind="area_of_responsibility",
        centre=(5.76, 20.67),
        half_degrees=0.2,
    )
    rule = make_rule(
        mission,
        kind="threshold",
        parameters={"min_fatalities": 5, "group_by": "area", "area_id": area.pk},
    )
    _incident(mission, 5)  # 4 fatalities inside
    _incident(mission, 5, latitude=6.5, longitude=21.5)  # 4 outside the square
    assert rule_firings(rule, as_of=AS_OF) == []
    _incident(mission, 5, latitude=5.8, longitude=20.7)
    (firing,) = rule_firings(rule, as_of=AS_OF)
    assert (firing.situation, firing.area_id, firing.why["fatalities"]) == (
        f"area:{area.pk}",
        area.pk,
        8,
    )


def test_rule_settings_are_checked_by_kind(mission):
    with pytest.raises(ValidationFailed) as raised:
        make_rule(mission, kind="threshold", parameters={"window_days": 0})
    assert set(raised.value.fields) == {"parameters.window_days"}
    with pytest.raises(ValidationFailed) as incomplete:
        make_rule(mission, kind="threshold", parameters={})
    assert incomplete.value.fields == {
        "parameters": ["Value error, give min_incidents, min_fatalities or both"]
    }
    with pytest.raises(ValidationFailed) as unknown:
        make_rule(mission, kind="spike", parameters={"sigma": 3})
    assert set(unknown.value.fields) == {"parameters.sigma"}
    with pytest.raises(ValidationFailed) as bad_kind:
        make_rule(mission, kind="tarot")
    assert set(bad_kind.value.fields) == {"kind"}


def test_poisson_upper_tail_matches_hand_computation():
    # P(X >= 3 | 1.0) = 1 - e^-1 (1 + 1 + 1/2)
    assert poisson_upper_tail(3, 1.0) == pytest.approx(0.0803013970713942, rel=1e-12)
    assert poisson_upper_tail(0, 2.0) == 1.0
    assert poisson_upper_tail(40, 1.0) == pytest.approx(1.0e-48, rel=0.5)
    assert expected_rate(11, 12) == 12 / 13


def test_spike_compares_the_last_window_with_the_units_own_baseline(mission):
    rule = make_rule(
        mission,
        kind="spike",
        parameters={"window_days": 7, "baseline_windows": 4, "alpha": 0.01, "min_incidents": 3},
    )
    # Ouaka: 5 incidents this week, none in the 4 weeks before -> rate (0+1)/5 = 0.2
    for day in (1, 2, 3, 4, 5):
        _incident(mission, day)
    # Haute-Kotto: 3 this week, but 3 per week before as well -> no spike
    for week in range(0, 5):
        for hour in (1, 2, 3):
            make_incident(
                mission,
                admin1="Haute-Kotto",
                started_at=(AS_OF - timedelta(days=7 * week + 1, hours=hour)).isoformat(),
            )
    (firing,) = rule_firings(rule, as_of=AS_OF)
    assert firing.situation == "admin1:Ouaka"
    assert firing.why["observed"] == 5
    assert firing.why["baseline"] == 0
    assert firing.why["expected"] == 0.2
    assert firing.why["p_value"] == float(f"{poisson_upper_tail(5, 0.2):.3g}")
    assert firing.why["p_value"] < 0.01


def test_proximity_to_a_protected_site(mission):
    site = make_area(
        mission,
        name="PoC site Bria",
        kind="protected_site",
        centre=(6.54, 21.99),
        half_degrees=0.01,
    )
    rule = make_rule(
        mission,
        kind="proximity",
        incident_types=["violence_against_civilians"],
        parameters={"distance_km": 5, "window_days": 2},
    )
    near = _incident(  # ~3.3 km north of the site's edge (0.03 degrees of latitude)
        mission,
        5,
        incident_type="violence_against_civilians",
        subtype="attack",
        latitude=6.58,
        longitude=21.99,
    )
    _incident(  # ~10 km away
        mission,
        5,
        incident_type="violence_against_civilians",
        subtype="attack",
        latitude=6.64,
        longitude=21.99,
    )
    (firing,) = rule_firings(rule, as_of=AS_OF)
    assert (firing.situation, firing.incident_ids, firing.area_id) == (
        f"site:{site.pk}",
        (near.pk,),
        site.pk,
    )
    assert firing.why["closest_km"] == pytest.approx(3.34, abs=0.02)


def test_forecast_rule_uses_registered_providers(mission, monkeypatch):
    def provider(level, units, threshold, first_month, last_month):
        assert (level, list(units), threshold) == ("cm", ["CAF"], 25)
        assert (first_month, last_month) == (date(2024, 3, 1), date(2024, 5, 1))
        return [
            ForecastSignal("cm", "CAF", date(2024, 4, 1), 25, 0.62, 31.0, "lgbm 1 / 2024-02"),
            ForecastSignal("cm", "CAF", date(2024, 5, 1), 25, 0.4, 12.0, "lgbm 1 / 2024-02"),
        ]

    monkeypatch.setattr(forecast_signals, "_PROVIDERS", [provider])
    rule = make_rule(
        mission, kind="forecast", parameters={"min_probability": 0.5, "months_ahead": 3}
    )
    (firing,) = rule_firings(rule, as_of=AS_OF)
    assert firing.situation == "cm:CAF"
    assert firing.why["probability"] == 0.62
    assert firing.why["month"] == "2024-04"
    assert firing.location_name == "Central African Republic"

    result = evaluate_all(as_of=AS_OF)
    assert (result.opened, Alert.objects.get().source) == (1, "forecast")


def test_one_situation_one_alert_and_evaluation_is_idempotent(mission, analyst):
    rule = make_rule(mission, kind="threshold", parameters={"min_incidents": 2})
    _incident(mission, 3)
    _incident(mission, 4)

    assert evaluate_all(as_of=AS_OF).opened == 1
    again = evaluate_all(as_of=AS_OF)
    assert (again.opened, again.attached) == (0, 0)
    alert = Alert.objects.get()
    assert alert.incidents.count() == 2
    created = alert.events.get(kind="created")
    assert created.details["incidents"] == 2

    third = _incident(mission, 5)
    result = evaluate_all(as_of=AS_OF)
    assert (result.opened, result.attached) == (0, 1)
    assert Alert.objects.count() == 1
    triggered = alert.events.get(kind="triggered")
    assert triggered.details["new_incidents"] == [third.pk]
    assert alert.incidents.count() == 3

    alert.refresh_from_db()
    alert = alert_transition(
        actor=analyst,
        alert_id=alert.pk,
        version=alert.version,
        to_status="false_alarm",
        reason="Old reports",
    )
    assert evaluate_all(as_of=AS_OF).opened == 0  # same data: the closed alert stands
    _incident(mission, 6)
    assert evaluate_all(as_of=AS_OF).opened == 1  # new activity: a new alert
    assert Alert.objects.filter(rule=rule).count() == 2


def test_an_alert_from_confidential_incidents_is_confidential(mission):
    make_rule(mission, kind="threshold", parameters={"min_incidents": 2})
    _incident(mission, 3)
    _incident(mission, 4, classification="confidential")
    evaluate_all(as_of=AS_OF)
    assert Alert.objects.get().classification == "confidential"


def test_saving_an_incident_runs_its_missions_rules(
    mission, other_mission, django_capture_on_commit_callbacks
):
    make_rule(mission, kind="threshold", parameters={"min_incidents": 1})
    make_rule(other_mission, kind="threshold", parameters={"min_incidents": 1})
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(mission, started_at=yesterday)

    alert = Alert.objects.get()
    assert (alert.mission, alert.source, list(alert.incidents.all())) == (
        mission,
        "rule",
        [incident],
    )
    assert evaluate_for_incident(incident.pk).opened == 0  # already recorded
    assert AlertEvent.objects.filter(kind="created").count() == 1


def test_the_evaluate_command_reports_what_it_did(mission):
    make_rule(mission, kind="threshold", parameters={"min_incidents": 1})
    _incident(mission, 5)
    out = StringIO()
    call_command(
        "warning", "evaluate", "--mission", "minusca", "--as-of", AS_OF.isoformat(), stdout=out
    )
    assert out.getvalue().strip() == (
        "Rules evaluated: 1; findings: 1; alerts opened: 1; alerts updated: 0."
    )
    with pytest.raises(CommandError, match="No mission 'XYZ'"):
        call_command("warning", "evaluate", "--mission", "XYZ")


def test_verifying_runs_no_rule_but_reopening_does(
    mission, verifier, django_capture_on_commit_callbacks
):
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    incident = make_incident(mission, started_at=yesterday)  # no commit: no evaluation yet
    make_rule(mission, kind="threshold", parameters={"min_incidents": 1})
    with django_capture_on_commit_callbacks(execute=True):
        incident_verify(actor=verifier, incident_id=incident.pk, version=1)
    assert Alert.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        incident_reopen(actor=verifier, incident_id=incident.pk, version=2)
    assert Alert.objects.count() == 1
