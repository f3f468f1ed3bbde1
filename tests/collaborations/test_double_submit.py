"""The "Log a collaboration" form sent twice — a double click, a replayed or retried request —
logs one collaboration, asks the others once and counts once."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration
from tests.factories import UserFactory

from .conftest import form_as_sent

REQUEST_KIND = "collaborations.collaboration_request"


def the_form_filled_in(client, other) -> dict[str, str]:
    """The form as the page gives it, with a title and one other participant typed in."""
    page = client.get(reverse("collaborations:create"))
    assert page.status_code == 200
    return form_as_sent(
        page.content.decode(),
        title="Double submit test",
        kind="service",
        my_role="supplier",
        value_eur="100",
        **{"participants-0-member": other.profile.slug, "participants-0-role": "client"},
    )


@pytest.mark.django_db
def test_the_same_form_sent_twice_logs_one_collaboration(client, member, other_member):
    client.force_login(member)
    data = the_form_filled_in(client, other_member)
    first = client.post(reverse("collaborations:create"), data)
    assert first.status_code == 302
    collab = Collaboration.objects.get()
    assert first["Location"] == collab.get_absolute_url()

    again = client.post(reverse("collaborations:create"), data, follow=True)
    assert again.redirect_chain == [(collab.get_absolute_url(), 302)]
    assert "This form was already sent: the collaboration is logged once." in (
        again.content.decode()
    )
    assert Collaboration.objects.count() == 1
    assert Outbox.objects.filter(kind=REQUEST_KIND, recipient=other_member).count() == 1


@pytest.mark.django_db
def test_a_new_form_logs_a_new_collaboration(client, member, other_member):
    client.force_login(member)
    for _ in range(2):
        data = the_form_filled_in(client, other_member)
        assert client.post(reverse("collaborations:create"), data).status_code == 302
    assert Collaboration.objects.count() == 2


@pytest.mark.django_db
def test_another_members_form_token_does_not_stop_mine(client, member, other_member):
    """The token is the form's, not the page's secret: someone else's same token logs theirs."""
    third = UserFactory()
    client.force_login(member)
    data = the_form_filled_in(client, other_member)
    assert client.post(reverse("collaborations:create"), data).status_code == 302
    client.force_login(third)
    response = client.post(reverse("collaborations:create"), data)
    assert response.status_code == 302
    assert Collaboration.objects.filter(author=third).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("nonce", [None, "", "not-a-token", "A" * 32, "a" * 33])
def test_a_form_without_a_valid_token_logs_nothing_then_works_when_sent_again(
    client, member, other_member, nonce
):
    """A page opened before the token existed, or a request made by hand: nothing is logged,
    the form comes back as it was filled in, and sending it again logs it once."""
    client.force_login(member)
    data = the_form_filled_in(client, other_member)
    if nonce is None:
        del data["nonce"]
    else:
        data["nonce"] = nonce
    response = client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form was out of date: nothing was done. Check it and send it again." in page
    assert not Collaboration.objects.exists()

    again = form_as_sent(page)
    assert again["title"] == "Double submit test"
    assert client.post(reverse("collaborations:create"), again).status_code == 302
    assert client.post(reverse("collaborations:create"), again).status_code == 302
    assert Collaboration.objects.count() == 1


@pytest.mark.django_db
def test_editing_needs_no_token_and_may_be_saved_twice(client, member, other_member):
    client.force_login(member)
    data = the_form_filled_in(client, other_member)
    client.post(reverse("collaborations:create"), data)
    collab = Collaboration.objects.get()
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    assert 'name="nonce"' not in page
    edit = form_as_sent(page, title="Double submit test, renamed")
    assert client.post(url, edit).status_code == 302
    assert client.post(url, edit).status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Double submit test, renamed"
    assert Collaboration.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_the_same_moment_log_one_collaboration():
    """Two requests with the same form, released together (a double click the browser let
    through): each in its own connection and transaction, as two web requests."""
    author, other = UserFactory.create_batch(2)
    for attempt in range(3):  # a race shows up only sometimes: try a few times
        browser = Client()
        browser.force_login(author)
        data = the_form_filled_in(browser, other)
        barrier = threading.Barrier(2)
        responses, errors = [], []

        def send(data=data, barrier=barrier, responses=responses, errors=errors):
            request = Client()
            request.force_login(author)
            try:
                barrier.wait(timeout=10)
                responses.append(request.post(reverse("collaborations:create"), data))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        logged = list(Collaboration.objects.filter(author=author))
        assert len(logged) == attempt + 1
        # Both answered with the page of the one collaboration logged.
        assert [r.status_code for r in responses] == [302, 302]
        assert {r["Location"] for r in responses} == {logged[0].get_absolute_url()}
        assert Outbox.objects.filter(kind=REQUEST_KIND, recipient=other).count() == attempt + 1
