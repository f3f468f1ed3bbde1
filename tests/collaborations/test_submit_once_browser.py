"""In a real browser: a double click on "Log it" sends the form once (the button is disabled
after the first click, as on the event and console forms). The server logs a form once too
(test_double_submit.py); this is what spares the second request."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.models import Visibility
from tests.browser.conftest import (  # noqa: F401 - the browser fixtures, used by name
    _allow_async_unsafe,
    browser,
    console_errors,
    login,
    page,
)
from tests.factories import make_member

pytestmark = pytest.mark.browser


# Counts, then stops, each sending of the form that the page's own script let through: the
# page stays (no navigation), so the button can be clicked again as by an impatient hand.
COUNT_SENDINGS = """() => {
  window.sendings = 0;
  document.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) { window.sendings += 1; }
    event.preventDefault();
  });
}"""


def test_a_second_click_or_enter_on_log_it_sends_nothing_more(page, live_server):  # noqa: F811
    katia = make_member("Katia Xenophontos", visibility=Visibility.PUBLIC).user
    make_member("Norman Lambert", visibility=Visibility.PUBLIC)
    login(page, live_server, katia)
    page.goto("/collaborations/new/")
    page.fill("#id_title", "Double click test")
    page.select_option("#id_kind", "service")
    page.select_option("#id_my_role", "supplier")
    page.fill("#id_participants-0-member", "Norman Lambert")
    page.select_option("#id_participants-0-role", "client")
    page.evaluate(COUNT_SENDINGS)
    button = page.get_by_role("button", name="Log it")
    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)  # a disabled button: the click does nothing
    page.locator("#id_title").press("Enter")
    page.locator("form.collab-form").evaluate("form => form.requestSubmit()")
    assert page.evaluate("window.sendings") == 1
