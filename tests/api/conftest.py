"""Fixtures for the API: callers (anonymous, with a token, with a revoked token) and a small
world with every kind of profile, events and a participants-only collaboration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.services import token_create, token_revoke
from collaborations.models import Collaboration
from members.models import Visibility
from tests.collaborations.conftest import attend, log, make_past_event
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, CompanyFactory, make_member


class ApiClient(Client):
    """A test client that sends `Authorization: Bearer <token>` when given one."""

    def __init__(self, token: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.token = token

    def request(self, **request):
        if self.token:
            request.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return super().request(**request)


def token_for(user, name: str = "script") -> str:
    return token_create(user=user, name=name)[1]


@pytest.fixture
def anon():
    return ApiClient()


@pytest.fixture
def member_token(member) -> str:
    return token_for(member)


@pytest.fixture
def member_api(member_token):
    return ApiClient(member_token)


@pytest.fixture
def revoked_api(member):
    token, secret = token_create(user=member, name="old laptop")
    token_revoke(user=member, token_id=token.pk)
    return ApiClient(secret)


@pytest.fixture
def world(db, member, other_member):
    """Profiles of each visibility, events public and members-only, a chapter, and
    collaborations: one public, one participants-only."""
    company = CompanyFactory(name="Ayomi")
    people = {
        "public": make_member(
            "Pauline Public", visibility=Visibility.PUBLIC, skills=["translation"], company=company
        ),
        "members": make_member(
            "Manon Members", visibility=Visibility.MEMBERS, skills=["translation"], company=company
        ),
        "hidden": make_member(
            "Hector Hidden", visibility=Visibility.HIDDEN, skills=["translation"], company=company
        ),
        "partner": make_member("Paul Partner", visibility=Visibility.PUBLIC),
    }
    chapter = ChapterFactory(name="BetaGroup Charleroi", slug="charleroi")
    soon = timezone.now() + timedelta(days=3)
    public_event = EventFactory(title="Open lunch", slug="open-lunch", start=soon, capacity=2)
    members_event = EventFactory(
        title="Members breakfast",
        slug="members-breakfast",
        start=soon + timedelta(days=1),
        visibility="members",
        chapter=chapter,
    )
    draft = EventFactory(title="Secret draft", slug="secret-draft", status="draft")
    RegistrationFactory(event=public_event)
    RegistrationFactory(event=public_event)
    past = make_past_event(title="Past Betacooks")
    attend(past, people["public"].user)
    shown = log(
        people["public"].user,
        people["partner"].user,
        confirm=True,
        title="Public website",
        origin_type=Collaboration.Origin.EVENT,
        origin_event=past,
    )
    among_members = log(
        people["public"].user,
        people["members"].user,
        confirm=True,
        title="Members-only translation",
        visibility=Collaboration.Visibility.MEMBERS,
    )
    secret = log(
        member,
        other_member,
        confirm=True,
        title="Confidential deal",
        visibility=Collaboration.Visibility.PARTICIPANTS,
    )
    return {
        "people": people,
        "company": company,
        "chapter": chapter,
        "public_event": public_event,
        "members_event": members_event,
        "draft": draft,
        "collaborations": {"shown": shown, "members": among_members, "secret": secret},
    }
