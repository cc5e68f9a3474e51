import html
import re

import pytest

from peaceops.core.roles import Role
from peaceops.incidents.models import Incident, IncidentRevision
from peaceops.incidents.services import (
    incident_assign,
    incident_reject,
    incident_start_review,
    incident_verify,
)
from peaceops.testing.clients import client_for
from peaceops.testing.factories import make_incident, member


def _status(incident: Incident) -> str:
    return Incident.objects.get(pk=incident.pk).verification_status


def _messages(response) -> list[str]:
    """The messages the next page shows (reading them there uses them up)."""
    assert response.status_code == 302
    page = response.client.get(response["Location"]).content.decode()
    return [html.unescape(m) for m in re.findall(r'<p class="message[^"]*">(.*?)</p>', page)]


def _bulk(client, action, incidents, **extra):
    data = {
        "action": action,
        "incidents": [f"{i.pk}:{i.version}" for i in incidents],
        "query": "mission=MINUSCA&verification=reported&sort=fatalities",
        **extra,
    }
    return client.post("/incidents/bulk/", data)


# --- the list ----------------------------------------------------------------------------


def test_reviewers_get_checkboxes_with_versions_and_bulk_actions(mission, verifier):
    incident = make_incident(mission)
    html = client_for(verifier).get("/incidents/").content.decode()
    assert f'name="incidents" value="{incident.pk}:1"' in html
    for action in ("start_review", "verify", "reject", "assign"):
        assert f'name="action" value="{action}"' in html
    assert 'name="reason"' in html
    assert f'<option value="{verifier.pk}">{verifier.username}</option>' in html


@pytest.mark.parametrize("role", [Role.REPORTER, Role.ANALYST, Role.HQ_READER])
def test_others_get_no_triage_controls(mission, role):
    make_incident(mission)
    html = client_for(member(mission, role, "confidential")).get("/incidents/").content.decode()
    assert 'name="incidents"' not in html
    assert 'name="action"' not in html


def test_checkboxes_only_for_missions_where_the_user_reviews(mission, other_mission):
    mine = make_incident(mission)
    theirs = make_incident(other_mission)
    user = member(mission, Role.VERIFIER, "internal")
    member(other_mission, Role.ANALYST, "internal", user=user)
    html = client_for(user).get("/incidents/").content.decode()
    assert f'value="{mine.pk}:1"' in html
    assert f'value="{theirs.pk}:1"' not in html
    assert f'href="/incidents/{theirs.pk}/"' in html


def test_sorting_by_fatalities_and_status_with_offset_pages(mission, analyst):
    def killed(n):
        return [{"category": "civilians", "outcome": "killed", "best": n}]

    few = make_incident(mission, title="Few", casualties=killed(1), started_at="2024-01-03")
    many = make_incident(mission, title="Many", casualties=killed(9), started_at="2024-01-01")
    some = make_incident(mission, title="Some", casualties=killed(4), started_at="2024-01-02")
    incident_verify(actor=member(mission, Role.VERIFIER), incident_id=few.pk, version=1)
    client = client_for(analyst)

    def order(**params):
        html = client.get("/incidents/", params).content.decode()
        return [int(pk) for pk in re.findall(r'href="/incidents/(\d+)/"', html)]

    assert order() == [few.pk, some.pk, many.pk]  # newest first
    assert order(sort="oldest") == [many.pk, some.pk, few.pk]
    assert order(sort="fatalities") == [many.pk, some.pk, few.pk]
    assert order(sort="status") == [some.pk, many.pk, few.pk]  # reported before verified

    from peaceops.web import list_views

    original = list_views.PAGE_SIZE
    list_views.PAGE_SIZE = 2
    try:
        first = client.get("/incidents/", {"sort": "fatalities"}).content.decode()
        assert "page=2" in first
        assert order(sort="fatalities", page=2) == [few.pk]
        second = client.get("/incidents/", {"sort": "fatalities", "page": 2}).content.decode()
        assert "Previous page" in second
    finally:
        list_views.PAGE_SIZE = original


def test_list_query_count_does_not_grow_with_rows(mission, verifier, django_assert_num_queries):
    client = client_for(verifier)
    for _ in range(3):
        make_incident(mission)
    client.get("/incidents/")  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/incidents/")
    for _ in range(7):
        make_incident(mission)
    with CaptureQueriesContext(connection) as more:
        client.get("/incidents/")
    assert len(more) == len(few)


def test_bad_date_filter_says_what_to_do(mission, analyst):
    html = client_for(analyst).get("/incidents/", {"date_from": "3 May"}).content.decode()
    assert "is not a date. Give dates as YYYY-MM-DD; that filter was ignored." in html


def test_export_links_carry_only_filled_filters_and_not_the_sort(mission, analyst):
    make_incident(mission)
    html = (
        client_for(analyst)
        .get("/incidents/", {"mission": "MINUSCA", "type": "", "q": "", "sort": "status"})
        .content.decode()
    )
    assert '<a href="/api/v1/incidents/export?format=csv&amp;mission=MINUSCA">CSV</a>' in html


# --- bulk actions ------------------------------------------------------------------------


def test_bulk_verify_reports_done_skipped_and_refused_per_incident(mission, verifier):
    reported = make_incident(mission)
    under_review = make_incident(mission)
    under_review = incident_start_review(actor=verifier, incident_id=under_review.pk, version=1)
    already = make_incident(mission)
    already = incident_verify(actor=verifier, incident_id=already.pk, version=1)
    rejected = make_incident(mission)
    rejected = incident_reject(actor=verifier, incident_id=rejected.pk, version=1, reason="dup")

    response = _bulk(client_for(verifier), "verify", [reported, under_review, already, rejected])

    assert response.status_code == 302
    assert response["Location"] == (
        "/incidents/?mission=MINUSCA&verification=reported&sort=fatalities"
    )
    assert _status(reported) == _status(under_review) == "verified"
    assert _status(rejected) == "rejected"
    assert _messages(response) == [
        f"Verify: done for 2 incidents (#{reported.pk}, #{under_review.pk}).",
        f"Verify: 1 incident skipped, it is already in that state (#{already.pk}).",
        f"Verify refused for #{rejected.pk}: It is Rejected; this is possible only when it is "
        "Reported or Under review.",
    ]


def test_bulk_action_with_a_stale_version_is_refused_for_that_incident(mission, verifier):
    fresh = make_incident(mission)
    stale = make_incident(mission)
    seen = Incident.objects.get(pk=stale.pk)
    incident_assign(actor=verifier, incident_id=stale.pk, version=1, assignee=verifier)

    response = _bulk(client_for(verifier), "start_review", [fresh, seen])

    assert _status(fresh) == "under_review"
    assert _status(stale) == "reported"
    messages = _messages(response)
    assert messages[0] == f"Start review: done for 1 incident (#{fresh.pk})."
    assert messages[1].startswith(f"Start review refused for #{stale.pk}: This incident was")
    assert "Reload it and apply your change again." in messages[1]


def test_someone_else_got_there_first_counts_as_skipped(mission, verifier):
    incident = make_incident(mission)
    seen = Incident.objects.get(pk=incident.pk)
    incident_verify(actor=member(mission, Role.VERIFIER), incident_id=incident.pk, version=1)
    response = _bulk(client_for(verifier), "verify", [seen])
    assert _messages(response) == [
        f"Verify: 1 incident skipped, it is already in that state (#{incident.pk})."
    ]


def test_bulk_reject_needs_a_reason_and_records_it(mission, verifier):
    one, two = make_incident(mission), make_incident(mission)
    client = client_for(verifier)

    response = _bulk(client, "reject", [one, two], reason="  ")
    assert _messages(response) == ["Say why the incidents are rejected, then try again."]
    assert _status(one) == _status(two) == "reported"

    response = _bulk(client, "reject", [one, two], reason="Duplicate of an earlier report")
    assert _status(one) == _status(two) == "rejected"
    assert Incident.objects.get(pk=one.pk).rejection_reason == "Duplicate of an earlier report"
    assert _messages(response) == [f"Reject: done for 2 incidents (#{one.pk}, #{two.pk})."]


def test_bulk_assign_to_a_member_of_the_mission(mission, verifier):
    one, two = make_incident(mission), make_incident(mission, classification="confidential")
    analyst = member(mission, Role.ANALYST, "internal")
    response = _bulk(client_for(verifier), "assign", [one, two], assignee=str(analyst.pk))
    assert Incident.objects.get(pk=one.pk).assigned_to == analyst
    assert Incident.objects.get(pk=two.pk).assigned_to is None
    assert _messages(response) == [
        f"Assign: done for 1 incident (#{one.pk}).",
        f"Assign refused for #{two.pk}: {analyst.username} is not cleared to see this "
        "incident. Choose someone with a higher clearance.",
    ]


def test_bulk_assign_to_someone_outside_the_users_missions_is_refused(
    mission, other_mission, verifier
):
    incident = make_incident(mission)
    outsider = member(other_mission, Role.ANALYST, "confidential")
    response = _bulk(client_for(verifier), "assign", [incident], assignee=str(outsider.pk))
    assert _messages(response) == ["Choose the person to assign the incidents to."]
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_bulk_without_selection_says_what_to_do(mission, verifier):
    response = _bulk(client_for(verifier), "verify", [])
    assert _messages(response)[0].startswith("Select at least one incident")


@pytest.mark.parametrize("role", [Role.REPORTER, Role.ANALYST, Role.HQ_READER])
def test_bulk_by_non_reviewers_changes_nothing(mission, role):
    incident = make_incident(mission)
    before = IncidentRevision.objects.count()
    response = _bulk(client_for(member(mission, role, "confidential")), "verify", [incident])
    assert _messages(response) == [
        f"Verify refused for #{incident.pk}: Only verifiers and mission administrators of "
        "its mission can do this."
    ]
    assert _status(incident) == "reported"
    assert IncidentRevision.objects.count() == before


def test_bulk_on_an_invisible_incident_reveals_nothing(mission):
    secret = make_incident(mission, classification="strictly_confidential")
    verifier = member(mission, Role.VERIFIER, "confidential")
    response = _bulk(client_for(verifier), "verify", [secret])
    assert _messages(response) == [
        f"Verify refused for #{secret.pk}: It does not exist, or you may not see it any more."
    ]
    assert _status(secret) == "reported"


def test_bulk_returns_only_to_the_list(mission, verifier):
    incident = make_incident(mission)
    response = client_for(verifier).post(
        "/incidents/bulk/",
        {"action": "verify", "incidents": [f"{incident.pk}:1"], "query": "https://evil.example/"},
    )
    assert response["Location"].startswith("/incidents/?")


# --- detail page -------------------------------------------------------------------------


def test_detail_offers_reviewers_the_actions_of_the_current_state(mission, verifier):
    incident = make_incident(mission)
    client = client_for(verifier)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'name="version" value="1"' in html
    for action in ("start_review", "verify", "reject", "assign"):
        assert f'name="action" value="{action}"' in html
    assert 'value="reopen"' not in html

    incident_verify(actor=verifier, incident_id=incident.pk, version=1)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'name="action" value="reopen"' in html
    assert 'value="verify"' not in html


def test_detail_hides_actions_from_non_reviewers_and_the_edit_link_by_permission(mission, reporter):
    own = make_incident(mission, author=reporter)
    html = client_for(reporter).get(f"/incidents/{own.pk}/").content.decode()
    assert 'name="action"' not in html


def test_detail_actions_post_with_the_version_and_report_the_outcome(mission, verifier):
    incident = make_incident(mission)
    client = client_for(verifier)
    response = client.post(
        f"/incidents/{incident.pk}/action/", {"action": "start_review", "version": 1}
    )
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert _messages(response) == ["Start review: done."]
    response = client.post(f"/incidents/{incident.pk}/action/", {"action": "verify", "version": 1})
    assert _status(incident) == "under_review"
    assert "Reload it and apply your change again." in _messages(response)[0]
    response = client.post(
        f"/incidents/{incident.pk}/action/", {"action": "reject", "version": 2, "reason": ""}
    )
    assert _messages(response) == ["Say why the incidents are rejected, then try again."]
    response = client.post(
        f"/incidents/{incident.pk}/action/",
        {"action": "reject", "version": 2, "reason": "Not in our area"},
    )
    assert _status(incident) == "rejected"


def test_history_says_who_changed_what_in_words(mission, verifier):
    incident = make_incident(mission)
    analyst = member(mission, Role.ANALYST, "internal")
    incident_start_review(actor=verifier, incident_id=incident.pk, version=1)
    incident_assign(actor=verifier, incident_id=incident.pk, version=2, assignee=analyst)
    incident_reject(actor=verifier, incident_id=incident.pk, version=3, reason="Duplicate")
    html = client_for(verifier).get(f"/incidents/{incident.pk}/").content.decode()
    compact = re.sub(r"\s+", " ", html)
    assert f"v2 · Review started · {verifier.username}" in compact
    assert (
        '<span class="field">Status</span>: <del>Reported</del> → <ins>Under review</ins>'
        in compact
    )
    assert (
        f'<span class="field">Assigned to</span>: <del>—</del> → <ins>{analyst.username}</ins>'
        in compact
    )
    assert (
        '<span class="field">Reason for rejection</span>: <del>—</del> → <ins>Duplicate</ins>'
        in compact
    )
    assert "Values as first recorded" in compact
    assert '<span class="field">Type</span>: <ins>Armed clash</ins>' in compact
