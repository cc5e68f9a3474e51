"""Signing in and out through the real form."""

import re

from playwright.sync_api import expect

from peaceops.core.roles import Role
from peaceops.testing.factories import PASSWORD, member


def test_sign_in_wrong_password_then_right_then_sign_out(page, world, shoot):
    user = member(world.mission, Role.ANALYST, "confidential")

    page.goto("/")  # the pages need a signed-in user
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    shoot(page, "page")

    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("User name or password is wrong.")
    expect(page.get_by_label("User name")).to_have_value(user.username)  # kept
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    shoot(page, "wrong-password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Your missions")).to_be_visible()
    expect(page.get_by_role("link", name="MINUSCA")).to_be_visible()
    expect(page.locator("header")).to_contain_text(user.username)
    shoot(page, "missions")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/incidents/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/incidents/$"))
