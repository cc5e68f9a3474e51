"""Every page: each control has a label, text meets the WCAG AA contrast ratio, one h1.
Add new pages to PAGES: name -> (who signs in, a function of the `world` fixture giving
the path)."""

import pytest
from playwright.sync_api import expect

from peaceops.web.tests.browser.a11y import low_contrast_text, unlabelled_controls

PAGES = {
    "missions": ("analyst", lambda world: "/"),
    "incident-list": ("analyst", lambda world: "/incidents/"),
    "incident-detail": ("analyst", lambda world: f"/incidents/{world.internal.pk}/"),
    # A verifier also gets the verification and assignment forms.
    "incident-detail-verifier": ("verifier", lambda world: f"/incidents/{world.internal.pk}/"),
}


def check(page) -> None:
    assert not unlabelled_controls(page), unlabelled_controls(page)
    assert not low_contrast_text(page), low_contrast_text(page)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main#main")).to_have_count(1)


def test_sign_in_page_is_accessible(page, world):
    page.goto("/sign-in/")
    check(page)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible(page, world, sign_in, name):
    who, path = PAGES[name]
    sign_in(page, getattr(world, who))
    response = page.goto(path(world))
    assert response is not None
    assert response.status == 200
    check(page)
