"""Browser tests: Playwright drives Debian's Chromium, headless, against Django's live_server.

Run them with `pytest tests/browser`. Without /usr/bin/chromium they are
skipped, unless POLICYHUB_REQUIRE_SERVICES=1 (set by CI), where a missing
browser is an error. Every step saves a full-page screenshot under
test-artifacts/screenshots/, numbered in the order the steps ran.
"""

import itertools
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread, and Django
# refuses ORM calls from a thread with a running loop unless this is set.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The interface language decides how date inputs are shown.
    "--lang=zh-CN",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "pass-for-tests"
CHINESE = "zh-hans"
# Counts steps across the whole run, so that screenshots of different tests never share a file name.
STEP_NUMBERS = itertools.count(1)


def in_chinese(text):
    """Return `text` (a msgid or a lazy translation) translated to Simplified Chinese."""
    with translation.override(CHINESE):
        return translation.gettext(text) if isinstance(text, str) else str(text)


@pytest.fixture(scope="session", autouse=True)
def serialized_database_contents(django_db_setup):
    """Return the serialized test database that transactional tests restore before they start.

    Migrations load data (the element catalog, the holiday calendar) that a
    transactional test's flush would otherwise delete for the tests after it.
    """
    return {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}


@pytest.fixture(scope="session", autouse=True)
def serialized_contents_under_playwright(serialized_database_contents, playwright):
    # Django keeps the serialized contents on the connection object, and
    # `connections` is an asgiref Local, which is per contextvars context.
    # Once Playwright's sync API has started, the test code runs in another
    # context and gets new connection objects without the contents, so
    # serialized_rollback would silently restore nothing.
    for alias, contents in serialized_database_contents.items():
        if contents is not None:
            connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install Debian's chromium package to run the browser tests."
        if os.environ.get("POLICYHUB_REQUIRE_SERVICES", "") in ("1", "true", "yes"):
            pytest.fail(reason + " POLICYHUB_REQUIRE_SERVICES is set, so this is an error.")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A civil servant's browser in Changchun: Chinese first, local time, an office screen.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
    }


class Site:
    """The live PolicyHub in one browser tab, with the checks every step makes.

    `step()` saves a screenshot and checks that the page is in Chinese: the
    <html lang> attribute at once, and the translation of a few of the
    page's strings, computed with gettext so the test follows the catalog.
    Missing translations are collected rather than raised, so the rest of
    the walkthrough still runs. `assert_translated()` at the end of a test
    fails with the whole list.
    """

    def __init__(self, page, base_url, screenshot_directory):
        self.page = page
        self.base_url = base_url
        self.screenshot_directory = screenshot_directory
        self.translation_problems = []

    def url(self, path):
        return self.base_url + path

    def open(self, path):
        self.page.goto(self.url(path))

    def log_in(self, person):
        self.open(reverse("login"))
        self.page.fill('input[name="username"]', person.username)
        self.page.fill('input[name="password"]', PASSWORD)
        self.page.click('main form button[type="submit"]')
        expect(self.page.locator('[data-testid="current-user"]')).to_contain_text(str(person))

    def log_out(self):
        self.page.click(f'form[action="{reverse("logout")}"] button')
        expect(self.page.locator('input[name="username"]')).to_be_visible()

    def step(self, name, *msgids):
        """Check that the page is in Chinese and shows `msgids` translated, then save a screenshot."""
        expect(self.page.locator("html")).to_have_attribute("lang", CHINESE)
        page_text = self.page.locator("body").inner_text()
        for msgid in msgids:
            chinese = in_chinese(msgid)
            if chinese == msgid:
                self.translation_problems.append(f"{name}: no Chinese translation of {msgid!r}")
            elif chinese not in page_text:
                self.translation_problems.append(f"{name}: {chinese!r} (for {msgid!r}) is not on the page")
        self.screenshot(name)

    def screenshot(self, name):
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.screenshot_directory / f"{next(STEP_NUMBERS):02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_translated(self):
        assert not self.translation_problems, "Pages not fully in Chinese:\n" + "\n".join(self.translation_problems)


@pytest.fixture(scope="session")
def screenshot_directory():
    """Return the screenshot folder, emptied of the screenshots of earlier runs."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for old_screenshot in SCREENSHOT_DIR.glob("*.png"):
        old_screenshot.unlink(missing_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def site(page, live_server, screenshot_directory):
    return Site(page, live_server.url, screenshot_directory)
