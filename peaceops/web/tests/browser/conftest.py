"""Fixtures for the tests that drive a real Chromium (Debian's /usr/bin/chromium) through
Playwright against pytest-django's live server.

- `browser`: one headless Chromium for all the tests in this folder. Playwright never
  downloads a browser here; `scripts/install-chromium.sh` (run by `scripts/test.sh`)
  installs Debian's. If Chromium cannot start, every test here FAILS with the reason.
- `page`: a fresh browser context per test (own cookies, 1280x800, English locale), on the
  live server (`page.goto("/incidents/")` works).
- `new_page`: more pages, e.g. a second user or another locale, in the same test.
- `sign_in(page, user)`: signs in through the real sign-in form.
- `shoot(page, name=None)`: saves a full-page screenshot to
  `test-artifacts/screenshots/<test name>[-name].png`. A failing test also leaves
  `<test name>-FAILED.png` behind for each of its pages.
- `world`: a small data set (one mission, an internal and a confidential incident, a
  reporter with internal clearance, an analyst with confidential clearance).

The tests use `live_server`, so they run with `transactional_db`: what a test writes
through the factories is committed and the server thread sees it. pytest-django runs them
after the other database tests.

Playwright's synchronous API keeps an asyncio loop "running" on the main thread while it is
started, which makes Django refuse ORM calls there (SynchronousOnlyOperation) although
nothing runs concurrently. `DJANGO_ALLOW_ASYNC_UNSAFE` is set only for as long as
Playwright is started, which is only while the tests of this folder run.
"""

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from peaceops.accounts.models import User
from peaceops.core.classification import Classification
from peaceops.core.roles import Role
from peaceops.incidents.models import Incident
from peaceops.missions.models import Mission
from peaceops.testing.factories import PASSWORD, MissionFactory, make_incident, member

CHROMIUM = os.environ.get("PEACEOPS_CHROMIUM", "/usr/bin/chromium")
# The flags keep Chromium from opening connections of its own (this machine's network
# is closed: without them Chromium retries blocked connections at every start).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
LOCALE = "en-US"
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[3] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the `browser` marker (`-m "not browser"` skips
    them on purpose; nothing skips them otherwise)."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(
            f"The browser tests need the Python package playwright ({exc}). "
            "Run scripts/bootstrap.sh test.",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run scripts/install-chromium.sh "
            "(installs Debian's chromium package).",
            pytrace=False,
        )
    try:
        # Playwright gives the browser a fresh, empty profile directory of its own.
        browser = playwright_instance.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
    except Exception as exc:
        pytest.fail(f"Chromium ({CHROMIUM}) did not start: {exc}", pytrace=False)
    yield browser
    browser.close()


def _test_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")


@pytest.fixture
def new_page(browser, live_server, request) -> Iterator[Callable[..., object]]:
    """Opens a page in a fresh context (cookies of its own) on the live server."""
    contexts = []
    pages = []

    def open_page(*, locale: str = LOCALE, viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or VIEWPORT,
            locale=locale,
            # Sent as Accept-Language; the interface language follows it until the user
            # picks one with the language form.
            extra_http_headers={"Accept-Language": locale},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(pages, 1):
            suffix = "" if number == 1 else f"-{number}"
            with contextlib.suppress(Exception):  # the test's own failure is what matters
                page.screenshot(
                    path=SCREENSHOTS / f"{_test_name(request)}-FAILED{suffix}.png", full_page=True
                )
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def shoot(request) -> Callable[..., Path]:
    """shoot(page) -> test-artifacts/screenshots/<test name>.png;
    shoot(page, "arabic") -> <test name>-arabic.png."""

    def take(page, name: str | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = _test_name(request) + (f"-{name}" if name else "")
        path = SCREENSHOTS / f"{stem}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """sign_in(page, user): through the sign-in form, as a person would; ends on the page
    the form leads to (the missions page)."""

    def do_sign_in(page, user: User, password: str = PASSWORD) -> None:
        page.goto("/sign-in/")
        page.get_by_label("User name").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert not page.url.rstrip("/").endswith("/sign-in"), (
            f"signing in as {user.get_username()} failed: {page.locator('main').inner_text()}"
        )

    return do_sign_in


@dataclass
class World:
    mission: Mission
    internal: Incident
    confidential: Incident
    reporter: User  # internal clearance: sees `internal`, not `confidential`
    analyst: User  # confidential clearance: sees both
    verifier: User


@pytest.fixture
def world(live_server, transactional_db) -> World:
    mission = MissionFactory(acronym="MINUSCA", host_countries=["CAF"])
    analyst = member(mission, Role.ANALYST, Classification.CONFIDENTIAL)
    return World(
        mission=mission,
        internal=make_incident(
            mission,
            author=analyst,
            title="Clash on the Bambari road",
            classification=Classification.INTERNAL,
        ),
        confidential=make_incident(
            mission,
            author=analyst,
            title="Informant report from Kaga-Bandoro",
            classification=Classification.CONFIDENTIAL,
            started_at="2024-03-07T09:00:00Z",
        ),
        reporter=member(mission, Role.REPORTER, Classification.INTERNAL),
        analyst=analyst,
        verifier=member(mission, Role.VERIFIER, Classification.CONFIDENTIAL),
    )
