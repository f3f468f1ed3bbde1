"""Members into address books: "Add to contacts" (vCard 4.0, RFC 6350) and staff's export.

The cards are written by `members/vcard.py` and read back here with `vobject`, a parser that
shares nothing with the writer; the raw text is also checked for CRLF endings and folding.
"""

from __future__ import annotations

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Profile, Visibility
from members.vcard import escape_text, fold
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

VCF_TYPE = "text/vcard; charset=utf-8"


def _card_url(profile) -> str:
    return reverse("members:vcard", kwargs={"slug": profile.slug})


def _check_raw(text: str) -> None:
    """What RFC 6350 §3.2 asks of the bytes: CRLF line ends, lines of at most 75 octets."""
    assert text.endswith("\r\n")
    for line in text.split("\r\n")[:-1]:
        assert "\n" not in line
        assert "\r" not in line
        assert len(line.encode("utf-8")) <= 75, line


def _read(response):
    """The one card of a response, parsed by vobject."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == VCF_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8")
    _check_raw(text)
    (card,) = list(vobject.readComponents(text))
    assert card.version.value == "4.0"
    return card


def _all(card, name: str) -> list[str]:
    return [p.value for p in card.contents.get(name, [])]


@pytest.fixture
def zoe(db):
    """A members-only profile sharing email and phone with members."""
    return make_member(
        "Zoë Van den Berg",
        visibility=Visibility.MEMBERS,
        company="Dupont, Fils & Cie; SRL",
        job_title="CTO; founder, dreamer",
        headline="Back\\slash and “quotes”",
        offers_text="Translation FR→NL, proofreading;\nand a second line",
        seeks_text="A co-founder",
        city="Charleroi",
        region="Hainaut",
        website="https://zoe.example.test/",
        linkedin="https://www.linkedin.com/in/zoe",
        phone="+32 471 12 34 56",
        email_visibility=Visibility.MEMBERS,
        phone_visibility=Visibility.MEMBERS,
        languages=["fr", "nl"],
        user_kwargs={"email": "zoe@example.test"},
    )


# The card's fields ------------------------------------------------------------------------------


def test_a_member_adds_a_profile_with_everything_it_shares(client, member, zoe):
    client.force_login(member)
    card = _read(client.get(_card_url(zoe)))
    assert card.fn.value == "Zoë Van den Berg"
    assert card.n.value.given == "Zoë"
    assert card.n.value.family == "Van den Berg"
    assert card.org.value == ["Dupont, Fils & Cie; SRL"]
    assert card.title.value == "CTO; founder, dreamer"
    assert card.kind.value == "individual"
    assert _all(card, "email") == ["zoe@example.test"]
    assert _all(card, "tel") == ["tel:+32471123456"]
    assert card.tel.params["VALUE"] == ["uri"]
    assert card.adr.value.city == "Charleroi"
    assert card.adr.value.region == "Hainaut"
    assert _all(card, "url") == [
        f"http://testserver{zoe.get_absolute_url()}",
        "https://zoe.example.test/",
        "https://www.linkedin.com/in/zoe",
    ]
    assert _all(card, "lang") == ["fr", "nl"]
    assert card.uid.value.startswith("urn:uuid:")
    assert card.rev.value == zoe.updated_at.strftime("%Y%m%dT%H%M%SZ")
    assert "photo" not in card.contents  # no picture uploaded


def test_special_characters_round_trip(client, member, zoe):
    client.force_login(member)
    card = _read(client.get(_card_url(zoe)))
    assert card.note.value == (
        "Back\\slash and “quotes”\n"
        "Offers: Translation FR→NL, proofreading;\nand a second line\n"
        "Seeks: A co-founder"
    )
    raw = client.get(_card_url(zoe)).content.decode()
    assert "ORG:Dupont\\, Fils & Cie\\; SRL\r\n" in raw
    assert "TITLE:CTO\\; founder\\, dreamer\r\n" in raw


def test_the_uid_is_stable_and_the_same_for_every_viewer(client, member, staff, zoe):
    client.force_login(member)
    first = _read(client.get(_card_url(zoe))).uid.value
    zoe.display_name = "Zoë Dupont"
    zoe.save()
    client.force_login(staff)
    again = _read(client.get(_card_url(zoe)))
    assert again.uid.value == first
    assert again.fn.value == "Zoë Dupont"
    other = make_member("Someone Else")
    assert _read(client.get(_card_url(other))).uid.value != first


def test_the_photo_is_a_link_to_the_avatar_view(client, member, zoe):
    Profile.objects.filter(pk=zoe.pk).update(avatar="avatars/zoe.jpg")
    zoe.refresh_from_db()
    client.force_login(member)
    card = _read(client.get(_card_url(zoe)))
    avatar = reverse("members:avatar", kwargs={"slug": zoe.slug})
    assert card.photo.value == f"http://testserver{avatar}?v={zoe.avatar_version}"
    assert card.photo.params["MEDIATYPE"] == ["image/jpeg"]


def test_a_local_phone_number_stays_text(client, member):
    profile = make_member(
        "Local Number", phone="0471 12 34 56", phone_visibility=Visibility.MEMBERS
    )
    client.force_login(member)
    card = _read(client.get(_card_url(profile)))
    assert _all(card, "tel") == ["0471 12 34 56"]
    assert card.tel.params["VALUE"] == ["text"]


# Privacy: the profile page's rules ---------------------------------------------------------


def test_anonymous_visitors_get_public_profiles_without_contact_details(client, zoe):
    Profile.objects.filter(pk=zoe.pk).update(
        visibility=Visibility.PUBLIC,
        email_visibility=Visibility.PUBLIC,
        phone_visibility=Visibility.PUBLIC,
    )
    response = client.get(_card_url(zoe))
    card = _read(response)
    assert card.fn.value == "Zoë Van den Berg"
    assert "email" not in card.contents
    assert "tel" not in card.contents
    assert b"zoe@example.test" not in response.content
    assert b"471 12 34 56" not in response.content
    assert b"32471123456" not in response.content  # neither as written nor as a tel: URI


def test_a_members_only_profile_is_404_for_anonymous_visitors(client, zoe):
    response = client.get(_card_url(zoe))
    assert response.status_code == 404
    assert b"BEGIN:VCARD" not in response.content
    assert client.get(reverse("members:vcard", kwargs={"slug": "nobody"})).status_code == 404


def test_contact_details_not_shared_stay_out_of_a_member_card(client, member, zoe):
    Profile.objects.filter(pk=zoe.pk).update(
        email_visibility=Visibility.HIDDEN, phone_visibility=Visibility.HIDDEN
    )
    client.force_login(member)
    response = client.get(_card_url(zoe))
    card = _read(response)
    assert "email" not in card.contents
    assert "tel" not in card.contents
    assert b"zoe@example.test" not in response.content
    # The owner and staff see them, as on the profile page.
    for viewer in (zoe.user, UserFactory(is_staff=True)):
        client.force_login(viewer)
        card = _read(client.get(_card_url(zoe)))
        assert _all(card, "email") == ["zoe@example.test"]
        assert _all(card, "tel") == ["tel:+32471123456"]


def test_a_hidden_profile_is_404_except_to_its_owner_and_staff(client, member, staff, zoe):
    Profile.objects.filter(pk=zoe.pk).update(visibility=Visibility.HIDDEN)
    assert client.get(_card_url(zoe)).status_code == 404
    client.force_login(member)
    assert client.get(_card_url(zoe)).status_code == 404
    assert client.get(zoe.get_absolute_url()).status_code == 404  # the page agrees
    for viewer in (zoe.user, staff):
        client.force_login(viewer)
        assert _read(client.get(_card_url(zoe))).fn.value == "Zoë Van den Berg"


def test_the_profile_page_offers_add_to_contacts(client, member, zoe):
    client.force_login(member)
    html = client.get(zoe.get_absolute_url()).content.decode()
    assert f'href="{_card_url(zoe)}"' in html
    assert "Add to contacts (.vcf)" in html


# The writer's rules ------------------------------------------------------------------------


def test_escaping_and_folding_follow_rfc_6350():
    assert escape_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "NOTE:" + "é" * 60  # 125 octets: folded, never inside a character
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


# Staff's export of a filtered list -----------------------------------------------------------


@pytest.fixture
def translators(db):
    return [
        make_member("Ann Translator", skills=["translation"], visibility=Visibility.PUBLIC),
        make_member("Bob Translator", skills=["translation"]),
        make_member("Hidden Translator", skills=["translation"], visibility=Visibility.HIDDEN),
        make_member("Carl Coder", skills=["python"]),
    ]


def _cards(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == VCF_TYPE
    text = response.content.decode("utf-8")
    _check_raw(text)
    return list(vobject.readComponents(text))


DIRECTORY_VCF = reverse("members:directory_vcf")


def test_staff_export_the_directory_list_they_filtered(client, staff, translators):
    client.force_login(staff)
    cards = _cards(client.get(DIRECTORY_VCF, {"skill": "translation"}))
    assert [c.fn.value for c in cards] == ["Ann Translator", "Bob Translator", "Hidden Translator"]
    assert all(c.email.value.endswith("@example.test") for c in cards)  # staff see them all
    everyone = _cards(client.get(DIRECTORY_VCF))
    assert len(everyone) == Profile.objects.count()


def test_the_directory_export_is_refused_to_members_and_anonymous_visitors(
    client, member, translators
):
    response = client.get(DIRECTORY_VCF, {"skill": "translation"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    response = client.get(DIRECTORY_VCF, {"skill": "translation"})
    assert response.status_code == 403
    assert b"BEGIN:VCARD" not in response.content


def test_the_directory_offers_the_export_to_staff_only(client, member, staff, translators):
    client.force_login(member)
    assert "data-directory-export" not in client.get(reverse("members:directory")).content.decode()
    client.force_login(staff)
    html = client.get(reverse("members:directory"), {"skill": "translation"}).content.decode()
    assert f'formaction="{DIRECTORY_VCF}"' in html


def test_a_members_directory_after_a_staff_ones_offers_no_export(
    client, member, staff, translators
):
    """The directory's form is kept per staff flag: staff's form never reaches a member."""
    client.force_login(staff)
    assert "data-directory-export" in client.get(reverse("members:directory")).content.decode()
    client.force_login(member)
    assert "data-directory-export" not in client.get(reverse("members:directory")).content.decode()


def test_the_directory_offers_the_export_to_superusers_without_reading_permissions(
    client, member, translators
):
    """The button follows the export's permission (`user.has_perm`): superusers pass it even
    when they are not staff; the page asks the rule, never the permission tables."""
    client.force_login(UserFactory(is_superuser=True, is_staff=False))
    html = client.get(reverse("members:directory")).content.decode()
    assert f'formaction="{DIRECTORY_VCF}"' in html
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("members:directory"))
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_the_directory_export_reads_a_constant_number_of_queries(client, staff, translators):
    client.force_login(staff)
    client.get(DIRECTORY_VCF)
    with CaptureQueriesContext(connection) as few:
        small = _cards(client.get(DIRECTORY_VCF))
    for n in range(20):
        make_member(f"More Member {n}", offers=["design"], seeks=["funding"])
    client.get(DIRECTORY_VCF)  # new terms: the directory reloads its filter options once
    with CaptureQueriesContext(connection) as many:
        assert len(_cards(client.get(DIRECTORY_VCF))) == len(small) + 20
    assert len(many.captured_queries) == len(few.captured_queries) <= 8


def test_the_admin_exports_its_filtered_list_and_selected_rows(client, staff, translators):
    client.force_login(staff)
    url = reverse("admin:members_profile_export_vcf")
    cards = _cards(client.get(url, {"visibility__exact": "public"}))
    assert [c.fn.value for c in cards] == ["Ann Translator"]
    changelist = reverse("admin:members_profile_changelist")
    assert url in client.get(changelist).content.decode()
    chosen = [translators[1].pk, translators[3].pk]
    response = client.post(changelist, {"action": "export_vcards", "_selected_action": chosen})
    assert [c.fn.value for c in _cards(response)] == ["Bob Translator", "Carl Coder"]


def test_the_admin_export_is_refused_to_members(client, member, translators):
    url = reverse("admin:members_profile_export_vcf")
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert b"BEGIN:VCARD" not in response.content
