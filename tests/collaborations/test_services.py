"""Services: logging, confirmation, history, staff verification, edits and their rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, CollaborationHistory, Participant
from collaborations.selectors import events_attended_by
from collaborations.services import (
    ParticipantSpec,
    collaboration_update,
    collaboration_verify,
    participant_confirm,
    participant_decline,
)
from events.models import Registration
from members.services import account_delete
from tests.factories import UserFactory

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


def test_log_asks_the_other_member_by_email_and_counts_only_once_confirmed(
    member, other_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        collab = log(member, other_member)
    assert collab.status == Collaboration.Status.PROPOSED
    author_row = collab.participants.get(user=member)
    assert author_row.state == Participant.State.CONFIRMED  # logging it is my confirmation
    other_row = collab.participants.get(user=other_member)
    assert other_row.state == Participant.State.PENDING
    mail = Outbox.objects.get(kind="collaborations.collaboration_request")
    assert mail.to_email == other_member.email
    assert mail.dedup_key == f"collab-request:{collab.pk}:{other_row.pk}:r1"
    assert "Website redesign" in mail.subject
    assert f"/collaborations/{collab.pk}/" in mail.body_text
    assert not Collaboration.objects.confirmed().exists()

    participant_confirm(participant=other_row, user=other_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED
    assert collab.confirmed_at is not None
    actions = list(collab.history.values_list("action", flat=True))
    assert actions == ["created", "confirmed", "status"]


def test_created_history_records_fields_and_participants(member, other_member):
    collab = log(member, other_member, value_eur=Decimal("1200"))
    entry = collab.history.get(action=CollaborationHistory.Action.CREATED)
    assert entry.actor == member
    assert entry.actor_name == member.name
    assert entry.changes["value_eur"] == [None, "1200"]
    names = [p["name"] for p in entry.changes["participants"][1]]
    assert names == [member.profile.display_name, other_member.profile.display_name]


def test_decline_makes_it_declined(member, other_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    participant_decline(participant=row, user=other_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
    assert collab.history.filter(action="declined", actor=other_member).exists()


def test_nobody_confirms_or_declines_for_someone_else(member, other_member, third_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    with pytest.raises(PermissionDenied):
        participant_confirm(participant=row, user=member)  # the author, for the other one
    with pytest.raises(PermissionDenied):
        participant_decline(participant=row, user=third_member)
    row.refresh_from_db()
    assert row.state == Participant.State.PENDING
    # …and the member themself can.
    participant_confirm(participant=row, user=other_member)
    row.refresh_from_db()
    assert row.state == Participant.State.CONFIRMED


def test_company_without_member_waits_for_staff(member, company, staff):
    collab = log(member, ParticipantSpec(role=Participant.Role.INVESTOR, company=company))
    assert collab.status == Collaboration.Status.PROPOSED
    assert not Outbox.objects.exists()  # no member to ask
    with pytest.raises(PermissionDenied):
        collaboration_verify(collaboration=collab, staff=member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED

    collaboration_verify(collaboration=collab, staff=staff)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED
    row = collab.participants.get(company=company)
    assert row.verified_by == staff
    assert collab.history.filter(action="verified", actor=staff).exists()


def test_outside_organisation_rejected_by_staff(member, staff):
    collab = log(member, ParticipantSpec(role=Participant.Role.CLIENT, organisation="Homeexchange"))
    collaboration_verify(collaboration=collab, staff=staff, approve=False)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"value_eur": Decimal("-5")}, "value_eur", "cannot be negative"),
        ({"value_eur": Decimal("500000000")}, "value_eur", "looks wrong"),
        ({"start_date": date.today() + timedelta(days=800)}, "start_date", "more than a year"),
    ],
)
def test_absurd_values_are_refused_with_a_clear_message(
    member, other_member, fields, field, message
):
    with pytest.raises(ValidationError) as exc:
        log(member, other_member, **fields)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Collaboration.objects.exists()


def test_sensible_values_are_accepted(member, other_member):
    collab = log(
        member,
        other_member,
        value_eur=Decimal("100000"),
        start_date=timezone.localdate() + timedelta(days=200),
    )
    assert collab.value_eur == Decimal("100000")


def test_hundreds_of_participants_are_refused_twenty_are_fine(member):
    people = UserFactory.create_batch(25, verified=False)
    with pytest.raises(ValidationError, match="at most 20 participants"):
        log(member, *people[:20])  # 21 with the author
    collab = log(member, *people[:19])
    assert collab.participants.count() == 20


def test_adding_yourself_twice_or_alone_is_refused(member, other_member):
    with pytest.raises(ValidationError, match="already in this collaboration"):
        log(member, member)
    with pytest.raises(ValidationError, match="at least one other participant"):
        log(member)
    with pytest.raises(ValidationError, match="appears twice"):
        log(member, other_member, other_member)
    assert not Collaboration.objects.exists()


def test_origin_event_must_be_one_i_attended(member, other_member, past_event):
    kwargs = {"origin_type": Collaboration.Origin.EVENT, "origin_event": past_event}
    with pytest.raises(ValidationError, match="event you attended"):
        log(member, other_member, **kwargs)
    attend(past_event, member)
    collab = log(member, other_member, **kwargs)
    assert collab.origin_event == past_event
    assert collab.space == past_event.space  # the dashboard places it where the event was


def test_attended_means_confirmed_or_checked_in_and_started(member, other_member):
    waitlisted = make_past_event(title="Full")
    attend(waitlisted, member, status=Registration.Status.WAITLISTED)
    walked_in = make_past_event(title="Walk-in")
    attend(walked_in, member, status=Registration.Status.WAITLISTED, checked_in=True)
    future = make_past_event(title="Next week", days_ago=-7)
    attend(future, member)
    with pytest.raises(ValidationError):
        log(member, other_member, origin_type="event", origin_event=waitlisted)
    with pytest.raises(ValidationError):
        log(member, other_member, origin_type="event", origin_event=future)
    assert log(member, other_member, origin_type="event", origin_event=walked_in).pk


def test_a_confirmed_registration_not_checked_in_where_the_door_was_kept_is_no_attendance(
    member, other_member, django_assert_num_queries
):
    door_kept = make_past_event(title="Speed Networking evening")
    attend(door_kept, member)
    attend(door_kept, other_member, checked_in=True)
    no_door = make_past_event(title="Betacooks")
    attend(no_door, member)
    with django_assert_num_queries(1):
        assert list(events_attended_by(user=member)) == [no_door]
    with pytest.raises(ValidationError, match="event you attended"):
        log(member, other_member, origin_type="event", origin_event=door_kept)
    assert list(events_attended_by(user=other_member)) == [door_kept]


def test_author_edits_until_confirmed_others_cannot(member, other_member, third_member):
    collab = log(member, other_member)
    collaboration_update(collaboration=collab, actor=member, title="New title")
    collab.refresh_from_db()
    assert collab.title == "New title"
    assert collab.history.filter(action="updated", changes__title=["Website redesign", "New title"])
    with pytest.raises(PermissionDenied):
        collaboration_update(collaboration=collab, actor=other_member, title="Mine now")
    with pytest.raises(PermissionDenied):
        collaboration_update(collaboration=collab, actor=third_member, title="Mine now")


def test_confirmed_edit_by_participant_only(member, other_member, third_member):
    collab = log(member, other_member, confirm=True)
    with pytest.raises(PermissionDenied):
        collaboration_update(collaboration=collab, actor=third_member, title="Hijacked")
    collaboration_update(collaboration=collab, actor=other_member, description="Still going")
    collab.refresh_from_db()
    assert collab.description == "Still going"
    assert collab.status == Collaboration.Status.CONFIRMED  # a text change keeps it confirmed


def test_a_later_change_of_value_asks_for_confirmation_again(member, other_member):
    collab = log(member, other_member, confirm=True, value_eur=Decimal("1000"))
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("90000"))
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    assert collab.revision == 2
    row = collab.participants.get(user=other_member)
    assert row.state == Participant.State.PENDING
    keys = set(Outbox.objects.values_list("dedup_key", flat=True))
    assert f"collab-request:{collab.pk}:{row.pk}:r2" in keys
    entry = collab.history.get(action="reopened")
    assert entry.changes["value_eur"] == ["1000.00", "90000"]
    participant_confirm(participant=row, user=other_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


def test_a_later_change_of_participants_asks_again(member, other_member, third_member):
    collab = log(member, other_member, confirm=True)
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[
            ParticipantSpec(role=Participant.Role.CLIENT, user=other_member),
            ParticipantSpec(role=Participant.Role.PARTNER, user=third_member),
        ],
    )
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    assert collab.participants.count() == 3
    assert set(collab.participants.filter(state="pending").values_list("user", flat=True)) == {
        other_member.pk,
        third_member.pk,
    }


def test_a_participant_kept_by_its_row_stays_as_it_is(member, other_member, third_member):
    collab = log(member, other_member, third_member, confirm=True)
    departed = collab.participants.get(user=third_member)
    account_delete(user=third_member)  # the row keeps its name, with no account behind it
    kept = ParticipantSpec(
        role=Participant.Role.CLIENT, participant_id=departed.pk, shown_as="Jérémie Marti"
    )
    collaboration_update(
        collaboration=collab,
        actor=other_member,
        description="Still going",
        participants=[ParticipantSpec(role=Participant.Role.SUPPLIER, user=member), kept],
    )
    collab.refresh_from_db()
    assert collab.description == "Still going"
    assert collab.status == Collaboration.Status.CONFIRMED  # nothing re-opened
    departed.refresh_from_db()
    assert (departed.name, departed.state) == ("Jérémie Marti", Participant.State.CONFIRMED)
    # Without its row, it is removed like any party left out.
    collaboration_update(
        collaboration=collab,
        actor=other_member,
        participants=[ParticipantSpec(role=Participant.Role.SUPPLIER, user=member)],
    )
    assert not collab.participants.filter(pk=departed.pk).exists()


def test_a_kept_row_must_be_one_of_this_collaboration_and_given_once(
    member, other_member, third_member
):
    collab = log(member, other_member, confirm=True)
    elsewhere = log(third_member, member).participants.get(user=third_member)
    authors_row = collab.participants.get(user=member)
    for specs in (
        [ParticipantSpec(role="client", participant_id=elsewhere.pk, shown_as="a member")],
        [
            ParticipantSpec(role="client", participant_id=authors_row.pk, shown_as="a member"),
            ParticipantSpec(role="client", user=member),
        ],
    ):
        with pytest.raises(ValidationError):
            collaboration_update(collaboration=collab, actor=other_member, participants=specs)
    assert list(collab.participants.values_list("user", flat=True)) == [member.pk, other_member.pk]
    with pytest.raises(ValueError, match="no participants to keep"):
        log(member, ParticipantSpec(role="client", participant_id=authors_row.pk, shown_as="x"))


def test_nobody_adds_themselves_to_a_collaboration_they_are_not_part_of(
    member, other_member, third_member
):
    collab = log(member, other_member, confirm=True)
    with pytest.raises(PermissionDenied):
        collaboration_update(
            collaboration=collab,
            actor=third_member,
            participants=[
                ParticipantSpec(role=Participant.Role.CLIENT, user=other_member),
                ParticipantSpec(role=Participant.Role.PARTNER, user=third_member),
            ],
        )
    assert not collab.participants.filter(user=third_member).exists()


def test_confirm_after_decline_flows(member, other_member, third_member):
    collab = log(member, other_member, third_member)
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED  # one more to go
    participant_confirm(participant=collab.participants.get(user=third_member), user=third_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


def test_opted_out_member_gets_no_email_but_can_confirm(member, other_member):
    other_member.email_opt_outs = ["collaboration_request"]
    other_member.save(update_fields=["email_opt_outs"])
    collab = log(member, other_member)
    assert not Outbox.objects.filter(kind="collaborations.collaboration_request").exists()
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)
    collab.refresh_from_db()
    assert collab.is_confirmed


def test_database_refuses_a_negative_value(member):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Collaboration.objects.create(
            title="x",
            kind="service",
            start_date=date(2025, 1, 1),
            value_eur=Decimal("-1"),
            author=member,
            author_name="x",
        )
