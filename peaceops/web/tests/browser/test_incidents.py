"""The incident list and detail pages, with the access policy seen from the browser."""

import re

from playwright.sync_api import expect

from peaceops.incidents.services import incident_verify


def test_incident_list_shows_what_the_analyst_may_see(page, world, sign_in, shoot):
    sign_in(page, world.analyst)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    expect(page).to_have_url(re.compile(r"/incidents/$"))
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=world.internal.title)).to_be_visible()
    expect(table.get_by_role("link", name=world.confidential.title)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    shoot(page)

    page.get_by_label("Search").fill("Kaga-Bandoro")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=Kaga-Bandoro"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(world.confidential.title)


def test_reporter_does_not_see_a_confidential_incident(page, world, sign_in, shoot):
    sign_in(page, world.reporter)  # internal clearance
    page.goto("/incidents/")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=world.internal.title)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text(world.confidential.title)
    shoot(page, "list")

    response = page.goto(f"/incidents/{world.confidential.pk}/")
    assert response is not None
    assert response.status == 404  # the same answer as for an incident that does not exist
    expect(page.locator("body")).not_to_contain_text(world.confidential.title)
    shoot(page, "404")
    missing = page.goto("/incidents/999999/")
    assert missing is not None
    assert missing.status == 404


def test_incident_detail_shows_casualties_and_history(page, world, sign_in, shoot):
    incident_verify(actor=world.verifier, incident_id=world.internal.pk, version=1)
    sign_in(page, world.analyst)
    page.goto("/incidents/")
    page.get_by_role("link", name=world.internal.title).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{world.internal.pk}/$"))
    expect(page.get_by_role("heading", name=world.internal.title, level=1)).to_be_visible()

    facts = page.locator("dl.facts").first  # the incident; sources have their own
    expect(facts).to_contain_text("MINUSCA")
    expect(facts).to_contain_text("Verified")
    expect(facts).to_contain_text("Internal")

    expect(page.get_by_role("heading", name="Casualties")).to_be_visible()
    casualties = page.locator("table", has=page.get_by_role("columnheader", name="Outcome"))
    rows = casualties.locator("tbody tr")
    expect(rows).to_have_count(2)
    civilians = rows.filter(has_text="Civilians")
    expect(civilians.locator("td")).to_have_text(["Civilians (all)", "Killed", "2", "3", "5"])

    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    # (The history repeats the first values, folded away.)
    expect(page.get_by_text("Community alert network (C3)").first).to_be_visible()

    expect(page.get_by_role("heading", name="History")).to_be_visible()
    history = page.locator(".history > li")  # one entry per revision: what, who, when
    expect(history).to_have_count(2)
    for entry, action, who in (
        (history.nth(0), "Created", world.analyst),
        (history.nth(1), "Verified", world.verifier),
    ):
        expect(entry).to_contain_text(action)
        expect(entry).to_contain_text(who.username)
    shoot(page)
