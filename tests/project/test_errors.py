"""Error pages are ours: styled, helpful, and the 500 page needs no request context."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import include, path

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("kaboom")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("", include("betacowork.urls")),
]


def test_404_page_is_styled_and_helpful(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "We could not find that page" in html
    assert 'href="/"' in html


@pytest.mark.urls("tests.project.test_errors")
def test_403_page_is_styled(client):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "You cannot open this page" in html


@pytest.mark.urls("tests.project.test_errors")
def test_500_page_is_styled(expect_logged_errors):
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "/static/css/site.css" in html
    assert "kaboom" not in html


def test_500_template_renders_without_a_request():
    html = loader.get_template("500.html").render({})
    assert "Something went wrong on our side" in html
    assert '<html lang="en">' in html
