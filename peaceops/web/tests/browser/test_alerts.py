"""Early warning in a real browser: a community alert raised from a phone, triaged on the
board by an analyst through to a recorded response; the pages are accessible; Arabic is
right-to-left."""

from playwright.sync_api import expect

from peaceops.testing.warning_factories import raise_alert
from peaceops.warning.models import Alert
from peaceops.web.tests.browser.a11y import low_contrast_text, unlabelled_controls

PHONE = {"width": 390, "height": 844}


def test_raise_triage_and_respond(new_page, world, sign_in, shoot):
    phone = new_page(viewport=PHONE)
    sign_in(phone, world.reporter)
    phone.goto("/alerts/new/")
    phone.get_by_label("Where the warning comes from").select_option("community")
    phone.get_by_label("What is feared").select_option("violence_against_civilians")
    phone.get_by_label("Title").fill("Armed men gathering near the Bria market")
    phone.get_by_label("Details").fill("Hotline caller: about 30 armed men since dawn.")
    phone.get_by_label("Severity").select_option("high")
    phone.get_by_label("Latitude").fill("6.54")
    phone.get_by_label("Longitude").fill("21.99")
    phone.get_by_label("Place name").fill("Bria")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Raise the alert").click()
    expect(phone.locator("h1")).to_have_text("Armed men gathering near the Bria market")
    shoot(phone, "raised-on-phone")
    alert = Alert.objects.get()

    page = new_page()
    sign_in(page, world.analyst)
    page.goto("/alerts/")
    new_column = page.locator("section.board-column", has=page.locator("h2", has_text="New"))
    expect(new_column.get_by_role("link", name=alert.title)).to_be_visible()
    shoot(page, "board")
    new_column.get_by_role("link", name=alert.title).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".messages")).to_contain_text("The alert is now Acknowledged.")
    page.get_by_label("Action", exact=True).select_option("patrol")
    page.get_by_label("Unit", exact=True).fill("BANBAT 2")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the response").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Mark responded").click()
    page.get_by_label("Outcome").select_option("prevented")
    with page.expect_navigation():
        page.get_by_role("button", name="Completed now").click()
    expect(page.locator(".messages")).to_contain_text("Response completed.")
    expect(page.locator(".badges .status")).to_have_text("Responded")
    expect(page.locator(".timeline")).to_contain_text("New → Acknowledged")
    expect(page.locator(".timeline")).to_contain_text("Acknowledged → Responded")
    shoot(page, "detail")
    alert.refresh_from_db()
    assert alert.status == "responded"
    assert list(alert.responses.values_list("unit", "outcome")) == [("BANBAT 2", "prevented")]


def test_alert_pages_are_accessible_and_arabic_is_right_to_left(page, world, sign_in, shoot):
    alert = raise_alert(world.mission, actor=world.reporter)
    sign_in(page, world.analyst)
    for path in ("/alerts/", f"/alerts/{alert.pk}/", "/alerts/new/", "/alerts/metrics/"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200
        assert not unlabelled_controls(page), (path, unlabelled_controls(page))
        assert not low_contrast_text(page), (path, low_contrast_text(page))
        expect(page.locator("h1")).to_have_count(1)

    page.goto("/alerts/")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shoot(page, "board-arabic")


def test_open_alerts_are_a_layer_on_the_map(page, world, sign_in, shoot):
    alert = raise_alert(world.mission, actor=world.reporter, title="Roadblock on the Bria road")
    sign_in(page, world.analyst)
    page.goto("/map/")
    expect(page.locator("#map-status")).to_have_attribute("data-state", "done")
    page.get_by_label("Open alerts, ringed by severity").check()
    expect(page.locator("#map-status")).to_contain_text("Open early-warning alerts on the map: 1.")
    marker = page.locator(".leaflet-alerts-pane path.leaflet-interactive")
    expect(marker).to_have_count(1)
    marker.dispatch_event("click")
    link = page.get_by_role("link", name="Roadblock on the Bria road")
    expect(link).to_have_attribute("href", f"/alerts/{alert.pk}/")
    shoot(page)
