"""Fixtures for the collaboration ledger: people, a past event they attended, a helper that
logs a collaboration through the service."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from collaborations.models import Collaboration, Participant
from collaborations.services import ParticipantSpec, collaboration_create, participant_confirm
from events.models import Registration
from members.models import Visibility
from tests.events.factories import EventFactory, RegistrationFactory, kind
from tests.factories import CompanyFactory, UserFactory
from tests.html_forms import form_values


@pytest.fixture
def third_member(db):
    return UserFactory(name="Jérémie Marti")


@pytest.fixture
def company(db):
    return CompanyFactory(name="Ayomi")


def make_past_event(*, kind_slug: str = "betacooks", days_ago: int = 3, **fields):
    start = timezone.now() - timedelta(days=days_ago)
    return EventFactory(
        kind=kind(kind_slug), start=start, end=start + timedelta(minutes=90), **fields
    )


def attend(event, user, *, status=Registration.Status.CONFIRMED, checked_in=False):
    return RegistrationFactory(
        event=event,
        user=user,
        status=status,
        checked_in_at=event.start if checked_in else None,
    )


@pytest.fixture
def past_event(db):
    return make_past_event(title="Betacooks")


def log(author, *others, confirm=False, **fields) -> Collaboration:
    """Log a collaboration `author` takes part in with member `others` (clients of author)."""
    specs = []
    for other in others:
        if isinstance(other, ParticipantSpec):
            specs.append(other)
        else:
            specs.append(ParticipantSpec(role=Participant.Role.CLIENT, user=other))
    data = {
        "title": "Website redesign",
        "kind": Collaboration.Kind.SERVICE,
        "start_date": date(2025, 3, 1),
        "author_role": Participant.Role.SUPPLIER,
        "visibility": Collaboration.Visibility.PUBLIC,
    }
    data.update(fields)
    collab = collaboration_create(author=author, participants=specs, **data)
    if confirm:
        for p in collab.participants.filter(state=Participant.State.PENDING, user__isnull=False):
            participant_confirm(participant=p, user=p.user)
        collab.refresh_from_db()
    return collab


def set_visibility(user, visibility: str) -> None:
    user.profile.visibility = visibility
    user.profile.save(update_fields=["visibility"])


@pytest.fixture
def hidden(db):
    return Visibility.HIDDEN


def form_as_sent(html: str, **changes) -> dict[str, str]:
    """The collaboration form of `html` as a browser would send it, with `changes` typed in."""
    return form_values(html, css_class="collab-form", **changes)
