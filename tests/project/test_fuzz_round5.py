"""Round-5 fuzzing: the admin's JSON fields. A value that is not what the code reads (a
number alone, text, NaN, an empty box on a column that takes no NULL) is a form error on the
page, not a 500 nor a row the site or the reminder sweep cannot read later."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import EventKind
from tests.events.factories import EventFactory
from tests.html_forms import form_values

pytestmark = pytest.mark.django_db

BAD_JSON_LISTS = ["-1", "99999999999999999999", "NaN", "Infinity", "1e999", '"fr"', "{}"]
BAD_OFFSETS = [
    *BAD_JSON_LISTS,
    '["abc"]',
    "[true]",
    "[1.5]",
    "[-5]",
    "[0]",
    "[99999999999999999999]",
    "[NaN]",
    "not json",
]


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _model_form(admin_client, url: str, form_id: str, **changes) -> dict[str, str]:
    """The admin's change form as the page drew it (not the header's logout form)."""
    html = admin_client.get(url).content.decode()
    start = html.rfind("<form", 0, html.index(f'id="{form_id}"'))
    return form_values(html[start:], **changes)


@pytest.mark.parametrize("value", [*BAD_JSON_LISTS, '["xx"]', "[1]"])
def test_profile_admin_refuses_languages_that_are_not_a_list_of_codes(admin_client, member, value):
    profile = member.profile
    profile.languages = ["fr"]
    profile.save()
    url = reverse("admin:members_profile_change", args=[profile.pk])
    data = _model_form(admin_client, url, "profile_form", languages=value)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["languages"]
    profile.refresh_from_db()
    assert profile.languages == ["fr"]


@pytest.mark.parametrize(("typed", "saved"), [('["nl", "en"]', ["nl", "en"]), ("[]", []), ("", [])])
def test_profile_admin_saves_a_list_of_codes(admin_client, member, typed, saved):
    profile = member.profile
    profile.languages = ["fr"]
    profile.save()
    url = reverse("admin:members_profile_change", args=[profile.pk])
    data = _model_form(admin_client, url, "profile_form", languages=typed)
    assert admin_client.post(url, data).status_code == 302
    profile.refresh_from_db()
    assert profile.languages == saved


def _kind_data(**changes) -> dict[str, str]:
    return {
        "name_en": "Fuzz talk",
        "slug": "fuzz-talk",
        "default_duration_minutes": "60",
        "reminder_offsets_minutes": "[1440, 120]",
        **changes,
    }


@pytest.mark.parametrize("value", BAD_OFFSETS)
def test_event_kind_admin_refuses_offsets_the_sweep_cannot_read(admin_client, value):
    response = admin_client.post(
        reverse("admin:events_eventkind_add"), _kind_data(reminder_offsets_minutes=value)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reminder_offsets_minutes"]
    assert not EventKind.objects.filter(slug="fuzz-talk").exists()


def test_event_kind_admin_offsets_left_empty_mean_no_reminders(admin_client):
    kind = EventKind.objects.create(name_en="Fuzz talk", slug="fuzz-talk")
    url = reverse("admin:events_eventkind_change", args=[kind.pk])
    response = admin_client.post(url, _kind_data(reminder_offsets_minutes=""))
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.reminder_offsets_minutes == []


def test_event_kind_admin_saves_good_offsets(admin_client):
    response = admin_client.post(reverse("admin:events_eventkind_add"), _kind_data())
    assert response.status_code == 302
    assert EventKind.objects.get(slug="fuzz-talk").reminder_offsets_minutes == [1440, 120]


@pytest.mark.parametrize("value", BAD_OFFSETS)
def test_event_admin_refuses_offsets_the_sweep_cannot_read(admin_client, value):
    event = EventFactory(reminder_offsets_minutes=[60])
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _model_form(admin_client, url, "event_form", reminder_offsets_minutes=value)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reminder_offsets_minutes"]
    event.refresh_from_db()
    assert event.reminder_offsets_minutes == [60]


def test_event_admin_offsets_left_empty_use_the_kinds(admin_client):
    event = EventFactory(reminder_offsets_minutes=[60])
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _model_form(admin_client, url, "event_form", reminder_offsets_minutes="")
    assert admin_client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert event.reminder_offsets_minutes is None
    assert event.effective_reminder_offsets == sorted(
        event.kind.reminder_offsets_minutes, reverse=True
    )


@pytest.mark.parametrize("value", [*BAD_JSON_LISTS, '["no-such-preference"]'])
def test_user_admin_refuses_opt_outs_that_are_not_a_list_of_kinds(admin_client, member, value):
    member.email_opt_outs = ["reminder"]
    member.save()
    url = reverse("admin:members_user_change", args=[member.pk])
    data = _model_form(admin_client, url, "user_form", email_opt_outs=value)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email_opt_outs"]
    member.refresh_from_db()
    assert member.email_opt_outs == ["reminder"]


@pytest.mark.parametrize(
    ("before", "typed", "saved"),
    [([], '["reminder"]', ["reminder"]), (["reminder"], "[]", []), (["reminder"], "", [])],
)
def test_user_admin_saves_a_list_of_preferences(admin_client, member, before, typed, saved):
    member.email_opt_outs = before
    member.save()
    url = reverse("admin:members_user_change", args=[member.pk])
    data = _model_form(admin_client, url, "user_form", email_opt_outs=typed)
    assert admin_client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.email_opt_outs == saved
