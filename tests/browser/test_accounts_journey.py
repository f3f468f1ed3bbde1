"""A newcomer's first visit, in a real browser: sign up, verify, see their name, log out."""

import re

import pytest

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from members.models import User
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^\s/]+/")


def test_signup_verify_and_logout(page, live_server, mailoutbox, settings):
    settings.SITE_URL = live_server.url  # account emails link to the site's canonical address
    page.goto("/")
    page.locator("header.site-header").get_by_role("link", name="Join", exact=True).click()
    form = page.locator("main form")
    form.get_by_label("Email").fill("ines.dubois@example.test")
    form.get_by_label("Full name").fill("Inès Dubois")
    form.locator('input[name="password1"]').fill("a-long-and-unusual-passphrase")
    form.locator('input[name="password2"]').fill("a-long-and-unusual-passphrase")
    form.get_by_role("button", name="Create my account").click()

    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert "Check your inbox" in page.locator("main").inner_text()

    row = Outbox.objects.get(to_email="ines.dubois@example.test")
    assert row.kind == "account.email_confirmation_signup"
    assert outbox_send_due() == 1
    assert len(mailoutbox) == 1
    link = CONFIRM_LINK.search(row.body_text).group(0)

    page.goto(link)
    page.locator("main").get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/")

    header = page.locator("header.site-header")
    assert "Inès Dubois" in header.inner_text()
    user = User.objects.get(email="ines.dubois@example.test")
    assert user.emailaddress_set.get().verified

    header.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Inès Dubois" not in page.locator("header.site-header").inner_text()
    assert page.locator("header.site-header").get_by_role("link", name="Log in").is_visible()


def test_login_helper_logs_a_member_in(page, live_server, member):
    login(page, live_server, member)
    assert member.name in page.locator("header.site-header").inner_text()


def test_language_switcher_applies_on_change_and_is_remembered(page, live_server, member):
    login(page, live_server, member)
    with page.expect_navigation():
        page.select_option("#language-select", "nl")
    assert page.locator("html").get_attribute("lang") == "nl"
    member.refresh_from_db()
    assert member.preferred_language == "nl"
    # JavaScript hid the fallback button: choosing is enough.
    assert "visually-hidden" in page.locator("[data-autosubmit-fallback]").get_attribute("class")


def test_mobile_navigation_opens_with_the_menu_button(page):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    nav = page.locator("#site-nav")
    toggle = page.locator("[data-nav-toggle]")
    assert not nav.is_visible()
    toggle.click()
    assert nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="Directory").is_visible()


def test_account_pages_load_without_script_or_policy_errors(page, live_server, member):
    """Every page loads its CSS and JS under the strict CSP (the fixture fails on violations)."""
    for path in ("/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/"):
        page.goto(path)
        assert page.locator("header.site-header").is_visible()
        # Our stylesheet applied: the header is white on the grey page.
        assert page.locator("body").evaluate("b => getComputedStyle(b).display") == "flex"
    login(page, live_server, member)
    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/logout/"):
        page.goto(path)
        assert page.locator("main h1").is_visible()
