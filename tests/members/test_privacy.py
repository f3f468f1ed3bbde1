"""The privacy matrix: who sees which profile, where, and which contact details."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, make_member

VIEWERS = ["anonymous", "member", "owner", "staff"]
VISIBILITIES = ["public", "members", "hidden"]

# (viewer, visibility) -> may see the profile in lists and on its page
SEES = {
    ("anonymous", "public"): True,
    ("anonymous", "members"): False,
    ("anonymous", "hidden"): False,
    ("member", "public"): True,
    ("member", "members"): True,
    ("member", "hidden"): False,
    ("owner", "public"): True,
    ("owner", "members"): True,
    ("owner", "hidden"): True,
    ("staff", "public"): True,
    ("staff", "members"): True,
    ("staff", "hidden"): True,
}


@pytest.fixture
def subject(db, vocab):
    def make(visibility, email_visibility="members", phone_visibility="members"):
        return make_member(
            "Zelda Quintessence",
            visibility=visibility,
            skills=[vocab["translation"]],
            phone="+32 470 12 34 56",
            email_visibility=email_visibility,
            phone_visibility=phone_visibility,
            user_kwargs={"email": "zelda@example.test"},
        )

    return make


def _client_for(client, viewer, profile):
    if viewer == "member":
        client.force_login(UserFactory(name="Other Member"))
    elif viewer == "owner":
        client.force_login(profile.user)
    elif viewer == "staff":
        client.force_login(UserFactory(name="Staff Person", is_staff=True))
    return client


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_directory_search_and_profile_page(client, subject, viewer, visibility):
    profile = subject(visibility)
    client = _client_for(client, viewer, profile)
    expected = SEES[(viewer, visibility)]

    directory = client.get(reverse("members:directory"))
    assert directory.status_code == 200
    assert ("Zelda Quintessence" in directory.content.decode()) is expected

    search = client.get(reverse("members:directory"), {"q": "quintessence"})
    assert search.status_code == 200
    assert ("Zelda Quintessence" in search.content.decode()) is expected

    page = client.get(profile.get_absolute_url())
    assert page.status_code == (200 if expected else 404)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_contact_details_follow_their_own_visibility(client, subject, viewer):
    """Public profile, email shared with members, phone kept to owner and staff."""
    profile = subject("public", email_visibility="members", phone_visibility="hidden")
    client = _client_for(client, viewer, profile)
    html = client.get(profile.get_absolute_url()).content.decode()
    email_shown = "zelda@example.test" in html
    phone_shown = "+32 470 12 34 56" in html
    assert email_shown is (viewer in ("member", "owner", "staff"))
    assert phone_shown is (viewer in ("owner", "staff"))


def test_anonymous_never_sees_contact_details_even_when_shared(client, subject):
    profile = subject("public", email_visibility="public", phone_visibility="public")
    html = client.get(profile.get_absolute_url()).content.decode()
    assert "zelda@example.test" not in html
    assert "+32 470 12 34 56" not in html
    assert "Log in" in html


def test_hidden_profile_avatar_is_not_reachable(client, subject, tmp_path):
    from django.core.files.base import ContentFile

    from tests.members.test_profile_edit import jpeg_bytes

    profile = subject("hidden")
    profile.avatar.save("a.jpg", ContentFile(jpeg_bytes()), save=False)
    profile.avatar_thumb.save("t.jpg", ContentFile(jpeg_bytes()), save=True)
    url = reverse("members:avatar_thumb", kwargs={"slug": profile.slug})
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(profile.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]


def test_media_url_is_not_served(client, settings):
    assert client.get(settings.MEDIA_URL + "avatars/anything.jpg").status_code == 404
