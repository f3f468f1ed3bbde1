"""QA round 6, member profiles as a member, a visitor and staff meet them: a proposed tag
leads to a search for it, languages read as names, a deactivated account is not called
"hidden by its owner", a good picture sent with a mistake elsewhere is asked for again, the
edit page of a former address still saves, a space's chapters lead to their pages."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.models import Term
from tests.factories import (
    ChapterFactory,
    SpaceFactory,
    TermFactory,
    UserFactory,
    make_member,
    profile_form_data,
)

pytestmark = pytest.mark.django_db


def _page(client, profile) -> str:
    response = client.get(profile.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- a proposed tag is shown, not linked to a filter that ignores it ----------------------------


@pytest.fixture
def proposer():
    """Katia, public, with an approved skill and a word staff have not reviewed yet."""
    katia = make_member("Katia Xenophontos", visibility="public")
    approved = TermFactory(slug="translation", name_en="translation")
    proposed = TermFactory(
        slug="underwater-weaving",
        name_en="underwater weaving",
        status=Term.Status.PROPOSED,
        proposed_by=katia.user,
    )
    katia.skills.set([approved, proposed])
    katia.offers.set([proposed])
    katia.seeks.set([proposed])
    return katia


@pytest.mark.parametrize("viewer", ["anonymous", "owner", "staff"])
def test_a_proposed_tag_leads_to_a_search_for_it_not_to_a_filter_that_ignores_it(
    client, proposer, staff, viewer
):
    """The directory's filters take approved terms only ("There is no skill called …: that
    filter was ignored", everyone listed): the profile's tag for a proposal led there. Its
    word, searched, finds the people who use it."""
    if viewer == "owner":
        client.force_login(proposer.user)
    elif viewer == "staff":
        client.force_login(staff)
    html = _page(client, proposer)
    for filter_name in ("skill", "offers", "seeks"):
        assert f"?{filter_name}=underwater-weaving" not in html
    assert html.count('href="/directory/?q=underwater%20weaving"') == 3
    assert "?skill=translation" in html  # an approved one still leads to its filter
    make_member("Stan Jagiello", visibility="public")
    found = client.get("/directory/?q=underwater%20weaving").content.decode()
    assert "Katia Xenophontos" in found
    assert "Stan Jagiello" not in found
    assert "that filter was ignored" not in found


# --- languages by name, in the reader's language ------------------------------------------------


def test_languages_read_as_names_in_the_readers_language(client):
    katia = make_member("Katia Xenophontos", visibility="public", languages=["fr", "en", "el"])
    html = _page(client, katia)
    assert "French · English · Greek" in html
    assert "FR · EN · EL" not in html
    client.force_login(UserFactory(preferred_language="fr"))
    assert "Français · Anglais · Grec" in _page(client, katia)


def test_a_language_code_the_list_does_not_know_still_shows(client):
    """A code from an old import, outside the form's list: shown as it is, no error."""
    katia = make_member("Katia Xenophontos", visibility="public", languages=["fr", "eo"])
    assert "French · EO" in _page(client, katia)


# --- a deactivated account, as staff see its profile --------------------------------------------


def test_staff_see_a_deactivated_account_called_so_not_hidden_by_its_owner(client, staff):
    katia = make_member("Katia Xenophontos", visibility="public")
    katia.user.is_active = False
    katia.user.save()
    client.force_login(staff)
    html = _page(client, katia)
    assert "Account deactivated" in html
    assert "Hidden: only me and staff" not in html  # Katia chose "public"


def test_staff_still_see_an_active_members_own_choice(client, staff):
    katia = make_member("Katia Xenophontos", visibility="hidden")
    client.force_login(staff)
    html = _page(client, katia)
    assert "Hidden: only me and staff" in html
    assert "Account deactivated" not in html


def test_a_deactivated_profile_stays_out_of_reach_of_members(client):
    katia = make_member("Katia Xenophontos", visibility="public")
    katia.user.is_active = False
    katia.user.save()
    client.force_login(UserFactory())
    assert client.get(katia.get_absolute_url()).status_code == 404


# --- a good picture sent with a mistake elsewhere -----------------------------------------------


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile("me.png", buf.getvalue(), content_type="image/png")


def test_a_good_picture_sent_with_a_mistake_elsewhere_is_asked_for_again(client):
    """A browser never sends a file twice: the form comes back without it, and said nothing."""
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(
        url, profile_form_data(katia, linkedin="https://example.com/me", avatar_upload=_png())
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a LinkedIn address" in html
    assert "Your picture is not saved yet: choose it again before saving." in html
    katia.refresh_from_db()
    assert not katia.avatar


def test_no_choose_again_note_when_the_picture_itself_was_refused_or_none_was_sent(client):
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    bad = SimpleUploadedFile("me.png", b"not a picture" * 50, content_type="image/png")
    for data in (
        profile_form_data(katia, avatar_upload=bad),
        profile_form_data(katia, linkedin="https://example.com/me"),
    ):
        html = client.post(url, data).content.decode()
        assert "choose it again" not in html


def test_a_good_picture_alone_is_saved(client):
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(url, profile_form_data(katia, avatar_upload=_png()))
    assert response.status_code == 302
    katia.refresh_from_db()
    assert katia.avatar


# --- a space's chapters lead to their pages -----------------------------------------------------


def test_a_spaces_chapters_link_to_their_pages(client):
    space = SpaceFactory(name="Switch Coworking", city="Charleroi")
    chapter = ChapterFactory(name="BetaGroup Charleroi", space=space)
    html = client.get(space.get_absolute_url()).content.decode()
    assert f'href="{chapter.get_absolute_url()}"' in html
    assert client.get(chapter.get_absolute_url()).status_code == 200


# --- the edit page at the address the profile had before a rename ------------------------------


def test_a_save_sent_to_the_edit_address_before_a_rename_is_not_lost(client):
    """A second tab, a bookmark: the edit page of the former address answered 404 and what
    was typed there was gone."""
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    old_url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    assert client.post(old_url, profile_form_data(katia, display_name="Katia X")).status_code == 302
    katia.refresh_from_db()
    assert katia.slug == "katia-x"
    assert client.get(old_url).status_code == 200
    response = client.post(
        old_url, profile_form_data(katia, display_name="Katia X", headline="Translator")
    )
    assert response.status_code == 302
    assert response["Location"] == katia.get_absolute_url()
    katia.refresh_from_db()
    assert katia.headline == "Translator"


def test_someone_elses_former_edit_address_is_still_refused(client):
    katia = make_member("Katia Xenophontos")
    old_url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    client.force_login(katia.user)
    client.post(old_url, profile_form_data(katia, display_name="Katia X"))
    client.force_login(UserFactory())
    assert client.get(old_url).status_code == 403
    assert (
        client.post(old_url, profile_form_data(katia, display_name="Intruder")).status_code == 403
    )
    katia.refresh_from_db()
    assert katia.display_name == "Katia X"
