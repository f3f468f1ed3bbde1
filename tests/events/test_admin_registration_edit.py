"""Editing a seat in the admin: what staff may change (name, address, language, note) is
checked against the event's other seats, as the registration service checks it."""

import pytest
from django.urls import reverse

from events.models import Registration

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _edit(admin_client, registration, **changes):
    data = {
        "name": registration.name,
        "email": registration.email,
        "language": registration.language,
        "note": registration.note,
        **changes,
    }
    url = reverse("admin:events_registration_change", args=[registration.pk])
    return admin_client.post(url, data)


def test_an_address_already_registered_for_the_event_is_an_error_on_the_email_field(
    admin_client,
):
    event = EventFactory()
    RegistrationFactory(event=event, user=None, name="Ann Right", email="ann@example.test")
    typo = RegistrationFactory(event=event, user=None, name="Ann Typo", email="anm@example.test")

    response = _edit(admin_client, typo, email="ANN@example.test")

    assert response.status_code == 200  # the form again, not a 500
    errors = response.context["adminform"].form.errors
    assert errors["email"] == ["This email address is already registered."]
    typo.refresh_from_db()
    assert typo.email == "anm@example.test"


def test_the_address_of_a_cancelled_seat_or_of_another_event_may_be_given(admin_client):
    event = EventFactory()
    RegistrationFactory(
        event=event, user=None, email="gone@example.test", status=Registration.Status.CANCELLED
    )
    RegistrationFactory(event=EventFactory(), user=None, email="elsewhere@example.test")
    guest = RegistrationFactory(event=event, user=None, email="typo@example.test")

    for address in ("gone@example.test", "Elsewhere@example.test", "TYPO@example.test"):
        response = _edit(admin_client, guest, email=address)
        assert response.status_code == 302, address
        guest.refresh_from_db()
        assert guest.email == address


def test_a_name_is_cleaned_as_the_guest_form_cleans_it(admin_client):
    guest = RegistrationFactory(user=None, name="Gus Guest", email="gus@example.test")

    refused = _edit(admin_client, guest, name="Gus \u202etseuG")
    assert refused.status_code == 200
    assert "without line breaks, control characters" in str(
        refused.context["adminform"].form.errors["name"]
    )
    assert _edit(admin_client, guest, name="  Gus\u200b  Guest ").status_code == 302
    guest.refresh_from_db()
    assert guest.name == "Gus Guest"
