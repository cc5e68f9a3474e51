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
    # The subtype list follows the type at once (no request): choose both straight away.
    reporter.get_by_label("Type", exact=True).select_option("restriction_of_movement")
    reporter.get_by_label("Subtype").select_option("blocked_route")
    reporter.get_by_label("Title").fill("Checkpoint at PK12 stopped a patrol")
    reporter.get_by_label("Started (UTC)").fill("2024-05-01T08:30")
    reporter.get_by_label("Latitude").fill("4.45")
    reporter.get_by_label("Longitude").fill("18.55")
    # The empty casualty row the page offers, then one more added by the button.
    reporter.locator("#id_casualties-0-category").select_option("peacekeepers")
    reporter.locator("#id_casualties-0-outcome").select_option("injured")
    reporter.locator("#id_casualties-0-best").fill("2")
    reporter.get_by_role("button", name="Add a casualty row").click()
    expect(reporter.locator("#id_casualties-1-category")).to_be_focused()
    reporter.locator("#id_casualties-1-category").select_option("civilians")
    reporter.locator("#id_casualties-1-low").fill("1")
    reporter.locator("#id_casualties-1-best").fill("3")
    reporter.locator("#id_casualties-1-high").fill("2")  # below the best: refused, kept
    reporter.get_by_label("Source", exact=True).fill("Patrol leader")
    reporter.get_by_label("Reliability of the source").select_option("B")
    shoot(reporter, "form")
    reporter.get_by_role("button", name="Send the report").click()
    high = reporter.locator("#id_casualties-1-high")
    expect(reporter.locator("#id_casualties-1-high_error")).to_have_text(
        "The high estimate is below the best estimate."
    )
    expect(high).to_have_attribute("aria-invalid", "true")
    expect(reporter.get_by_label("Title")).to_have_value("Checkpoint at PK12 stopped a patrol")
    expect(reporter.locator("#id_casualties-0-best")).to_have_value("2")
    shoot(reporter, "refused")
    high.fill("5")
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
    assert sorted(
        (c.category, c.outcome, c.low, c.best, c.high) for c in incident.casualties.all()
    ) == [("civilians", "killed", 1, 3, 5), ("peacekeepers", "injured", None, 2, None)]
    assert [(s.name, s.reliability) for s in incident.sources.all()] == [("Patrol leader", "B")]
    expect(reporter.locator("main")).to_contain_text("Patrol leader (B6)")

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
