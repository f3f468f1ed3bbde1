"""Speed-networking pages: permissions both sides, bad input, the live pages and their JSON,
the printed plan, CSV, rounds.json, requests, "who I met" and what other pages gain."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Meeting, MeetingRequest, NetworkingSession, Round, Seat
from events.speed_networking import services
from tests.factories import ChapterFactory, UserFactory, make_member

from . import test_speed_networking_services as shared
from .factories import EventFactory, RegistrationFactory, kind
from .test_speed_networking_services import attend, tables

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening


def url(name, event):
    return reverse(f"events:networking:{name}", kwargs={"slug": event.slug})


ORGANISER_GETS = ["run", "projector", "projector_state", "print", "csv", "rounds_json"]
ORGANISER_POSTS = ["plan", "next", "finish", "arrive", "leave"]


@pytest.fixture
def planned(evening, organiser):
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    return people


@pytest.fixture
def stranger(db):
    """An organiser of another chapter."""
    user = UserFactory(name="Jurgen Other")
    ChapterFactory(name="BetaGroup Kortrijk").organisers.add(user)
    return user


# --- permissions -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_anonymous_goes_to_the_login_page(client, evening, name):
    method = client.post if name in ORGANISER_POSTS else client.get
    response = method(url(name, evening))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_members_and_other_chapters_organisers_are_refused(
    client, planned, evening, member, stranger, name
):
    for user in (member, stranger):
        client.force_login(user)
        method = client.post if name in ORGANISER_POSTS else client.get
        response = method(url(name, evening), {"rounds": 5, "table_size": 2, "round_minutes": 6})
        assert response.status_code == 403
    session = NetworkingSession.objects.get()
    assert session.current_round == 0
    assert session.finished_at is None
    assert Round.objects.count() == 3


def test_a_draft_event_is_a_404_for_strangers(client, evening, stranger):
    Event.objects.filter(pk=evening.pk).update(status=Event.Status.DRAFT)
    client.force_login(stranger)
    assert client.get(url("run", evening)).status_code == 404
    assert client.get(url("rounds_json", evening)).status_code == 404


@pytest.mark.parametrize("name", ORGANISER_GETS)
def test_the_chapters_organiser_and_staff_may_run_it(
    client, planned, evening, organiser, staff, name
):
    for user in (organiser, staff):
        client.force_login(user)
        assert client.get(url(name, evening)).status_code == 200


def test_another_kind_of_event_has_no_networking_pages(client, organiser, chapter):
    lunch = EventFactory(chapter=chapter)
    client.force_login(organiser)
    assert client.get(url("run", lunch)).status_code == 404


# --- the run view ------------------------------------------------------------------------------


def test_plan_from_the_phone_then_run_round_by_round(client, evening, organiser):
    attend(evening, names=["Léa Dubois", "Tom Peeters", "Ann Smith", "Bob Jones"])
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "Plan the rounds" in page
    assert reverse("events:check_in", args=[evening.slug]) in page
    response = client.post(url("plan", evening), {"rounds": 3, "table_size": 2, "round_minutes": 7})
    assert response.status_code == 302
    page = client.get(url("run", evening)).content.decode()
    assert "Round 1 of 3: not started" in page
    assert "Start round 1" in page
    assert "Léa Dubois" in page
    assert client.post(url("next", evening), {"expected": 1}).status_code == 302
    page = client.get(url("run", evening)).content.decode()
    assert "Round 1 of 3" in page
    assert "Start round 2" in page
    assert 'data-countdown data-remaining="4' in page  # 7 minutes: 420 s, counting down
    # The same button pressed twice (two phones, a double tap): a clear 400, no skipped round.
    again = client.post(url("next", evening), {"expected": 1})
    assert again.status_code == 400
    assert "Round 1 has already started" in again.content.decode()
    assert NetworkingSession.objects.get().current_round == 1


def test_more_rounds_than_possible_shows_the_warning(client, evening, organiser):
    attend(evening, 4)
    client.force_login(organiser)
    client.post(url("plan", evening), {"rounds": 6, "table_size": 2, "round_minutes": 6})
    page = client.get(url("run", evening)).content.decode()
    assert "more than this room can play without anyone meeting twice" in page


@pytest.mark.parametrize(
    ("present", "data", "message"),
    [
        (1, {"rounds": 3, "table_size": 2, "round_minutes": 6}, "at least 2 are needed"),
        (0, {"rounds": 3, "table_size": 2, "round_minutes": 6}, "at least 2 are needed"),
        (3, {"rounds": 3, "table_size": 5, "round_minutes": 6}, "larger than the room"),
        (6, {"rounds": 30, "table_size": 2, "round_minutes": 6}, "less than or equal to 12"),
        (6, {"rounds": "many", "table_size": 2, "round_minutes": 6}, "Enter a whole number"),
    ],
)
def test_bad_plans_get_a_400_and_write_nothing(client, evening, organiser, present, data, message):
    attend(evening, present)
    client.force_login(organiser)
    response = client.post(url("plan", evening), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Round.objects.exists()


def test_more_rounds_after_every_round_was_played(client, evening, organiser):
    attend(evening, 4)
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    services.networking_round_start(event=evening, actor=organiser)
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "More rounds (after the ones played)" in page
    assert 'name="rounds" value="2"' in page  # one more is what the form proposes
    data = {"rounds": 1, "table_size": 2, "round_minutes": 6}
    response = client.post(url("plan", evening), data)
    assert response.status_code == 400
    assert "1 round was already played: plan more than 1." in response.content.decode()
    assert Round.objects.count() == 1
    response = client.post(url("plan", evening), {**data, "rounds": 3})
    assert response.status_code == 302
    assert list(Round.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]


def _present(page: str) -> int:
    return int(page.split('data-testid="present">', 1)[1].split("<", 1)[0])


def test_late_arrival_and_departure_from_the_phone(client, planned, evening, organiser):
    client.force_login(organiser)
    client.post(url("next", evening), {"expected": 1})
    late = make_member("Late Lou").user
    RegistrationFactory(event=evening, user=late, checked_in_at=timezone.now())
    page = client.get(url("run", evening)).content.decode()
    assert f'<option value="{late.pk}">Late Lou</option>' in page
    assert client.post(url("arrive", evening), {"user": late.pk}).status_code == 302
    assert late.pk in {u for t in tables(evening, 2) for u in t}
    here = _present(client.get(url("run", evening)).content.decode())
    leaver = planned[0]
    assert client.post(url("leave", evening), {"user": leaver.pk}).status_code == 302
    # The count is who can be seated, as planning counts them: one fewer.
    assert _present(client.get(url("run", evening)).content.decode()) == here - 1
    assert leaver.pk not in {u for t in tables(evening, 2) for u in t}
    assert leaver.pk in {u for t in tables(evening, 1) for u in t}
    refused = client.post(url("leave", evening), {"user": leaver.pk})
    assert refused.status_code == 400
    assert "is not seated in the next rounds" in refused.content.decode()
    assert client.post(url("arrive", evening), {"user": "x"}).status_code == 400


def test_an_organiser_cannot_act_on_a_hidden_profile_by_id(client, planned, evening, organiser):
    hidden = make_member("Hidden Hugo", visibility="hidden").user
    RegistrationFactory(event=evening, user=hidden, checked_in_at=timezone.now())
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "Hidden Hugo" not in page
    response = client.post(url("arrive", evening), {"user": hidden.pk})
    assert response.status_code == 400
    assert "Choose someone from the list" in response.content.decode()
    assert not Seat.objects.filter(user=hidden).exists()


def test_finish_from_the_phone(client, planned, evening, organiser):
    client.force_login(organiser)
    client.post(url("next", evening), {"expected": 1})
    assert client.post(url("finish", evening)).status_code == 302
    assert NetworkingSession.objects.get().finished_at
    assert "The evening is finished" in client.get(url("run", evening)).content.decode()
    assert client.post(url("finish", evening)).status_code == 400


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_run_view_and_participant_json_cost_the_same_for_4_and_30_people(client, organiser):
    counts = []
    for size in (4, 30):
        event = EventFactory(
            kind=kind("speed-networking"),
            chapter=ChapterFactory(),
            start=timezone.now() - timedelta(minutes=5),
            end=timezone.now() + timedelta(hours=2),
        )
        event.chapter.organisers.add(organiser)
        people = attend(event, size, offers=["web-design"], visibility="members")
        services.networking_plan(event=event, actor=None, rounds=3)
        services.networking_round_start(event=event, actor=None)
        client.force_login(organiser)
        run = _queries(client, url("run", event))
        client.force_login(people[0])
        me = _queries(client, url("me_state", event))
        counts.append((run, me))
    assert counts[0] == counts[1]


# --- the room ----------------------------------------------------------------------------------


def test_projector_shows_the_round_to_the_room_without_hidden_names(
    client, planned, evening, staff
):
    hidden = planned[0].profile
    hidden.visibility = "hidden"
    hidden.save()
    services.networking_round_start(event=evening, actor=staff)
    client.force_login(staff)  # staff at the projector laptop: the room still sees no hidden name
    page = client.get(url("projector", evening)).content.decode()
    assert "Round 1 of 3" in page
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in page
    assert "data-poll-url" in page
    assert "speed-networking.js" in page
    assert hidden.display_name not in page
    assert "a member" in page
    state = client.get(url("projector_state", evening)).json()
    assert state["round"] == 1
    assert len(state["tables"]) == 3
    assert state["remaining"] > 0
    names = [n for t in state["tables"] for n in t["names"]]
    assert hidden.display_name not in names
    assert sorted(names) == sorted(["a member"] + [u.profile.display_name for u in planned[1:]])


def test_print_has_rounds_and_per_person_schedule(client, planned, evening, organiser):
    client.force_login(organiser)
    page = client.get(url("print", evening)).content.decode()
    assert "Per round: table → people" in page
    assert "Per person: round → table and partner" in page
    for user in planned:
        assert page.count(user.profile.display_name) >= 3 + 1  # 3 rounds + their own row
    assert "speed-networking.css" in page


def test_csv_has_a_row_per_seat(client, planned, evening, organiser):
    client.force_login(organiser)
    response = client.get(url("csv", evening))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["round", "table", "member", "profile"]
    assert len(rows) == 1 + 3 * 6


def test_rounds_json_has_exactly_the_documented_shape(client, planned, evening, organiser):
    assert url("rounds_json", evening) == f"/events/{evening.slug}/rounds.json"
    client.force_login(organiser)
    data = json.loads(client.get(url("rounds_json", evening)).content)
    assert set(data) == {"event", "rounds"}
    assert data["event"] == evening.slug
    assert [r["number"] for r in data["rounds"]] == [1, 2, 3]
    slugs = {u.profile.slug for u in planned}
    for rnd in data["rounds"]:
        assert set(rnd) == {"number", "tables"}
        assert [t["table"] for t in rnd["tables"]] == [1, 2, 3]
        for table in rnd["tables"]:
            assert set(table) == {"table", "members"}
        assert sorted(s for t in rnd["tables"] for s in t["members"]) == sorted(slugs)


def test_rounds_json_names_a_hidden_profile_to_staff_only(
    client, planned, evening, organiser, staff
):
    hidden = planned[0].profile
    hidden.visibility = "hidden"
    hidden.save()
    client.force_login(organiser)
    members = [
        m
        for t in client.get(url("rounds_json", evening)).json()["rounds"][0]["tables"]
        for m in t["members"]
    ]
    assert None in members
    assert hidden.slug not in members
    client.force_login(staff)
    members = [
        m
        for t in client.get(url("rounds_json", evening)).json()["rounds"][0]["tables"]
        for m in t["members"]
    ]
    assert hidden.slug in members
    assert None not in members


def test_rounds_json_for_an_unplanned_evening(client, evening, staff):
    client.force_login(staff)
    assert client.get(url("rounds_json", evening)).json() == {
        "event": evening.slug,
        "rounds": [],
    }


# --- a participant's phone ---------------------------------------------------------------------


def test_my_round_says_where_and_with_whom(client, evening, organiser):
    lea = make_member("Léa Dubois", headline="web designer", offers=["web-design"])
    me = make_member("Katia X")
    for profile in (lea, me):
        RegistrationFactory(event=evening, user=profile.user, checked_in_at=timezone.now())
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    client.force_login(me.user)
    page = client.get(url("me", evening)).content.decode()
    assert "Round 1 starts soon · table 1 · with Léa Dubois — web designer, offers web design" in (
        page
    )
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in page
    services.networking_round_start(event=evening, actor=organiser)
    state = client.get(url("me_state", evening)).json()
    assert state["text"] == "Round 1 · table 1 · with Léa Dubois — web designer, offers web design"
    assert state["companions"][0]["url"] == lea.get_absolute_url()
    assert 0 < state["remaining"] <= 6 * 60


def test_a_hidden_partner_is_a_member_without_name_or_link(client, evening, organiser):
    hidden = make_member("Hidden Hugo", visibility="hidden", headline="secret job")
    me = make_member("Katia X")
    for profile in (hidden, me):
        RegistrationFactory(event=evening, user=profile.user, checked_in_at=timezone.now())
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    services.networking_round_start(event=evening, actor=organiser)
    client.force_login(me.user)
    state = client.get(url("me_state", evening)).json()
    assert state["text"] == "Round 1 · table 1 · with a member"
    assert state["companions"] == [{"name": "a member", "summary": "a member", "url": ""}]
    assert "Hidden Hugo" not in client.get(url("me", evening)).content.decode()


def test_my_round_is_for_registrants(client, planned, evening, member):
    assert client.get(url("me", evening)).status_code == 302
    client.force_login(member)
    assert client.get(url("me", evening)).status_code == 403
    assert client.get(url("me_state", evening)).status_code == 403


def test_my_round_before_planning_and_after_the_end(client, evening, organiser):
    people = attend(evening, 4)
    client.force_login(people[0])
    assert client.get(url("me_state", evening)).json()["status"] == "unplanned"
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_finish(event=evening, actor=organiser)
    assert client.get(url("me_state", evening)).json()["status"] == "finished"


# --- requests -------------------------------------------------------------------------------


@pytest.fixture
def upcoming(evening):
    evening.start = timezone.now() + timedelta(days=5)
    evening.end = evening.start + timedelta(hours=2)
    evening.save()
    return evening


def test_requests_page_lists_who_is_coming_and_saves_up_to_five(client, upcoming):
    me = make_member("Katia X")
    RegistrationFactory(event=upcoming, user=me.user)
    others = [
        make_member(f"Coming {n}", offers=["translation"], seeks=["crowdfunding"]) for n in range(6)
    ]
    hidden = make_member("Hidden Hugo", visibility="hidden")
    for profile in [*others, hidden]:
        RegistrationFactory(event=upcoming, user=profile.user)
    client.force_login(me.user)
    page = client.get(url("requests", upcoming)).content.decode()
    assert "Coming 0" in page
    assert "translation" in page
    assert "crowdfunding" in page
    assert "Hidden Hugo" not in page
    chosen = [p.user_id for p in others[:5]]
    response = client.post(url("requests", upcoming), {"targets": chosen})
    assert response.status_code == 302
    assert sorted(MeetingRequest.objects.values_list("target_id", flat=True)) == sorted(chosen)
    too_many = client.post(url("requests", upcoming), {"targets": [p.user_id for p in others]})
    assert too_many.status_code == 400
    assert "Choose at most 5 people" in too_many.content.decode()
    sneaky = client.post(url("requests", upcoming), {"targets": [hidden.user_id]})
    assert sneaky.status_code == 400
    assert MeetingRequest.objects.count() == 5


def test_requests_need_a_registration(client, upcoming, member):
    assert client.get(url("requests", upcoming)).status_code == 302
    client.force_login(member)
    assert client.get(url("requests", upcoming)).status_code == 403
    assert client.post(url("requests", upcoming), {"targets": []}).status_code == 403


# --- remembering -----------------------------------------------------------------------------


def _meet(event, a, b, number=1):
    a, b = sorted((a, b), key=lambda u: u.pk)
    Meeting.objects.create(
        event=event, person_a=a, person_b=b, round_number=number, met_on=timezone.localdate()
    )


def test_who_i_met_is_private_and_hides_hidden_profiles(client, evening):
    me = make_member("Katia X").user
    lea = make_member("Léa Dubois", headline="web designer")
    hugo = make_member("Hidden Hugo", visibility="hidden")
    other = make_member("Other Person").user
    _meet(evening, me, lea.user)
    _meet(evening, me, hugo.user, 2)
    _meet(evening, other, lea.user, 3)
    met_url = reverse("events:networking:met")
    assert client.get(met_url).status_code == 302
    client.force_login(me)
    page = client.get(met_url).content.decode()
    assert f'href="{lea.get_absolute_url()}"' in page
    assert "Léa Dubois — web designer" in page
    assert "Hidden Hugo" not in page
    assert "a member" in page
    assert "Other Person" not in page
    client.force_login(other)
    page = client.get(met_url).content.decode()
    assert "Katia X" not in page
    assert "Léa Dubois" in page


def test_event_page_links_to_the_evening(client, planned, evening, organiser):
    run = f'href="{url("run", evening)}"'
    client.force_login(organiser)
    page = client.get(evening.get_absolute_url()).content.decode()
    assert run in page
    client.force_login(planned[0])
    page = client.get(evening.get_absolute_url()).content.decode()
    assert f'href="{url("me", evening)}"' in page
    assert run not in page


def test_follow_up_names_the_people_met_and_prefills_the_collaboration(client, evening):
    me = make_member("Katia X").user
    lea = make_member("Léa Dubois")
    RegistrationFactory(event=evening, user=me, checked_in_at=timezone.now())
    _meet(evening, me, lea.user)
    Event.objects.filter(pk=evening.pk).update(
        start=timezone.now() - timedelta(days=1), end=timezone.now() - timedelta(hours=20)
    )
    client.force_login(me)
    home = client.get("/").content.decode()
    prefill = f"?event={evening.pk}&amp;with={lea.slug}"
    assert "You met:" in home
    assert prefill in home
    form = client.get(reverse("collaborations:create") + prefill.replace("&amp;", "&"))
    formset = form.context["formset"]
    # The field shows her name; her slug is what is submitted.
    assert formset.forms[0].initial == {"member": ("Léa Dubois", lea.slug)}
    assert form.context["form"].initial["origin_event"] == evening.pk


def test_dashboard_shows_meetings_held_beside_collaborations_born(client, evening):
    from collaborations.models import Collaboration, Participant

    a, b = make_member("Ann A").user, make_member("Bob B").user
    _meet(evening, a, b)
    collab = Collaboration.objects.create(
        title="Born at speed networking",
        kind="service",
        start_date=timezone.localdate(),
        origin_type="event",
        origin_event=evening,
        status="confirmed",
        confirmed_at=timezone.now(),
        visibility="public",
        author=a,
        author_name=a.name,
    )
    for user in (a, b):
        Participant.objects.create(collaboration=collab, user=user, name=user.name, role="partner")
    page = client.get(reverse("collaborations:dashboard")).content.decode()
    assert "Meetings held → collaborations" in page
    assert "<td>1 → 1</td>" in page


def test_garbage_in_the_next_round_form_starts_nothing(client, planned, evening, organiser):
    client.force_login(organiser)
    response = client.post(url("next", evening), {"expected": "abc"})
    assert response.status_code == 400
    assert "Reload the page" in response.content.decode()
    assert NetworkingSession.objects.get().current_round == 0


def test_the_projector_names_a_table_whole_in_the_rooms_language(client, planned, evening, staff):
    """The table's label comes from the catalogue whole ("Tafel 2"), not "Table" and a number
    joined by the page or its script (a language may order them otherwise)."""
    services.networking_round_start(event=evening, actor=staff)
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(url("projector", evening)).content.decode()
    assert ">Tafel 1</span>" in page
    state = client.get(url("projector_state", evening)).json()
    assert [t["label"] for t in state["tables"]] == ["Tafel 1", "Tafel 2", "Tafel 3"]
