"""Ops audit: the error pages render in the visitor's language (fr, nl), the 500 and 503
pages without the database, each with the security headers of any other page."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError, connection
from django.test import Client
from django.urls import include, path

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("kaboom")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("odd")


urlpatterns = [
    path("audit-ops/boom/", boom),
    path("audit-ops/forbidden/", forbidden),
    path("audit-ops/suspicious/", suspicious),
    path("", include("betacowork.urls")),
]

# What each page says, in each language, from the committed catalogues.
TITLES = {
    "en": {
        400: "We could not understand that request",
        403: "You cannot open this page",
        404: "We could not find that page",
        500: "Something went wrong on our side",
        503: "Betacowork is briefly unavailable",
    },
}


@contextlib.contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def web():
    return Client(raise_request_exception=False)


def _translated(text: str, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return translation.gettext(text)


def _status_paths():
    return {
        400: "/audit-ops/suspicious/",
        403: "/audit-ops/forbidden/",
        404: "/audit-ops/no-such-page/",
        500: "/audit-ops/boom/",
    }


@pytest.mark.urls("tests.project.test_audit_ops_error_pages")
@pytest.mark.parametrize("language", ["en", "fr", "nl"])
@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_pages_speak_the_visitors_language(web, language, status, expect_logged_errors):
    response = web.get(_status_paths()[status], HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    html = response.content.decode()
    expected = _translated(TITLES["en"][status], language)
    if language != "en":
        assert expected != TITLES["en"][status], "no translation in the catalogue"
    assert expected in html
    assert f'lang="{language}"' in html
    assert "kaboom" not in html
    assert "Content-Security-Policy" in response.headers
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_503_page_needs_no_database_and_speaks_the_language(web, language):
    with database_down():
        response = web.get("/directory/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    html = response.content.decode()
    expected = _translated(TITLES["en"][503], language)
    assert expected in html
    assert f'lang="{language}"' in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.urls("tests.project.test_audit_ops_error_pages")
@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_500_page_needs_no_database(web, language, expect_logged_errors):
    # The view fails, and the database is gone too: the 500 page touches no model.
    with database_down():
        response = web.get("/audit-ops/boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (500, 503)
    assert _translated(TITLES["en"][response.status_code], language) in response.content.decode()
