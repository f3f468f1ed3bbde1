"""Editing a profile: only its owner, every field, tags, company, avatar checks."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.models import SPOKEN_LANGUAGES, Company, Term
from tests.factories import CompanyFactory, UserFactory, make_member


def jpeg_bytes(size=(300, 200), colour=(200, 30, 30), fmt="JPEG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


def _form_data(**overrides):
    data = {
        "display_name": "Katia Xenophontos",
        "headline": "Translator FR↔EN",
        "job_title": "Translator",
        "bio": "I translate.",
        "offers_text": "Translation FR↔EN",
        "seeks_text": "A new blog design",
        "city": "Brussels",
        "region": "Brussels",
        "website": "https://katia.example",
        "linkedin": "https://www.linkedin.com/in/katia",
        "phone": "+32 2 123 45 67",
        "visibility": "public",
        "email_visibility": "members",
        "phone_visibility": "hidden",
        "languages": ["fr", "en", "el"],
        "company_name": "",
        "skills_tags": "",
        "offers_tags": "",
        "seeks_tags": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def katia(db, vocab):
    return make_member("Katia Xenophontos", visibility="members")


def test_anonymous_is_sent_to_login(client, katia):
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.post(url, _form_data()).status_code == 302


def test_another_member_cannot_edit_my_profile(client, katia):
    intruder = UserFactory(name="Intruder")
    client.force_login(intruder)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    assert client.get(url).status_code == 403
    response = client.post(url, _form_data(display_name="Hacked"))
    assert response.status_code == 403
    katia.refresh_from_db()
    assert katia.display_name == "Katia Xenophontos"


def test_someone_elses_hidden_profile_edit_is_404(client, db):
    hidden = make_member("Hidden Person", visibility="hidden")
    client.force_login(UserFactory())
    assert client.get(reverse("members:profile_edit", args=[hidden.slug])).status_code == 404


def test_owner_edits_everything(client, katia, vocab):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _form_data(
            company_name="Xenophontos Translations",
            skills_tags="traduction, Copy Writing",  # French name of a term, and a new word
            offers_tags="translation",
            seeks_tags="webdesign",  # Dutch name
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    katia.refresh_from_db()
    assert katia.headline == "Translator FR↔EN"
    assert katia.languages == ["fr", "en", "el"]
    assert katia.company.name == "Xenophontos Translations"
    assert list(katia.offers.all()) == [vocab["translation"]]
    assert list(katia.seeks.all()) == [vocab["web-design"]]
    skills = {t.slug: t for t in katia.skills.all()}
    assert "translation" in skills
    proposed = skills["copy-writing"]
    assert proposed.status == Term.Status.PROPOSED
    assert proposed.proposed_by == katia.user
    # The owner's page shows the new details.
    page = client.get(katia.get_absolute_url()).content.decode()
    assert "Xenophontos Translations" in page
    assert "conception web" not in page  # interface is English: English names
    assert "web design" in page


def test_company_is_chosen_case_insensitively_not_duplicated(client, katia):
    CompanyFactory(name="Data.be", slug="databe")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    client.post(url, _form_data(company_name="data.BE"))
    katia.refresh_from_db()
    assert katia.company.slug == "databe"
    assert Company.objects.filter(name__iexact="data.be").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("linkedin", "https://evil.example/in/katia", "LinkedIn"),
        ("phone", "call me maybe", "phone number"),
        ("website", "javascript:alert(1)", "valid URL"),
        ("skills_tags", ", ".join(f"tag{n}" for n in range(20)), "At most 12"),
        ("skills_tags", "x" * 80, "at most 60"),
        ("languages", ["xx"], "valid choice"),
        ("visibility", "everyone", "valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, katia, field, value, message):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(url, _form_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_too_many_new_terms_at_once_is_refused(client, katia):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(url, _form_data(skills_tags="aa1, bb2, cc3, dd4, ee5, ff6, gg7"))
    assert response.status_code == 400
    assert "at most 5 new tags" in response.content.decode()
    assert not Term.objects.filter(slug="aa1").exists()


def test_avatar_is_validated_resized_and_served(client, katia):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    upload = SimpleUploadedFile("me.png", jpeg_bytes((1200, 800), fmt="PNG"), "image/png")
    response = client.post(url, {**_form_data(), "avatar_upload": upload})
    assert response.status_code == 302
    katia.refresh_from_db()
    with Image.open(katia.avatar_thumb.path) as thumb:
        assert thumb.size == (128, 128)
        assert thumb.format == "JPEG"
    with Image.open(katia.avatar.path) as full:
        assert full.size == (512, 512)
    served = client.get(reverse("members:avatar_thumb", kwargs={"slug": katia.slug}))
    assert served.status_code == 200
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not an image at all", "cv.jpg", "not a picture we can read"),
        (jpeg_bytes((10, 10)), "tiny.jpg", "too small"),
        (jpeg_bytes()[:200], "truncated.jpg", "not a picture we can read"),
    ],
)
def test_bad_avatars_are_refused(client, katia, content, name, message):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    upload = SimpleUploadedFile(name, content, "image/jpeg")
    response = client.post(url, {**_form_data(), "avatar_upload": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    katia.refresh_from_db()
    assert not katia.avatar


def test_oversized_avatar_is_refused(client, katia, monkeypatch):
    from members import avatars

    monkeypatch.setattr(avatars, "MAX_BYTES", 1000)
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    upload = SimpleUploadedFile("big.jpg", jpeg_bytes((600, 600)), "image/jpeg")
    response = client.post(url, {**_form_data(), "avatar_upload": upload})
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()


def test_decompression_bomb_is_refused(client, katia, monkeypatch):
    from members import avatars

    monkeypatch.setattr(avatars, "MAX_PIXELS", 100 * 100)
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    upload = SimpleUploadedFile("huge.png", jpeg_bytes((400, 400), fmt="PNG"), "image/png")
    response = client.post(url, {**_form_data(), "avatar_upload": upload})
    assert response.status_code == 400
    assert "too many pixels" in response.content.decode()


def test_my_edit_shortcut_redirects_to_my_own_profile(client, katia):
    client.force_login(katia.user)
    response = client.get(reverse("members:my_profile_edit"))
    assert response["Location"] == reverse("members:profile_edit", kwargs={"slug": katia.slug})


def _as_a_browser_sends(codes: set[str]) -> list[str]:
    """Checked languages in the checkboxes' order, as a browser sends them."""
    return [code for code, _name in SPOKEN_LANGUAGES if code in codes]


def test_an_unchanged_save_keeps_the_order_of_my_languages(client, katia):
    katia.languages = ["fr", "en", "el"]
    katia.save()
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    languages = _as_a_browser_sends({"fr", "en", "el"})
    assert languages != ["fr", "en", "el"]  # the form's order is not hers
    response = client.post(url, _form_data(languages=languages))
    assert response.status_code == 302, response.content.decode()[:2000]
    katia.refresh_from_db()
    assert katia.languages == ["fr", "en", "el"]
    vcard = client.get(reverse("members:vcard", kwargs={"slug": katia.slug})).content.decode()
    assert "LANG;PREF=1:fr" in vcard
    # One dropped, one added: the others keep their order, the new one comes last.
    response = client.post(url, _form_data(languages=_as_a_browser_sends({"fr", "el", "nl"})))
    assert response.status_code == 302
    katia.refresh_from_db()
    assert katia.languages == ["fr", "el", "nl"]


@pytest.mark.parametrize(
    "field", ["headline", "job_title", "offers_text", "seeks_text", "city", "region"]
)
def test_a_text_direction_override_is_refused_in_every_shown_line(client, katia, field):
    """ "Designer" + U+202E showed the company link after it reversed, on the profile page."""
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(url, _form_data(**{field: "Designer \u202e at"}))
    assert response.status_code == 400
    assert "text-direction overrides" in response.content.decode()
    katia.refresh_from_db()
    assert "\u202e" not in getattr(katia, field)
    # Invisible characters are dropped, as in names; the rest is kept as typed.
    response = client.post(url, _form_data(**{field: "Design\u200b  and\u00ad code"}))
    assert response.status_code == 302
    katia.refresh_from_db()
    assert getattr(katia, field) == "Design and code"
