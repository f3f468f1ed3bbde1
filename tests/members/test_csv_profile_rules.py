"""The members import refuses what the profile form refuses, with the same reasons, each on
its row: a file cannot store a profile its member could not save again."""

import pytest

from members.csv_io import members_import_apply, members_import_check
from members.models import User
from tests.factories import SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, vocab):
    SpaceFactory(name="Betacowork", slug="betacowork")


def _errors(report) -> str:
    return " ".join(" ".join(r.errors) for r in report.bad_rows)


def test_a_linkedin_address_on_another_site_is_refused(world):
    content = b"email,name,linkedin\nimp1@example.com,Imp One,https://evil.example.com/login\n"

    report = members_import_apply(content)

    assert not report.written
    assert "linkedin: Enter a LinkedIn address (https://www.linkedin.com/in/…)." in _errors(report)
    assert not User.objects.filter(email="imp1@example.com").exists()


def test_a_linkedin_address_the_profile_form_takes_is_imported(world):
    content = b"email,name,linkedin\nimp2@example.com,Imp Two,linkedin.com/in/imp-two\n"

    report = members_import_apply(content)

    assert report.written, _errors(report)
    profile = User.objects.get(email="imp2@example.com").profile
    assert profile.linkedin == "https://linkedin.com/in/imp-two"


def test_a_company_name_with_a_direction_override_is_refused(world):
    content = "email,name,company\nimp3@example.com,Imp Three,Acme\u202eLtd\n".encode()

    report = members_import_check(content)

    assert "company: Enter a name without line breaks" in _errors(report)


def test_a_phone_number_is_stored_with_single_spaces_as_the_profile_form_stores_it(world):
    content = b"email,name,phone\nimp4@example.com,Imp Four,+32  2\t123 45 67\n"

    report = members_import_apply(content)

    assert report.written, _errors(report)
    assert User.objects.get(email="imp4@example.com").profile.phone == "+32 2 123 45 67"


def test_more_tags_than_the_profile_form_takes_are_refused(world):
    labels = ";".join(["translation", "web design", "coaching", "SEO", "crowdfunding"] * 3)
    content = f"email,name,skills\nimp5@example.com,Imp Five,{labels}\n".encode()
    labels = ";".join(f"tag{n}" for n in range(13))
    content += f"imp6@example.com,Imp Six,{labels}\n".encode()

    report = members_import_check(content)

    assert not report.rows[0].errors  # the same five, given three times: five tags
    assert report.rows[1].errors == ["skills: At most 12 tags here; you gave 13."]
