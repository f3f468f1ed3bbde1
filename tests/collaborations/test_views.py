"""Pages: the form, the list and detail, confirmation, edit rights, export, autocomplete."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collaborations.models import Collaboration, Participant
from collaborations.views import CollaborationListView, MyCollaborationsView
from members.models import Visibility
from members.services import account_delete
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .conftest import attend, form_as_sent, log, set_visibility

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    """The "Log a collaboration" form as a browser sends it, each time a freshly opened one
    (its one-time token: `nonce`)."""
    data = {
        "nonce": uuid.uuid4().hex,
        "title": "Translations for Madkings",
        "kind": "service",
        "my_role": "supplier",
        "start_date": "2025-05-14",
        "value_eur": "",
        "description": "",
        "origin_type": "space",
        "origin_event": "",
        "introduced_by": "",
        "space": "",
        "visibility": "public",
        "participants-TOTAL_FORMS": "3",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "19",
    }
    for i in range(3):
        for f in ("member", "company", "organisation", "role"):
            data[f"participants-{i}-{f}"] = ""
    data.update(overrides)
    return data


# --- Logging with the form --------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("collaborations:create"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_member_logs_a_collaboration_with_the_form(member_client, member, other_member):
    data = form_data(
        **{
            "participants-0-member": other_member.profile.slug,
            "participants-0-role": "client",
            "participants-1-organisation": "Homeexchange",
            "participants-1-role": "client",
        }
    )
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    collab = Collaboration.objects.get()
    assert collab.author == member
    assert collab.status == Collaboration.Status.PROPOSED
    parties = {(p.user_id, p.organisation, p.role) for p in collab.participants.all()}
    assert parties == {
        (member.pk, "", "supplier"),
        (other_member.pk, "", "client"),
        (None, "Homeexchange", "client"),
    }


def test_member_can_be_given_by_exact_name(member_client, other_member):
    data = form_data(
        **{
            "participants-0-member": other_member.profile.display_name.upper(),
            "participants-0-role": "client",
        }
    )
    assert member_client.post(reverse("collaborations:create"), data).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value_eur": "-100"}, "cannot be negative"),
        ({"value_eur": "900000000"}, "looks wrong"),
        ({"start_date": "2099-01-01"}, "more than a year from now"),
        ({"origin_type": "event"}, "Choose the event where you met"),
        ({"origin_type": "introduction"}, "Say which member introduced you"),
        ({"title": "\u200b"}, "This field is required."),
        ({"title": "\u202eevil"}, "without line breaks, control characters or text-direction"),
    ],
)
def test_bad_input_gets_a_clear_message(member_client, other_member, overrides, message):
    data = form_data(
        **{"participants-0-member": other_member.profile.slug, "participants-0-role": "client"},
        **overrides,
    )
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Collaboration.objects.exists()


def test_an_event_i_did_not_attend_is_refused_one_i_attended_is_accepted(
    member_client, member, other_member, past_event
):
    data = form_data(
        **{
            "participants-0-member": other_member.profile.slug,
            "participants-0-role": "client",
            "origin_type": "event",
            "origin_event": str(past_event.pk),
        }
    )
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert "Choose an event you attended" in response.content.decode()
    attend(past_event, member, checked_in=True)
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 302
    assert Collaboration.objects.get().origin_event == past_event


def test_hundreds_of_participants_get_a_clear_message(member_client, other_member):
    data = form_data(**{"participants-TOTAL_FORMS": "500"})
    data["participants-0-member"] = other_member.profile.slug
    data["participants-0-role"] = "client"
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert "at most 20 participants" in response.content.decode()


def test_only_yourself_or_yourself_twice_is_refused(member_client, member):
    response = member_client.post(reverse("collaborations:create"), form_data())
    assert response.status_code == 400
    assert "never with yourself only" in response.content.decode()
    data = form_data(
        **{"participants-0-member": member.profile.slug, "participants-0-role": "client"}
    )
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert "already in this collaboration" in response.content.decode()


def test_a_hidden_member_cannot_be_picked(member_client, other_member):
    set_visibility(other_member, Visibility.HIDDEN)
    data = form_data(
        **{"participants-0-member": other_member.profile.slug, "participants-0-role": "client"}
    )
    response = member_client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert "No member" in response.content.decode()


def test_the_follow_up_link_opens_the_form_with_the_event(member_client, member, past_event):
    attend(past_event, member)
    response = member_client.get(reverse("collaborations:create") + f"?event={past_event.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["origin_type"] == "event"
    assert form.initial["origin_event"] == past_event.pk
    # An event I did not attend is not preselected.
    other = UserFactory()
    assert past_event.pk not in [
        e.pk for e in form.fields["origin_event"].queryset.filter(registrations__user=other)
    ]


# --- Seeing -------------------------------------------------------------------------------


def test_participants_only_details_are_for_participants(client, member, other_member):
    collab = log(member, other_member, confirm=True, visibility="participants")
    url = collab.get_absolute_url()
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert collab.title not in client.get(reverse("collaborations:list")).content.decode()
    client.force_login(other_member)
    response = client.get(url)
    assert response.status_code == 200
    assert collab.title in response.content.decode()


def test_members_only_is_hidden_from_anonymous(client, member, other_member):
    collab = log(member, other_member, confirm=True, visibility="members")
    assert client.get(collab.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(collab.get_absolute_url()).status_code == 200


def test_list_shows_only_confirmed(client, member, other_member):
    log(member, other_member, confirm=True, title="Confirmed deal")
    log(member, other_member, title="Pending deal")
    body = client.get(reverse("collaborations:list")).content.decode()
    assert "Confirmed deal" in body
    assert "Pending deal" not in body


def test_list_filters_and_bad_filters(client, member, other_member):
    log(member, other_member, confirm=True, title="A hire", kind="hire")
    log(member, other_member, confirm=True, title="A service", kind="service")
    body = client.get(reverse("collaborations:list"), {"kind": "hire"}).content.decode()
    assert "A hire" in body
    assert "A service" not in body
    assert client.get(reverse("collaborations:list"), {"year": "abc"}).status_code == 400
    assert client.get(reverse("collaborations:list"), {"kind": "bribe"}).status_code == 400


@pytest.mark.parametrize(
    ("page", "number", "notice"),
    [
        ("0", 1, "“0” is not a page number: showing the first page."),
        ("abc", 1, "“abc” is not a page number: showing the first page."),
        ("999", 2, "There are only 2 pages: showing the last one."),
    ],
)
def test_a_page_that_is_not_there_shows_the_nearest_with_a_notice(
    client, member, other_member, monkeypatch, page, number, notice
):
    monkeypatch.setattr(CollaborationListView, "paginate_by", 2)
    for n in range(3):
        log(member, other_member, confirm=True, title=f"Deal {n}")
    response = client.get(reverse("collaborations:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == number
    assert notice in response.content.decode()
    again = client.get(reverse("collaborations:list"))  # shown once, not carried over
    assert "showing the" not in again.content.decode()


def test_a_hidden_participant_is_not_named(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    client.force_login(UserFactory())
    body = client.get(collab.get_absolute_url()).content.decode()
    assert other_member.profile.display_name in body
    assert member.name in body
    set_visibility(other_member, Visibility.HIDDEN)
    set_visibility(member, Visibility.HIDDEN)  # the author, too
    body = client.get(collab.get_absolute_url()).content.decode()
    assert other_member.profile.display_name not in body
    assert member.name not in body
    assert "a member" in body


def test_pending_collaboration_is_seen_by_its_parties_only(client, member, other_member):
    collab = log(member, other_member)
    client.force_login(other_member)
    assert client.get(collab.get_absolute_url()).status_code == 200
    client.force_login(UserFactory())
    assert client.get(collab.get_absolute_url()).status_code == 404


# --- Confirming -----------------------------------------------------------------------------


def test_member_confirms_from_the_page(client, member, other_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    response = client.post(reverse("collaborations:confirm", args=[row.pk]))
    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.is_confirmed


def test_nobody_confirms_for_someone_else_through_the_page(client, member, other_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    client.force_login(member)
    assert client.post(reverse("collaborations:confirm", args=[row.pk])).status_code == 404
    assert client.post(reverse("collaborations:decline", args=[row.pk])).status_code == 404
    assert client.get(reverse("collaborations:confirm", args=[row.pk])).status_code in (404, 405)
    row.refresh_from_db()
    assert row.state == Participant.State.PENDING


def test_staff_verify_page_and_members_refused(client, member, company, staff):
    from collaborations.services import ParticipantSpec

    collab = log(member, ParticipantSpec(role="investor", company=company))
    url = reverse("collaborations:verify", args=[collab.pk])
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(staff)
    assert client.post(url, {"decision": "approve"}).status_code == 302
    collab.refresh_from_db()
    assert collab.is_confirmed


# --- Editing --------------------------------------------------------------------------------


def test_edit_rights(client, member, other_member):
    collab = log(member, other_member)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    assert client.get(url).status_code == 403  # not the author, not yet confirmed
    client.force_login(member)
    assert client.get(url).status_code == 200
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(url).status_code == 404  # cannot even see it


def test_confirmed_collaboration_editable_by_participants_only(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    url = reverse("collaborations:update", args=[collab.pk])
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    post = form_data(
        title="Hijacked",
        **{
            "participants-0-member": member.profile.slug,
            "participants-0-role": "supplier",
            "participants-1-member": other_member.profile.slug,
            "participants-1-role": "client",
        },
    )
    assert client.post(url, post).status_code == 403  # cannot add themselves by editing
    collab.refresh_from_db()
    assert collab.title == "Website redesign"
    assert not collab.participants.filter(user=outsider).exists()

    client.force_login(other_member)
    post = form_data(
        title="Website redesign, phase 2",
        my_role="client",
        value_eur="5000",
        **{"participants-0-member": member.profile.slug, "participants-0-role": "supplier"},
    )
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.title == "Website redesign, phase 2"
    assert collab.status == Collaboration.Status.PROPOSED  # the value changed: ask again
    assert collab.participants.get(user=member).state == Participant.State.PENDING


def test_anonymous_edit_goes_to_login(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    response = client.get(reverse("collaborations:update", args=[collab.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_hidden_participant_is_kept_unnamed_when_another_edits(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    hidden_row = collab.participants.get(user=member)
    set_visibility(member, Visibility.HIDDEN)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    page = client.get(url).content.decode()
    # Shown as the detail page shows them: "a member", no name, no slug.
    assert member.profile.display_name not in page
    assert member.name not in page
    assert member.profile.slug not in page
    assert 'value="a member"' in page
    response = client.post(url, form_as_sent(page, description="Phase 2 started"))
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.description == "Phase 2 started"
    assert collab.is_confirmed  # neither value nor participants changed
    kept = collab.participants.get(pk=hidden_row.pk)
    assert (kept.user, kept.role, kept.state) == (member, "supplier", "confirmed")
    assert collab.participants.count() == 2


def test_a_hidden_participant_can_be_given_another_role_not_removed(
    client, member, other_member, third_member
):
    """A participant editing a confirmed collaboration changes a hidden member's role; clearing
    their row is refused on it, without naming them: they confirmed it (rules.may_remove)."""
    collab = log(member, other_member, third_member, confirm=True)
    set_visibility(member, Visibility.HIDDEN)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    page = client.get(url).content.decode()
    row = next(k.removesuffix("-member") for k, v in form_as_sent(page).items() if v == "a member")

    response = client.post(url, form_as_sent(page, **{f"{row}-member": "", f"{row}-role": ""}))
    assert response.status_code == 400
    error = response.content.decode().split(f'id="id_{row}-member_error"', 1)[1].split("</ul>")[0]
    assert "A member confirmed this collaboration: an edit cannot remove them." in error
    assert member.name not in response.content.decode()
    assert collab.participants.filter(user=member).exists()

    response = client.post(url, form_as_sent(page, **{f"{row}-role": "partner"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    roles = list(collab.participants.filter(user=member).values_list("role", flat=True))
    assert roles == ["partner"]
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED  # participants changed: ask again


def test_a_departed_participant_is_kept_when_another_edits(
    client, member, other_member, third_member
):
    collab = log(member, other_member, third_member, confirm=True)
    departed_row = collab.participants.get(user=third_member)
    account_delete(user=third_member)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    # Named in the form as on the detail page: by the name the row kept.
    assert "Jérémie Marti" in client.get(collab.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert 'value="Jérémie Marti"' in page
    response = client.post(url, form_as_sent(page, title="Website redesign, phase 2"))
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.title == "Website redesign, phase 2"
    assert collab.is_confirmed  # nobody is asked again, the departed row is not re-created
    kept = collab.participants.get(pk=departed_row.pk)
    assert (kept.user, kept.name, kept.state) == (None, "Jérémie Marti", "confirmed")
    assert collab.participants.count() == 3


def test_a_hidden_member_cannot_be_added_by_editing(client, member, other_member, third_member):
    collab = log(member, other_member, confirm=True)
    set_visibility(third_member, Visibility.HIDDEN)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    page = client.get(url).content.decode()
    for typed in (third_member.profile.slug, third_member.profile.display_name):
        response = client.post(
            url,
            form_as_sent(page, **{"participants-1-member": typed, "participants-1-role": "client"}),
        )
        assert response.status_code == 400
        assert "No member" in response.content.decode()
    assert not collab.participants.filter(user=third_member).exists()


def test_a_participant_of_another_collaboration_cannot_be_slipped_in(
    client, member, other_member, third_member
):
    elsewhere = log(third_member, member, confirm=True).participants.get(user=third_member)
    set_visibility(third_member, Visibility.HIDDEN)
    collab = log(member, other_member, confirm=True)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    page = client.get(url).content.decode()
    response = client.post(
        url,
        form_as_sent(
            page,
            **{
                "participants-1-member": "a member",
                "participants-1-member_slug": f"#{elsewhere.pk}",
                "participants-1-role": "client",
            },
        ),
    )
    assert response.status_code == 400
    assert "No member" in response.content.decode()
    assert not collab.participants.filter(user=third_member).exists()


# --- Mine, export, autocomplete ---------------------------------------------------------------


def test_my_collaborations_show_pending_confirmations(client, member, other_member):
    collab = log(member, other_member, title="Needs you")
    client.force_login(other_member)
    response = client.get(reverse("collaborations:mine"))
    assert response.status_code == 200
    assert [p.collaboration for p in response.context["pending"]] == [collab]


def test_my_collaborations_past_the_last_page_show_it(client, member, other_member, monkeypatch):
    monkeypatch.setattr(MyCollaborationsView, "paginate_by", 2)
    for n in range(3):
        log(member, other_member, title=f"Deal {n}")
    client.force_login(member)
    response = client.get(reverse("collaborations:mine"), {"page": "999"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert len(response.context["collaborations"]) == 1
    assert "There are only 2 pages: showing the last one." in response.content.decode()


def test_csv_export_is_for_staff_only(client, member, other_member, staff):
    log(member, other_member, confirm=True, title="=HYPERLINK(evil)")
    url = reverse("collaborations:export")
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,title,kind,status")
    assert "'=HYPERLINK(evil)" in lines[1]  # no formula injection in spreadsheets
    assert "confirmed" in lines[1]


def test_autocomplete_finds_visible_members_only(client, member, other_member, third_member):
    set_visibility(third_member, Visibility.HIDDEN)
    url = reverse("collaborations:member_autocomplete")
    assert client.get(url, {"q": "Stan"}).status_code == 302
    client.force_login(member)
    names = [r["name"] for r in client.get(url, {"q": "a"}).json()["results"]]
    assert names == []  # too short
    names = [r["name"] for r in client.get(url, {"q": "Stan"}).json()["results"]]
    assert names == [other_member.profile.display_name]
    assert client.get(url, {"q": "Jérémie"}).json()["results"] == []


def test_follow_up_invitation_and_pending_on_the_home_page(
    client, member, other_member, past_event
):
    attend(past_event, member)
    log(other_member, member, title="Please confirm me")
    client.force_login(member)
    body = client.get("/").content.decode()
    assert "Please confirm me" in body
    assert f"?event={past_event.pk}" in body
    # Once I logged a collaboration from that event, the invitation goes away.
    log(member, other_member, origin_type="event", origin_event=past_event)
    body = client.get("/").content.decode()
    assert f"?event={past_event.pk}" not in body


def test_old_events_do_not_invite(client, member):
    from .conftest import make_past_event

    old = make_past_event(days_ago=40)
    attend(old, member)
    client.force_login(member)
    assert f"?event={old.pk}" not in client.get("/").content.decode()


def test_profile_panel_lists_visible_collaborations(client, member, other_member):
    log(member, other_member, confirm=True, title="Public one")
    log(member, other_member, confirm=True, title="Secret one", visibility="participants")
    set_visibility(member, Visibility.PUBLIC)
    body = client.get(member.profile.get_absolute_url()).content.decode()
    assert "Public one" in body
    assert "Secret one" not in body
    client.force_login(other_member)
    body = client.get(member.profile.get_absolute_url()).content.decode()
    assert "Secret one" in body


def test_company_page_lists_its_collaborations(client, member, company, staff):
    from collaborations.services import ParticipantSpec, collaboration_verify

    collab = log(member, ParticipantSpec(role="investor", company=company), title="Raise")
    collaboration_verify(collaboration=collab, staff=staff)
    response = client.get(reverse("members:company", args=[company.slug]))
    assert response.status_code == 200
    assert "Raise" in response.content.decode()


def test_start_date_in_the_future_within_a_year_is_fine(member_client, other_member):
    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = form_data(
        start_date=soon,
        **{"participants-0-member": other_member.profile.slug, "participants-0-role": "client"},
    )
    assert member_client.post(reverse("collaborations:create"), data).status_code == 302


def test_admin_action_verifies(client, member, company, staff):
    from collaborations.services import ParticipantSpec

    collab = log(member, ParticipantSpec(role="investor", company=company))
    client.force_login(staff)
    assert (
        client.get(
            reverse("admin:collaborations_collaboration_change", args=[collab.pk])
        ).status_code
        == 200
    )
    response = client.post(
        reverse("admin:collaborations_collaboration_changelist"),
        {"action": "verify_parties", "_selected_action": [collab.pk]},
    )
    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.is_confirmed


def test_a_participant_who_was_not_at_the_event_can_still_edit(
    client, member, other_member, past_event
):
    attend(past_event, member)
    collab = log(member, other_member, confirm=True, origin_type="event", origin_event=past_event)
    client.force_login(other_member)
    url = reverse("collaborations:update", args=[collab.pk])
    assert client.get(url).status_code == 200
    post = form_data(
        title="Renamed",
        my_role="client",
        origin_type="event",
        origin_event=str(past_event.pk),
        **{"participants-0-member": member.profile.slug, "participants-0-role": "supplier"},
    )
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.title == "Renamed"
    assert collab.origin_event == past_event
    assert collab.is_confirmed  # neither value nor participants changed


def test_a_superuser_who_is_no_party_is_not_offered_an_edit_they_cannot_save(
    client, member, other_member, staff
):
    """One rule (`may_edit`): a party may edit; staff, superuser or not, may not."""
    assert staff.is_superuser
    for collab in (log(member, other_member), log(member, other_member, confirm=True)):
        url = reverse("collaborations:update", args=[collab.pk])
        client.force_login(staff)
        page = client.get(collab.get_absolute_url())
        assert page.status_code == 200
        assert url not in page.content.decode()  # no Edit button
        assert client.get(url).status_code == 403  # nor the form
        assert client.post(url, form_data(title="Edited by staff")).status_code == 403
        client.force_login(member)  # the author, a party
        assert url in client.get(collab.get_absolute_url()).content.decode()
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("view", "language", "message"),
    [
        # French puts a no-break space before a colon.
        ("confirm", "fr", "Merci\u00a0: vous avez confirmé cette collaboration."),
        ("decline", "fr", "Vous avez refusé\u00a0: cette collaboration ne sera pas comptabilisée."),
        ("confirm", "nl", "Bedankt: je hebt deze samenwerking bevestigd."),
        ("confirm", "en", "Thank you: you confirmed this collaboration."),
    ],
)
def test_answering_is_thanked_in_my_language(client, member, other_member, view, language, message):
    collab = log(member, other_member)
    other_member.preferred_language = language
    other_member.save(update_fields=["preferred_language"])
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    page = client.post(reverse(f"collaborations:{view}", args=[row.pk]), follow=True)
    assert message in page.content.decode()


def test_the_detail_names_the_space_and_the_chapter_each_under_its_own_label(
    client, member, other_member
):
    """The "Space" line showed the chapter's name ("Space: BetaGroup Kortrijk")."""
    twelve = SpaceFactory(name="Twelve", city="Kortrijk")
    ChapterFactory(name="BetaGroup Kortrijk", space=twelve)
    collab = log(member, other_member, space=twelve)
    client.force_login(member)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert "<dt>Space</dt><dd>Twelve</dd>" in page
    assert "<dt>Chapter</dt><dd>BetaGroup Kortrijk</dd>" in page


@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_answering_from_a_page_opened_before_i_was_removed_says_so(
    client, member, other_member, answer
):
    """QA: the author replaced me while my page was open; my answer was a bare 404."""
    from collaborations.services import ParticipantSpec, collaboration_update

    collab = log(member, other_member, title="Shop redesign")
    mine = collab.participants.get(user=other_member)
    client.force_login(other_member)
    page = client.get(collab.get_absolute_url()).content.decode()
    form = re.search(
        rf'action="/collaborations/participations/{mine.pk}/{answer}/"[^>]*>(.*?)</form>',
        page,
        re.S,
    )
    assert form is not None
    sent = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    assert sent["collaboration"] == str(collab.pk)
    third = UserFactory(name="Ramon Third")
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[ParticipantSpec(role=Participant.Role.CLIENT, user=third)],
    )
    response = client.post(reverse(f"collaborations:{answer}", args=[mine.pk]), sent, follow=True)
    assert response.status_code == 200
    assert "no longer lists you as a party: there is nothing to answer" in response.content.decode()
    assert not collab.participants.filter(user=other_member).exists()


def test_answering_someone_elses_participation_is_a_404_or_the_same_message(
    client, member, other_member
):
    collab = log(member, other_member, visibility=Collaboration.Visibility.PARTICIPANTS)
    theirs = collab.participants.get(user=other_member)
    stranger = UserFactory(name="Nosy Neighbour")
    client.force_login(stranger)
    url = reverse("collaborations:confirm", args=[theirs.pk])
    assert client.post(url, {"revision": "1"}).status_code == 404
    response = client.post(url, {"revision": "1", "collaboration": str(collab.pk)})
    # The same answer as for any id: my collaborations, where nothing of theirs is named.
    assert response.status_code == 302
    assert response["Location"] == reverse("collaborations:mine")
    theirs.refresh_from_db()
    assert theirs.state == Participant.State.PENDING
