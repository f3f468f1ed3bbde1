"""The directory in a real browser: typing updates the results without a page reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TermFactory, UserFactory, make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def community(transactional_db):
    translation = TermFactory(
        slug="translation", name_en="translation", name_fr="traduction", name_nl="vertaling"
    )
    crowdfunding = TermFactory(slug="crowdfunding", name_en="crowdfunding")
    make_member("Katia Xenophontos", visibility="public", offers=[translation])
    make_member("Guillaume Tourniaire", visibility="members", offers=[crowdfunding])
    make_member("Hidden Person", visibility="hidden", offers=[translation])
    return UserFactory(name="Viewer Person")


def test_typing_updates_results_without_reload(page, community, login_as):
    login_as(community)
    page.goto("/directory/")
    results = page.locator("[data-directory-results]")
    assert "Guillaume Tourniaire" in results.inner_text()
    page.evaluate("window.__stillHere = true")

    page.get_by_label("Search the directory").press_sequentially("vertal", delay=40)
    page.wait_for_url(re.compile(r"/directory/\?q=vertal$"))
    expect(results).not_to_contain_text("Guillaume")
    text = results.inner_text()
    assert "Katia Xenophontos" in text
    assert "Hidden Person" not in text
    assert page.evaluate("window.__stillHere") is True  # no reload happened
    # Screen readers hear the count, not the link beside it ("clear the search").
    expect(page.locator("[data-directory-status]")).to_have_text("1 member")

    page.get_by_label("Offers").select_option("crowdfunding")
    expect(results).to_contain_text("Nobody matches")
    assert "offers=crowdfunding" in page.url
    assert page.evaluate("window.__stillHere") is True


def test_directory_works_without_javascript(browser, live_server, community):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/directory/")
        page.get_by_label("Search the directory").fill("crowdfunding")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"q=crowdfunding"))
        # Anonymous: only public profiles, and Guillaume is members-only.
        assert "Nobody matches" in page.locator("[data-directory-results]").inner_text()
        page.goto("/directory/?q=traduction")
        assert "Katia Xenophontos" in page.locator("[data-directory-results]").inner_text()
    finally:
        context.close()
