"""The daily workflow end to end in Chromium: a reporter reports an incident from the form,
a verifier verifies it, and an analyst finds it in the list, on the dashboard and on the map."""

import re

from playwright.sync_api import expect

from peaceops.incidents.models import Incident


def test_report_verify_and_find_everywhere(new_page, world, sign_in, shoot):
    reporter = new_page(viewport={"width": 390, "height": 844})  # a phone
    sign_in(reporter, world.reporter)
    reporter.get_by_role("link", name="Report an incident").click()
    reporter.get_by_label("Mission").select_option(label=world.mission.acronym)
    # Choosing a type reloads the subtype list (htmx): wait for it before choosing a subtype.
    with reporter.expect_response(lambda r: "/incidents/new/subtypes/" in r.url):
        reporter.get_by_label("Type", exact=True).select_option("restriction_of_movement")
    expect(reporter.get_by_label("Subtype").locator("option[value=blocked_route]")).to_have_count(1)
    reporter.get_by_label("Subtype").select_option("blocked_route")
    reporter.get_by_label("Title").fill("Checkpoint at PK12 stopped a patrol")
    reporter.get_by_label("Started (UTC)").fill("2024-05-01T08:30")
    reporter.get_by_label("Latitude").fill("4.45")
    reporter.get_by_label("Longitude").fill("18.55")
    reporter.get_by_label("Source", exact=True).fill("Patrol leader")
    shoot(reporter, "form")
    reporter.get_by_role("button", name="Send the report").click()
    expect(
        reporter.get_by_role("heading", name="Checkpoint at PK12 stopped a patrol")
    ).to_be_visible()
    incident = Incident.objects.get(title="Checkpoint at PK12 stopped a patrol")
    assert (incident.created_by, incident.country_code, incident.verification_status) == (
        world.reporter,
        "CAF",
        "reported",
    )

    verifier = new_page()
    sign_in(verifier, world.verifier)
    verifier.goto(f"/incidents/{incident.pk}/")
    verifier.get_by_role("button", name="Verify").click()
    expect(verifier.locator("body")).to_contain_text("Verified")
    shoot(verifier, "verified")
    incident.refresh_from_db()
    assert (incident.verification_status, incident.reviewed_by) == ("verified", world.verifier)

    analyst = new_page()
    sign_in(analyst, world.analyst)
    analyst.goto("/incidents/?q=PK12")
    expect(analyst.get_by_role("table").get_by_role("link", name=incident.title)).to_be_visible()
    analyst.goto(f"/missions/{world.mission.acronym}/dashboard/?until=2024-05")
    expect(analyst.locator("main")).to_contain_text("Restriction of movement")
    shoot(analyst, "dashboard")
    analyst.goto("/map/?q=PK12")
    expect(analyst.locator("#map-status")).to_have_text(re.compile(r"Incidents on the map: 1\."))
    shoot(analyst, "map")
