"""Parties a collaboration cannot have: a deactivated account (it could never answer), the
company the author takes part for (a collaboration with oneself)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborations.models import Collaboration
from collaborations.services import ParticipantSpec
from tests.factories import CompanyFactory, UserFactory

from .conftest import form_as_sent, log
from .test_views import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def lina(db):
    user = UserFactory(name="Lina Hendrickx")
    user.is_active = False
    user.save()  # her profile is hidden while the account is closed (members.signals)
    return user


def test_staff_is_not_offered_a_deactivated_member(client, staff, lina):
    client.force_login(staff)
    found = client.get(reverse("collaborations:member_autocomplete"), {"q": "Lina"}).json()
    assert found["results"] == []


def test_staff_cannot_name_a_deactivated_member(client, staff, lina):
    """As a member is refused: she could never answer, the collaboration would wait."""
    client.force_login(staff)
    data = form_data(
        **{
            "participants-0-member": "Lina Hendrickx",
            "participants-0-member_slug": lina.profile.slug,
            "participants-0-role": "client",
        }
    )
    response = client.post(reverse("collaborations:create"), data)
    assert response.status_code == 400
    assert (
        "No member “Lina Hendrickx” in the directory: pick one from the suggestions."
        in html.unescape(response.content.decode())
    )
    assert not Collaboration.objects.exists()


def test_staff_party_can_still_edit_a_collaboration_with_a_deactivated_member(
    client, staff, member
):
    """The field finds a deactivated account no more: the edit form keeps it as it is."""
    collab = log(staff, member)
    member.is_active = False
    member.save()
    client.force_login(staff)
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    response = client.post(url, form_as_sent(page, title="Website redesign, phase 2"))
    assert response.status_code == 302, response.content.decode()[:3000]
    collab.refresh_from_db()
    assert collab.title == "Website redesign, phase 2"
    assert collab.participants.filter(user=member).exists()


@pytest.fixture
def katia(member):
    """Katia takes part for her company, Xenophontos Translations."""
    member.profile.company = CompanyFactory(name="Xenophontos Translations")
    member.profile.save()
    return member


def _refused_on(response, field: str) -> str:
    """The error shown on the first participant row's `field`."""
    assert response.status_code == 400
    errors = response.context["formset"].forms[0].errors
    return " ".join(errors.get(field, []))


def test_a_member_cannot_pick_their_own_company_as_a_party(client, katia):
    client.force_login(katia)
    data = form_data(
        **{
            "participants-0-company": str(katia.profile.company_id),
            "participants-0-role": "client",
        }
    )
    response = client.post(reverse("collaborations:create"), data)
    assert _refused_on(response, "company") == (
        "Xenophontos Translations is your own company: add the other parties only."
    )
    assert not Collaboration.objects.exists()


def test_a_member_cannot_type_their_own_company_as_an_organisation(client, katia):
    client.force_login(katia)
    data = form_data(
        **{
            "participants-0-organisation": "xenophontos translations",
            "participants-0-role": "client",
        }
    )
    response = client.post(reverse("collaborations:create"), data)
    assert _refused_on(response, "organisation") == (
        "Xenophontos Translations is your own company: add the other parties only."
    )
    assert not Collaboration.objects.exists()


def test_the_service_refuses_the_authors_own_company_too(katia):
    with pytest.raises(ValidationError, match="your own company"):
        log(katia, ParticipantSpec(role="client", company=katia.profile.company))


def test_a_company_already_in_it_stays_when_the_member_joins_it_since(client):
    """Review: Fred logged a collaboration with Acme, then was hired by Acme; fixing its
    title was refused with "Acme is your own company" on the row he did not touch."""
    from django.urls import reverse

    from collaborations.models import Participant
    from collaborations.services import ParticipantSpec
    from tests.factories import CompanyFactory, UserFactory

    from .conftest import form_as_sent, log

    author = UserFactory(name="Fred Lance")
    acme = CompanyFactory(name="Acme")
    collab = log(author, ParticipantSpec(role=Participant.Role.CLIENT, company=acme))
    author.profile.company = acme
    author.profile.save()
    client.force_login(author)
    url = reverse("collaborations:update", args=[collab.pk])
    data = form_as_sent(client.get(url).content.decode(), title="Website redesign (phase 1)")

    response = client.post(url, data)

    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Website redesign (phase 1)"


def test_an_organisation_typed_before_its_company_joined_the_directory_stays(client):
    """Review: Fred logged a collaboration with the outside organisation "Acme"; Acme then
    joined the directory and hired Fred. The form reads the kept row as the company: an
    edit of the title was refused with "Acme is your own company"."""
    from django.urls import reverse

    from collaborations.models import Participant
    from collaborations.services import ParticipantSpec
    from tests.factories import CompanyFactory, UserFactory

    from .conftest import form_as_sent, log

    author = UserFactory(name="Fred Lance")
    collab = log(author, ParticipantSpec(role=Participant.Role.CLIENT, organisation="Acme"))
    author.profile.company = CompanyFactory(name="Acme")
    author.profile.save()
    client.force_login(author)
    url = reverse("collaborations:update", args=[collab.pk])
    data = form_as_sent(client.get(url).content.decode(), title="Website redesign (phase 2)")

    response = client.post(url, data)

    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Website redesign (phase 2)"
