"""A profile an anonymous visitor may not see: one 404 page inviting them to log in, the same
whether the profile is for members, hidden or does not exist."""

import re
from urllib.parse import quote

import pytest

from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _normalised(response, path: str) -> str:
    """The body with what differs between any two responses removed: the page's own path
    (the `next=` of the login link and the language form) and the CSRF tokens."""
    body = response.content.decode()
    body = body.replace(quote(path, safe=""), "PATH").replace(quote(path), "PATH")
    body = body.replace(path, "PATH")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", body)


def test_anonymous_get_the_same_login_invitation_for_any_unseen_profile(client):
    members_only = make_member("Morgane Membre", visibility="members")
    hidden = make_member("Hugo Hidden", visibility="hidden")
    paths = [
        members_only.get_absolute_url(),
        hidden.get_absolute_url(),
        "/members/nobody-by-that-name/",
    ]
    bodies = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.content.decode()
        assert "Members may see more" in html
        assert f'href="/accounts/login/?next={quote(path, safe="")}"' in html
        assert "Morgane" not in html
        assert "Hugo" not in html
        bodies.append(_normalised(response, path))
    assert bodies[0] == bodies[1] == bodies[2]


def test_members_keep_the_plain_404(client, member):
    hidden = make_member("Hugo Hidden", visibility="hidden")
    client.force_login(member)
    for path in (hidden.get_absolute_url(), "/members/nobody-by-that-name/"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Members may see more" not in html
        assert "?next=" not in html


def test_anonymous_still_see_public_profiles(client):
    public = make_member("Paula Public", visibility="public")
    response = client.get(public.get_absolute_url())
    assert response.status_code == 200
    assert "Members may see more" not in response.content.decode()
