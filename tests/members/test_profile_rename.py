"""A member who renames themselves gets the address of their new name; the old address
answers with a redirect, so links to it keep working."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Profile, ProfileSlug
from tests.factories import UserFactory, make_member
from tests.members.test_tags import profile_form_data


def _rename(profile: Profile, name: str) -> Profile:
    client = Client()
    client.force_login(profile.user)
    url = reverse("members:profile_edit", args=[profile.slug])
    response = client.post(url, profile_form_data(profile, display_name=name))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Profile.objects.get(pk=profile.pk)


@pytest.fixture
def jane(db):
    return make_member("Jane Doe", visibility="members")


def test_a_renamed_member_gets_a_new_address_and_the_old_one_redirects(jane):
    old_url = jane.get_absolute_url()
    renamed = _rename(jane, "Jane Martin")
    assert renamed.slug == "jane-martin"
    member = Client()
    member.force_login(UserFactory())
    response = member.get(old_url)
    assert response.status_code == 302  # not 301: a browser would keep it (a rename back)
    assert response["Location"] == renamed.get_absolute_url()
    assert member.get(renamed.get_absolute_url()).status_code == 200


def test_the_old_address_tells_nothing_to_who_may_not_see_the_profile(jane):
    old_url = jane.get_absolute_url()
    _rename(jane, "Jane Martin")
    assert Client().get(old_url).status_code == 404  # members only: anonymous get a 404


def test_nobody_else_takes_a_former_address(jane):
    old_url = jane.get_absolute_url()
    renamed = _rename(jane, "Jane Martin")
    other = make_member("Jane Doe")
    assert other.slug != "jane-doe"
    member = Client()
    member.force_login(UserFactory())
    assert member.get(old_url)["Location"] == renamed.get_absolute_url()


def test_back_to_a_former_name_takes_its_address_again(jane):
    _rename(jane, "Jane Martin")
    back = _rename(Profile.objects.get(pk=jane.pk), "Jane Doe")
    assert back.slug == "jane-doe"
    assert list(ProfileSlug.objects.values_list("slug", flat=True)) == ["jane-martin"]
    member = Client()
    member.force_login(UserFactory())
    assert member.get("/members/jane-martin/")["Location"] == back.get_absolute_url()


def test_an_edit_that_keeps_the_name_keeps_the_address(jane):
    client = Client()
    client.force_login(jane.user)
    data = profile_form_data(jane, headline="Translator")
    client.post(reverse("members:profile_edit", args=[jane.slug]), data)
    assert Profile.objects.get(pk=jane.pk).slug == jane.slug
    assert not ProfileSlug.objects.exists()
