"""Audit, round 4: defects a member, an organiser or staff would notice in the ledger."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from collaborations.models import Collaboration, Participant
from collaborations.services import collaboration_update
from tests.html_forms import form_values

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


# --- A confirmation sent from a page opened before the collaboration changed -------------------


@pytest.mark.parametrize("page", ["detail", "mine", "home"])
def test_a_stale_confirm_button_does_not_confirm_a_changed_value(
    client, member, other_member, page
):
    """Léa opens the page while the deal is worth €1,000; Katia changes it to €1,000,000; Léa
    clicks "Confirm" on the page she has open: she never saw that value, so nothing is
    confirmed and she is asked to look again."""
    collab = log(member, other_member, value_eur=Decimal("1000"))
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    url = {"detail": collab.get_absolute_url(), "mine": reverse("collaborations:mine")}.get(
        page, "/"
    )
    action = reverse("collaborations:confirm", args=[row.pk])
    sent = form_values(client.get(url).content.decode(), action=action)

    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("1000000"))
    response = client.post(action, sent, follow=True)

    row.refresh_from_db()
    collab.refresh_from_db()
    assert row.state == Participant.State.PENDING
    assert collab.status == Collaboration.Status.PROPOSED
    assert "changed since you opened" in response.content.decode()
    # The page as it is now confirms.
    sent = form_values(client.get(url).content.decode(), action=action)
    client.post(action, sent)
    collab.refresh_from_db()
    assert collab.is_confirmed


def test_a_confirm_button_of_the_current_version_confirms(client, member, other_member):
    collab = log(member, other_member, value_eur=Decimal("1000"))
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    action = reverse("collaborations:confirm", args=[row.pk])
    sent = form_values(client.get(collab.get_absolute_url()).content.decode(), action=action)
    assert client.post(action, sent).status_code == 302
    collab.refresh_from_db()
    assert collab.is_confirmed


# --- Cents in the form --------------------------------------------------------------------------


class _Input(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.attrs = name, None

    def handle_starttag(self, tag, attrs):
        if tag == "input" and dict(attrs).get("name") == self.name:
            self.attrs = dict(attrs)


def _value_input(response) -> dict:
    parser = _Input("value_eur")
    parser.feed(response.content.decode())
    return parser.attrs


def test_a_value_with_cents_can_be_typed_and_edited_in_a_browser(client, member, other_member):
    """The value is stored with cents and shown with them; the browser's number input must
    accept them too: with step="1" it refused €1,500.50, and an edit form holding such a
    value could not be sent at all, whatever was changed."""
    collab = log(member, other_member, value_eur=Decimal("1500.50"))
    client.force_login(member)
    for url in (
        reverse("collaborations:create"),
        reverse("collaborations:update", args=[collab.pk]),
    ):
        attrs = _value_input(client.get(url))
        step = attrs.get("step", "any")
        assert step == "any" or Decimal("1500.50") % Decimal(step) == 0, url
    assert (
        _value_input(client.get(reverse("collaborations:update", args=[collab.pk])))["value"]
        == "1500.50"
    )


# --- The staff export ----------------------------------------------------------------------------


def test_the_export_dates_an_event_as_brussels_does(client, member, other_member, staff):
    """An event at 00:30 in Brussels on 1 June is on 1 June in the export (it read 31 May,
    the UTC date)."""
    event = make_past_event(title="Late Betacooks")
    event.start = datetime(2025, 6, 1, 0, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    event.end = datetime(2025, 6, 1, 2, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    event.save()
    attend(event, member)
    log(member, other_member, origin_type="event", origin_event=event)
    client.force_login(staff)
    response = client.get(reverse("collaborations:export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["origin_event_date"] == "2025-06-01"


# --- The dashboard and the collaboration page agree on a value --------------------------------


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "€1,500.50"), ("fr", "1\u00a0500,50\u00a0€"), ("nl", "€\u00a01.500,50")],
)
def test_the_dashboard_shows_the_value_the_collaboration_page_shows(
    client, member, other_member, settings, language, shown
):
    """One confirmed collaboration worth €1,500.50: the page says €1,500.50, the dashboard's
    total and its "events that created the most business" said €1,501."""
    settings.COLLABORATIONS_DASHBOARD_CACHE = 0
    event = make_past_event(title="Betacooks")
    attend(event, member)
    collab = log(
        member,
        other_member,
        confirm=True,
        value_eur=Decimal("1500.50"),
        origin_type="event",
        origin_event=event,
    )
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    assert shown in client.get(collab.get_absolute_url()).content.decode()
    page = client.get(reverse("collaborations:dashboard")).content.decode()
    assert page.count(shown) >= 2  # the total, the event's line


# --- Chart labels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(999_499, "€999k"), (999_500, "€1M"), (999_999, "€1M"), (1_000_000, "€1M")],
)
def test_a_chart_label_just_under_a_million_reads_one_million(value, shown):
    """€999,999 was labelled "€1,000k" on the dashboard's value charts."""
    from collaborations.charts import euros

    assert euros(value) == shown


def test_a_verification_with_an_unknown_decision_is_refused_and_changes_nothing(
    client, member, company, staff
):
    """Only "approve" and "reject" are decisions: anything else (a hand-made request) was
    taken as an approval."""
    from collaborations.services import ParticipantSpec

    collab = log(member, ParticipantSpec(role="investor", company=company))
    party = collab.participants.get(user__isnull=True)
    url = reverse("collaborations:verify", args=[collab.pk])
    client.force_login(staff)
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    party.refresh_from_db()
    assert party.state == Participant.State.PENDING
    assert client.post(url, {"decision": "reject"}).status_code == 302
    party.refresh_from_db()
    assert party.state == Participant.State.DECLINED


# --- An edit form opened before someone else's edit ----------------------------------------


def _edited_shown(page) -> str:
    return form_values(page.content.decode(), css_class="collab-form")["edited"]


def test_an_edit_form_opened_before_another_edit_does_not_undo_it(client, member, other_member):
    """Katia opens the edit form; Léa renames the collaboration; Katia, on the page she has
    open, fixes the description and saves: Léa's title came back silently. Now she is told,
    her text comes back, and saving again (knowingly) keeps her version."""
    from .test_views import form_data

    collab = log(member, other_member, confirm=True)  # both parties may edit it
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(member)
    katia_seen = _edited_shown(client.get(url))
    both = {"participants-0-member": other_member.profile.slug, "participants-0-role": "client"}

    client.force_login(other_member)
    lea = form_data(
        title="Website redesign, by Léa",
        my_role="client",
        edited=_edited_shown(client.get(url)),
        **{"participants-0-member": member.profile.slug, "participants-0-role": "supplier"},
    )
    assert client.post(url, lea).status_code == 302

    client.force_login(member)
    katia = form_data(title="Website redesign", description="Two pages.", edited=katia_seen, **both)
    response = client.post(url, katia)
    assert response.status_code == 400
    assert "was changed since this form was opened" in response.content.decode()
    collab.refresh_from_db()
    assert (collab.title, collab.description) == ("Website redesign, by Léa", "")
    # The page she gets back holds her text and the current version: saving it is a choice.
    assert "Two pages." in response.content.decode()
    katia["edited"] = _edited_shown(response)
    assert katia["edited"] != katia_seen
    assert client.post(url, katia).status_code == 302
    collab.refresh_from_db()
    assert (collab.title, collab.description) == ("Website redesign", "Two pages.")


def test_an_edit_without_the_version_it_showed_saves_as_before(client, member, other_member):
    from .test_views import form_data

    collab = log(member, other_member)
    client.force_login(member)
    post = form_data(
        title="Renamed",
        **{"participants-0-member": other_member.profile.slug, "participants-0-role": "client"},
    )
    assert client.post(reverse("collaborations:update", args=[collab.pk]), post).status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Renamed"


def test_the_same_edit_form_sent_twice_is_no_conflict(client, member, other_member):
    """A double click on Save (or the browser sending it again): the second save finds the
    version the first one wrote, but changes nothing, so it is no conflict."""
    collab = log(member, other_member, confirm=True)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(member)
    sent = form_values(
        client.get(url).content.decode(), css_class="collab-form", title="Website, phase 2"
    )
    assert sent["edited"]
    assert client.post(url, sent).status_code == 302
    assert client.post(url, sent).status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Website, phase 2"
