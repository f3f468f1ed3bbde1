"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
`live_server`.

Fixture contract (for every `tests/browser/test_<app>_*.py`)
-------------------------------------------------------------
* Mark every browser test `@pytest.mark.browser` (or `pytestmark = pytest.mark.browser` at
  module level). Without Chromium at /usr/bin/chromium the test is skipped with a reason
  (tests/conftest.py); CI installs Chromium and fails on any skip.
* `page` — a fresh Playwright `Page` in its own browser context (no cookies shared between
  tests), with `base_url` set to `live_server.url`, so `page.goto("/events/")` works, and a
  10-second default timeout (a missing element fails fast instead of hanging). Using it pulls
  in `live_server`, hence `transactional_db`: data you create in the test (factories,
  fixtures such as `member`) is visible to the server thread.
* `live_server` — pytest-django's; `live_server.url` is `http://localhost:<port>`.
* `login(page, live_server, user, password=PASSWORD)` — a plain function: logs `user` in
  through the real login form and returns once the home page (or `next`) is shown; raises
  AssertionError with the page's messages if the login failed. Import it with
  `from tests.browser.conftest import login`. The user must have a verified email
  (UserFactory's default) and the test password `tests.factories.PASSWORD`.
* `login_as` — the same as a fixture: `login_as(user)` logs into `page`.
* `console_errors` — the list of JavaScript errors seen by `page` so far. Uncaught JS
  exceptions and Content-Security-Policy violations fail the test at teardown: our CSP
  forbids inline scripts and style attributes, and the browser is the only place that says so.

Async safety: Playwright's sync API runs an asyncio event loop in the test thread, which
trips Django's SynchronousOnlyOperation check on every ORM call made by the test itself.
The `page` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE=true while Playwright runs and removes it
(and stops Playwright) afterwards, so non-browser tests keep the check. Playwright is started
per test for the same reason: a running loop must not leak into the next, non-browser test.
Fixtures and test code may use the ORM freely, before or after `page` is set up; data written
from the test is committed at once (transactional_db), so the live server sees it.
"""

from __future__ import annotations

import os
import re

import pytest
from django.db import connections

from bench.chromium import CHROMIUM_ARGS, CHROMIUM_PATH
from tests.factories import PASSWORD

DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture
def _allow_async_unsafe():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser(_allow_async_unsafe):
    """A headless Chromium for one test (see the module docstring for why per test)."""
    if not os.path.exists(CHROMIUM_PATH):
        pytest.skip(f"needs Chromium at {CHROMIUM_PATH}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, Django keeps this thread's connections in a
            # context variable, not in the thread-local it uses otherwise: close them now or
            # they outlive the test (and the test database cannot be dropped).
            connections.close_all()


@pytest.fixture
def console_errors():
    return []


@pytest.fixture
def page(browser, live_server, console_errors):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/Brussels",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
    )
    try:
        yield page
    finally:
        context.close()
    fatal = [
        e for e in console_errors if e.startswith("uncaught:") or "Content Security Policy" in e
    ]
    if fatal:
        pytest.fail("JavaScript errors in the browser: " + " | ".join(fatal))


def login(page, live_server, user, password: str = PASSWORD, next_url: str | None = None):
    """Log `user` in through the real login form; return the page once logged in."""
    url = f"{live_server.url}/accounts/login/"
    if next_url:
        url += f"?next={next_url}"
    page.goto(url)
    form = page.locator("main form")
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        form.locator('input[name="password"]').press("Enter")
    if re.search(r"/accounts/(login|confirm-email)/", page.url):
        messages = page.locator("main .errorlist, main .message").all_inner_texts()
        raise AssertionError(f"Login as {user.email} failed at {page.url}: {messages}")
    return page


@pytest.fixture
def login_as(page, live_server):
    """`login_as(user)` logs `user` into `page` through the login form."""

    def _login_as(user, password: str = PASSWORD, next_url: str | None = None):
        return login(page, live_server, user, password=password, next_url=next_url)

    return _login_as
