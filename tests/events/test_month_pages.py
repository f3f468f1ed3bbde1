"""The month grid answers only for months that exist within its bounds (2000-2100): a 0 in
the address is not "the current month"."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/events/month/2026/0/",
        "/events/month/0/5/",
        "/events/month/0/0/",
        "/events/month/2026/13/",
        "/events/month/1999/12/",
        "/events/month/2101/1/",
        "/events/month/10000/1/",
        "/events/month/-1/5/",
        "/events/month/2026/-1/",
    ],
)
def test_a_month_that_does_not_exist_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/events/month/2026/1/", "January 2026"),
        ("/events/month/2000/1/", "January 2000"),
        ("/events/month/2100/12/", "December 2100"),
    ],
)
def test_a_valid_month_shows_that_month(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_the_month_page_without_a_date_shows_the_current_month(client):
    today = timezone.localdate()
    response = client.get("/events/month/")
    assert response.status_code == 200
    assert response.context["first"] == today.replace(day=1)


@pytest.mark.parametrize(
    ("path", "shown", "hidden"),
    [
        ("/events/month/2000/1/", "/events/month/2000/2/", "/events/month/1999/12/"),
        ("/events/month/2100/12/", "/events/month/2100/11/", "/events/month/2101/1/"),
    ],
)
def test_the_first_and_last_months_link_only_to_months_that_exist(client, path, shown, hidden):
    html = client.get(path).content.decode()
    assert f'href="{shown}"' in html
    assert hidden not in html
