"""My data: the JSON export covers every model that points at a person; account deletion."""

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from betacowork.messaging.models import Outbox
from members.models import Chapter, Membership, Profile, Term, User
from members.panels import export_covered_models
from tests.factories import ChapterFactory, MembershipFactory, UserFactory, make_member


def models_pointing_at_people() -> set:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.is_relation
                and not field.auto_created
                and field.concrete is not False
                and field.related_model is user_model
                and (field.many_to_one or field.one_to_one or field.many_to_many)
            ):
                found.add(model)
    return found


def test_every_model_that_points_at_a_user_is_exported():
    missing = models_pointing_at_people() - export_covered_models()
    assert not missing, (
        "These models hold a relation to the user model but no 'my data' export section "
        "declares them (members.panels.register_export_section(models=...)): "
        + ", ".join(sorted(m._meta.label for m in missing))
    )


def test_the_coverage_test_would_catch_a_missing_model(monkeypatch):
    from members import panels

    sections = {k: v for k, v in panels._export.items() if k != "memberships"}
    monkeypatch.setattr(panels, "_export", sections)
    assert Membership in models_pointing_at_people() - export_covered_models()


@pytest.fixture
def katia(db, vocab):
    profile = make_member(
        "Katia Xenophontos", offers=[vocab["translation"]], phone="+32 2 123 45 67"
    )
    MembershipFactory(user=profile.user)
    chapter = ChapterFactory(name="BetaGroup Charleroi")
    chapter.followers.add(profile.user)
    Term.objects.create(slug="zythology", name_en="zythology", proposed_by=profile.user)
    return profile


def test_download_has_everything_and_only_mine(client, katia):
    other = make_member("Someone Else")
    url = reverse("members:my_data_download")
    assert client.get(url).status_code == 302
    client.force_login(katia.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    sections = data["sections"]
    assert sections["account"]["email"] == katia.user.email
    assert sections["profile"]["phone"] == "+32 2 123 45 67"
    assert sections["profile"]["offers"][0]["slug"] == "translation"
    assert len(sections["memberships"]) == 1
    assert sections["chapters"]["following"] == ["BetaGroup Charleroi"]
    assert sections["proposed_terms"][0]["slug"] == "zythology"
    assert sections["form_submissions"] == []
    assert other.display_name not in response.content.decode()


def test_the_forms_i_sent_are_in_my_data_and_nobody_elses(client, katia):
    from betacowork.submissions.models import Submission

    other = make_member("Someone Else")
    Submission.objects.create(user=katia.user, purpose="collaborations.create", nonce="a" * 32)
    Submission.objects.create(user=other.user, purpose="events.create", nonce="b" * 32)
    client.force_login(katia.user)
    data = json.loads(client.get(reverse("members:my_data_download")).content)
    assert [s["purpose"] for s in data["sections"]["form_submissions"]] == ["collaborations.create"]


def test_account_deletion_needs_the_right_email(client, katia, recently_authenticated):
    url = reverse("members:account_delete")
    assert client.get(url).status_code == 302
    client.force_login(katia.user)
    recently_authenticated(client)  # deleting asks for the password (test_qa_round6_reauth)
    page = client.get(url)
    assert page.status_code == 200
    # Before deciding, what goes and what stays (attendance lists, collaborations) is told.
    assert "Your places at upcoming events are given back" in page.content.decode()
    assert "stay in their attendance as “A former member”" in page.content.decode()
    assert "Your name stays on the collaborations you took part in" in page.content.decode()
    wrong = client.post(url, {"email": "someone@example.test"})
    assert wrong.status_code == 400
    assert "not the email address of your account" in wrong.content.decode()
    assert User.objects.filter(pk=katia.user.pk).exists()
    assert client.get(reverse("members:my_data")).status_code == 200  # still logged in


def test_account_deletion_keeps_others_records_consistent(client, katia, recently_authenticated):
    user = katia.user
    Outbox.objects.create(
        dedup_key="t1",
        kind="test",
        to_email=user.email,
        language="en",
        subject="s",
        body_text="b",
        recipient=user,
    )
    term = Term.objects.get(slug="zythology")
    chapter = Chapter.objects.get()
    client.force_login(user)
    recently_authenticated(client)
    response = client.post(reverse("members:account_delete"), {"email": user.email.upper()})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Profile.objects.filter(pk=katia.pk).exists()
    assert not Membership.objects.filter(user_id=user.pk).exists()
    term.refresh_from_db()
    assert term.proposed_by is None  # the vocabulary keeps the term
    assert chapter.followers.count() == 0
    message = Outbox.objects.get(dedup_key="t1")
    assert message.recipient is None
    assert message.status == "cancelled"
    # Logged out.
    assert client.get(reverse("members:my_data")).status_code == 302


def test_staff_sees_the_same_page_kinds(client, db):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("members:my_data")).status_code == 200


def test_my_picture_is_in_my_data_where_i_can_download_it(client, katia, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tests.members.test_profile_edit import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path
    katia.avatar.save("a.jpg", ContentFile(jpeg_bytes()), save=True)
    client.force_login(katia.user)
    data = json.loads(client.get(reverse("members:my_data_download")).content)
    link = data["sections"]["profile"]["avatar"]
    assert link == reverse("members:avatar", kwargs={"slug": katia.slug})  # not a file path
    picture = client.get(link)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"


def test_a_deletion_that_fails_leaves_me_signed_in_with_my_account(
    client, katia, monkeypatch, expect_logged_errors, recently_authenticated
):
    def broken(*, user):
        raise RuntimeError("a deletion step failed")

    monkeypatch.setattr("members.views.account.account_delete", broken)
    client.force_login(katia.user)
    recently_authenticated(client)
    client.raise_request_exception = False
    response = client.post(reverse("members:account_delete"), {"email": katia.user.email})
    assert response.status_code == 500
    assert User.objects.filter(pk=katia.user.pk).exists()
    assert client.get(reverse("members:my_data")).status_code == 200  # still signed in


@pytest.mark.django_db
def test_the_goodbye_page_reads_in_the_language_of_the_account_just_deleted(
    client, recently_authenticated
):
    """A French member deleted their account: the goodbye message was French, the page
    around it English (the language went with the session)."""
    user = make_member("Léa Dupont").user
    user.preferred_language = "fr"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    recently_authenticated(client)
    response = client.post(reverse("members:account_delete"), {"email": user.email}, follow=True)
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "Au revoir" in page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
