"""The language form (Arabic is right-to-left) and keyboard use."""

import re

from playwright.sync_api import expect

VIEWPORT_WIDTH = 1280


def test_arabic_interface_is_right_to_left(page, world, sign_in, shoot):
    sign_in(page, world.analyst)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page).to_have_url(re.compile(r"/$"))  # back on the page it was sent from
    direction = page.evaluate("getComputedStyle(document.documentElement).direction")
    assert direction == "rtl"
    # The layout follows: the brand starts the header on the right, table cells align right.
    brand = page.locator("header .brand").bounding_box()
    assert brand is not None
    assert brand["x"] > VIEWPORT_WIDTH / 2, brand
    align = page.locator("th").first.evaluate("th => getComputedStyle(th).textAlign")
    assert align in ("start", "right"), align
    expect(page.get_by_role("link", name="MINUSCA")).to_be_visible()
    shoot(page, "missions")

    # The choice sticks (cookie) on the next page.
    page.goto("/incidents/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shoot(page, "incidents")

    # Back to English with the same form (its labels may be translated by now).
    page.locator("select[name=language]").select_option("en")
    page.locator("form:has(select[name=language]) [type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_skip_link_is_the_first_tab_stop_and_visible_when_focused(page, world, sign_in, shoot):
    sign_in(page, world.analyst)
    skip = page.get_by_role("link", name="Skip to content")
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0, "the skip link is off screen until focused"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= VIEWPORT_WIDTH, box
    assert 0 <= box["y"] < 100, box
    outline = skip.evaluate("a => getComputedStyle(a).outlineStyle")
    assert outline not in ("none", ""), "keyboard focus is visible"
    shoot(page, "focused")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_chinese_pages_write_months_the_chinese_way(page, world, sign_in, shoot):
    sign_in(page, world.analyst)
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.goto("/map/")  # the time slider: both incidents are of March 2024
    first_month = page.locator("#m-month-from")
    expect(first_month).to_be_enabled()
    expect(first_month).to_have_attribute("aria-valuetext", "2024年3月")

    page.goto(f"/missions/{world.mission.acronym}/dashboard/?until=2024-03")
    table = page.locator("details.chart-table").first  # behind the incidents charts
    table.locator("summary").click()
    expect(table.get_by_role("link", name="2024年3月", exact=True)).to_be_visible()
    expect(page.locator("svg.chart rect title", has_text="2024年3月").first).to_be_attached()
    shoot(page, "dashboard")
