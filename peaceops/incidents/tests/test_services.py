import datetime as dt

import pytest

from peaceops.core.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from peaceops.core.roles import Role
from peaceops.incidents import services
from peaceops.incidents.models import Actor, Casualty, Incident, IncidentRevision, Source
from peaceops.incidents.state import incident_state, state_before
from peaceops.testing.factories import incident_values, make_incident, member


def test_create_derives_country_priogrid_and_totals(mission, analyst):
    incident = services.incident_create(
        actor=analyst,
        mission=mission,
        **incident_values(
            casualties=[
                {"category": "civilians", "outcome": "killed", "best": 3, "low": 2, "high": 5},
                {"category": "civilians_women", "outcome": "killed", "best": 2},
                {"category": "armed_side_a", "outcome": "killed", "best": 1},
                {"category": "peacekeepers", "outcome": "injured", "best": 4},
            ]
        ),
    )
    incident.refresh_from_db()
    assert incident.country_code == "CAF"
    assert (
        incident.priogrid_gid == 137_922
    )  # row 191 (5.5-6.0N) * 720 + column 401 (20.5-21.0E) + 1
    assert incident.fatalities == 4  # women are counted within civilians, not twice
    assert incident.injured == 4
    assert incident.started_at == dt.datetime(2024, 3, 5, 6, 0, tzinfo=dt.UTC)
    assert incident.version == 1
    assert incident.verification_status == "reported"
    assert incident.created_by == analyst
    assert Casualty.objects.filter(incident=incident).count() == 4
    assert list(
        Source.objects.filter(incident=incident).values_list("name", "reliability", "credibility")
    ) == [("Community alert network", "C", 3)]
    assert list(incident.actor_links.values_list("actor__name", "side", "actor__kind")) == [
        ("FACA", "a", "state_forces")
    ]
    revision = incident.revisions.get()
    assert revision.version == 1
    assert revision.action == "created"
    assert revision.actor == analyst
    assert revision.changes["title"] == [None, incident.title]
    assert revision.changes["fatalities"] == [None, 4]


def test_actors_are_shared_between_incidents(mission, analyst):
    make_incident(mission, author=analyst)
    make_incident(mission, author=analyst)
    assert Actor.objects.filter(name="FACA").count() == 1


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"latitude": 91.0}, {"latitude": ["Latitude must be between -90 and 90 degrees."]}),
        ({"longitude": -181.0}, {"longitude": ["Longitude must be between -180 and 180 degrees."]}),
        ({"latitude": "north"}, {"latitude": ["Give a number in decimal degrees."]}),
        (
            {"ended_at": "2024-03-04T00:00:00Z"},
            {"ended_at": ["The end is before the start."]},
        ),
        ({"incident_type": "riot"}, {"incident_type": ["Unknown incident type: riot"]}),
        (
            {"subtype": "ied"},
            {"subtype": ["Unknown subtype ied for armed_clash."]},
        ),
        ({"classification": "secret"}, {"classification": ["Unknown value: secret"]}),
        ({"title": ""}, {"title": ["This field is required."]}),
        ({"title": "x" * 301}, {"title": ["At most 300 characters (got 301)."]}),
        ({"narrative": "x" * 20_001}, {"narrative": ["At most 20000 characters (got 20001)."]}),
        (
            {"started_at": "yesterday"},
            {"started_at": ["Give a date or date-time in ISO 8601 (YYYY-MM-DD[THH:MM])."]},
        ),
        (
            {"country_code": "XXX", "latitude": None, "longitude": None},
            {"country_code": ["Unknown country code: XXX"]},
        ),
        (
            {
                "casualties": [
                    {"category": "civilians", "outcome": "killed", "best": 3, "low": 5, "high": 4}
                ]
            },
            {
                "casualties[0].low": [
                    "The low estimate is above the best estimate.",
                    "The low estimate is above the high estimate.",
                ],
            },
        ),
        (
            {"casualties": [{"category": "civilians", "outcome": "killed", "best": -1}]},
            {"casualties[0].best": ["Give a whole number of people, 0 or more."]},
        ),
        (
            {"casualties": [{"category": "cows", "outcome": "killed", "best": 1}]},
            {"casualties[0].category": ["Unknown casualty category: cows"]},
        ),
        (
            {
                "casualties": [
                    {"category": "civilians", "outcome": "killed", "best": 1},
                    {"category": "civilians_children", "outcome": "killed", "best": 2},
                ]
            },
            {"casualties[1].best": ["More than the civilians killed in total."]},
        ),
        (
            {"sources": [{"name": "Radio", "reliability": "G", "credibility": 9}]},
            {
                "sources[0].reliability": ["Reliability is a letter from A to F."],
                "sources[0].credibility": ["Credibility is a number from 1 to 6."],
            },
        ),
        (
            {"actors": [{"name": "", "side": "c"}]},
            {"actors[0].name": ["This field is required."], "actors[0].side": ["Side is a or b."]},
        ),
    ],
)
def test_invalid_input_is_refused_by_field_and_nothing_is_saved(
    mission, analyst, overrides, fields
):
    with pytest.raises(ValidationFailed) as caught:
        services.incident_create(actor=analyst, mission=mission, **incident_values(**overrides))
    assert caught.value.fields == fields
    assert Incident.objects.count() == 0
    assert Casualty.objects.count() == 0
    assert IncidentRevision.objects.count() == 0


def test_several_problems_are_reported_together(mission, analyst):
    with pytest.raises(ValidationFailed) as caught:
        services.incident_create(
            actor=analyst, mission=mission, **incident_values(title="", latitude=100.0, subtype="x")
        )
    assert sorted(caught.value.fields) == ["latitude", "subtype", "title"]


def test_unknown_fields_are_refused(mission, analyst):
    with pytest.raises(ValidationFailed) as caught:
        services.incident_create(actor=analyst, mission=mission, **incident_values(fatalities=99))
    assert caught.value.fields == {"fatalities": ["Unknown field."]}


def test_update_records_previous_values_and_bumps_version(mission, analyst):
    incident = make_incident(mission, author=analyst)
    original = incident_state(incident)
    services.incident_update(
        actor=analyst,
        incident_id=incident.pk,
        version=1,
        changes={"title": "Clash in Bambari town", "latitude": 6.05},
        comment="Location corrected",
    )
    services.incident_update(
        actor=analyst,
        incident_id=incident.pk,
        version=2,
        changes={"casualties": [{"category": "civilians", "outcome": "killed", "best": 7}]},
    )
    incident.refresh_from_db()
    assert incident.version == 3
    assert incident.title == "Clash in Bambari town"
    assert incident.fatalities == 7
    assert incident.priogrid_gid == 138_642  # the new point moved one row (720 cells) north
    revisions = list(incident.revisions.order_by("version"))
    assert [(r.version, r.action) for r in revisions] == [
        (1, "created"),
        (2, "updated"),
        (3, "updated"),
    ]
    assert revisions[1].changes == {
        "title": [original["title"], "Clash in Bambari town"],
        "latitude": [5.7631, 6.05],
        "priogrid_gid": [137_922, 138_642],
    }
    assert revisions[1].comment == "Location corrected"
    assert revisions[2].changes["fatalities"] == [4, 7]
    # Previous values are recoverable: undo the revisions from the newest back.
    state = incident_state(incident)
    for revision in reversed(revisions[1:]):
        state = state_before(state, revision.changes)
    assert state == original


def test_update_with_stale_version_is_a_conflict_and_changes_nothing(mission, analyst):
    incident = make_incident(mission, author=analyst)
    services.incident_update(
        actor=analyst, incident_id=incident.pk, version=1, changes={"title": "A"}
    )
    before = incident_state(Incident.objects.get(pk=incident.pk))
    with pytest.raises(ConflictError, match="now version 2, you sent 1"):
        services.incident_update(
            actor=analyst, incident_id=incident.pk, version=1, changes={"title": "B"}
        )
    after = Incident.objects.get(pk=incident.pk)
    assert incident_state(after) == before
    assert after.version == 2
    assert after.revisions.count() == 2


def test_update_without_change_is_a_no_op(mission, analyst):
    incident = make_incident(mission, author=analyst)
    services.incident_update(
        actor=analyst, incident_id=incident.pk, version=1, changes={"title": incident.title}
    )
    incident.refresh_from_db()
    assert incident.version == 1
    assert incident.revisions.count() == 1


def test_invalid_update_changes_nothing(mission, analyst):
    incident = make_incident(mission, author=analyst)
    before = incident_state(incident)
    with pytest.raises(ValidationFailed):
        services.incident_update(
            actor=analyst,
            incident_id=incident.pk,
            version=1,
            changes={
                "title": "New",
                "casualties": [{"category": "civilians", "outcome": "x", "best": 1}],
            },
        )
    incident.refresh_from_db()
    assert incident_state(incident) == before
    assert incident.version == 1


def test_reporter_edits_own_report_until_review_starts(mission, reporter, verifier):
    incident = make_incident(mission, author=reporter)
    services.incident_update(
        actor=reporter, incident_id=incident.pk, version=1, changes={"title": "Mine"}
    )
    other = make_incident(mission, author=member(mission, Role.REPORTER, "internal"))
    with pytest.raises(PermissionDenied):
        services.incident_update(
            actor=reporter, incident_id=other.pk, version=1, changes={"title": "x"}
        )
    services.incident_start_review(actor=verifier, incident_id=incident.pk, version=2)
    with pytest.raises(PermissionDenied):
        services.incident_update(
            actor=reporter, incident_id=incident.pk, version=3, changes={"title": "y"}
        )


def test_verification_workflow(mission, analyst, verifier):
    incident = make_incident(mission, author=analyst)
    services.incident_start_review(actor=verifier, incident_id=incident.pk, version=1)
    services.incident_verify(actor=verifier, incident_id=incident.pk, version=2)
    incident.refresh_from_db()
    assert incident.verification_status == "verified"
    assert incident.reviewed_by == verifier
    assert incident.version == 3
    # verifying again is a no-op: no version bump, no revision
    services.incident_verify(actor=verifier, incident_id=incident.pk, version=3)
    incident.refresh_from_db()
    assert incident.version == 3
    with pytest.raises(
        InvalidTransition,
        match="It is Verified; only a reported incident or one under review can be rejected.",
    ):
        services.incident_reject(actor=verifier, incident_id=incident.pk, version=3, reason="dup")
    services.incident_reopen(actor=verifier, incident_id=incident.pk, version=3)
    services.incident_reject(
        actor=verifier, incident_id=incident.pk, version=4, reason="Duplicate of #12"
    )
    incident.refresh_from_db()
    assert incident.verification_status == "rejected"
    assert incident.rejection_reason == "Duplicate of #12"
    assert [
        (r.action, r.changes.get("verification_status"))
        for r in incident.revisions.order_by("version")
    ] == [
        ("created", None),
        ("review_started", ["reported", "under_review"]),
        ("verified", ["under_review", "verified"]),
        ("reopened", ["verified", "under_review"]),
        ("rejected", ["under_review", "rejected"]),
    ]


def test_reject_needs_a_reason(mission, analyst, verifier):
    incident = make_incident(mission, author=analyst)
    with pytest.raises(ValidationFailed) as caught:
        services.incident_reject(actor=verifier, incident_id=incident.pk, version=1, reason="  ")
    assert caught.value.fields == {"reason": ["Say why the incident is rejected."]}
    incident.refresh_from_db()
    assert incident.verification_status == "reported"


def test_invisible_incident_is_not_found_for_writes(mission, other_mission, verifier):
    hidden = make_incident(other_mission)
    with pytest.raises(NotFound):
        services.incident_verify(actor=verifier, incident_id=hidden.pk, version=1)
    with pytest.raises(NotFound):
        services.incident_update(
            actor=verifier, incident_id=hidden.pk, version=1, changes={"title": "x"}
        )


@pytest.mark.parametrize(
    ("given", "lat", "lon", "stored"),
    [
        ("", 4.366667, 18.583333, "COD"),  # UCDP's Bangui point, 600 m into DR Congo
        ("CAF", 4.366667, 18.583333, "CAF"),  # the source's country is kept near a border
        ("CAF", 48.8566, 2.3522, "FRA"),  # ... but not far from it: the point wins
        ("SSD", None, None, "SSD"),  # no point: the given country is all there is
    ],
)
def test_country_comes_from_the_point_unless_the_source_is_near(
    mission, analyst, given, lat, lon, stored
):
    incident = services.incident_create(
        actor=analyst,
        mission=mission,
        **incident_values(country_code=given, latitude=lat, longitude=lon),
    )
    incident.refresh_from_db()
    assert incident.country_code == stored
