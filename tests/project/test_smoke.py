import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_shows_the_community(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Betacowork" in response.content
