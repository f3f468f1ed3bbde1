"""A form refused by the CSRF check gets the site's page (betacowork.views.csrf_failure), not
Django's bare one (QA: unstyled under the CSP, "More information is available with
DEBUG=True", no header, no way back)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def _send_stale_form(browser, **headers):
    # The language switch: a form on every page, sent here without its token.
    return browser.post(reverse("language_switch"), {"language": "fr"}, headers=headers)


def test_a_stale_form_says_so_in_plain_words_on_the_sites_page(browser):
    response = _send_stale_form(browser, referer="http://testserver/events/?kind=talk")

    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page
    assert "in another tab, before you logged in or out" in page
    assert 'class="site-header' in page  # the site's header, its stylesheet
    assert "CSRF" not in page
    assert "DEBUG" not in page
    # Back to the page the form came from, where it is fresh again.
    assert 'href="/events/?kind=talk"' in page
    assert "betacowork_language" not in response.cookies  # nothing was changed


@pytest.mark.parametrize(
    "referer",
    [
        None,
        "https://elsewhere.test/events/",
        "//elsewhere.test/",
        "javascript:x",
        # Our host, with a path that is another host's address once alone (review).
        "http://testserver//elsewhere.test/x",
        "http://testserver/\\elsewhere.test/x",
    ],
)
def test_the_way_back_is_home_unless_the_form_came_from_the_site(browser, referer):
    response = _send_stale_form(browser, **({"referer": referer} if referer else {}))

    assert response.status_code == 403
    page = response.content.decode()
    assert "elsewhere.test" not in page
    assert "javascript:" not in page
    assert f'<a class="button" href="{reverse("home")}"' in page


def test_a_missing_cookie_is_told_to_accept_cookies_and_a_stale_token_is_not(browser):
    page = _send_stale_form(browser).content.decode()
    assert "check that your browser accepts cookies from this site" in page

    browser.get(reverse("home"))  # sets the cookie; the form is sent with another token
    response = browser.post(
        reverse("language_switch"), {"language": "fr", "csrfmiddlewaretoken": "x" * 32}
    )
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert "accepts cookies" not in response.content.decode()


def test_the_page_speaks_the_visitors_language(browser):
    browser.cookies["betacowork_language"] = "nl"

    response = _send_stale_form(browser)

    assert response.status_code == 403
    assert '<html lang="nl">' in response.content.decode()
