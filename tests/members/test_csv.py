"""Staff CSV import (dry run, all or nothing) and export of the filtered members list."""

import io
from csv import DictReader
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.csv_io import members_import_apply, members_import_check
from members.models import Membership, User
from tests.factories import SpaceFactory, UserFactory, make_member

IMPORT_URL = reverse("admin:members_profile_import")
EXPORT_URL = reverse("admin:members_profile_export")

GOOD = (
    "email,name,company,city,languages,skills,offers,seeks,home_space,plan,member_since\n"
    "new.person@example.test,New Person,Acme,Namur,fr;en,traduction,translation,"
    "web design,betacowork,flex,2024-05-01\n"
    "EXISTING@example.test,Existing Renamed,,Ghent,nl,,,,,,\n"
)


@pytest.fixture
def world(db, vocab):
    SpaceFactory(name="Betacowork", slug="betacowork")
    return make_member(
        "Existing Person", user_kwargs={"email": "existing@example.test"}, city="Brussels"
    )


def test_dry_run_writes_nothing_then_import_creates_and_updates(world):
    report = members_import_check(GOOD.encode())
    assert report.ok, (report.errors, [r.errors for r in report.rows])
    assert (report.creates, report.updates) == (1, 1)
    assert not User.objects.filter(email="new.person@example.test").exists()

    report = members_import_apply(GOOD.encode())
    assert report.written
    new = User.objects.get(email="new.person@example.test")
    profile = new.profile
    assert profile.visibility == "hidden"
    assert profile.hidden_until_login
    assert profile.company.name == "Acme"
    assert profile.languages == ["fr", "en"]
    assert [t.slug for t in profile.skills.all()] == ["translation"]
    assert [t.slug for t in profile.seeks.all()] == ["web-design"]
    assert Membership.objects.get(user=new).plan == "flex"
    world.refresh_from_db()
    assert world.display_name == "Existing Renamed"
    assert world.city == "Ghent"
    assert world.visibility == "members"  # existing people keep their choice
    # Importing the same file again updates, never duplicates.
    again = members_import_apply(GOOD.encode())
    assert (again.creates, again.updates) == (0, 2)
    assert User.objects.filter(email__iexact="new.person@example.test").count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mail,fullname\nx@example.test,X\n", "Missing column(s): email, name"),
        (b"email,name,shoe_size\nx@example.test,X,42\n", "Unknown column(s): shoe_size"),
        ("email,name\nx@example.test,Zoë\n".encode("latin-1"), "not UTF-8"),
        (b"", "The file is empty"),
        (b"email,name\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not UTF-8"),
    ],
)
def test_file_level_errors(world, content, message):
    report = members_import_check(content)
    assert not report.ok
    assert any(message in e for e in report.errors), report.errors


def test_every_bad_row_is_listed_and_nothing_is_written(world):
    content = (
        b"email,name,skills,languages,home_space,plan\n"
        b"good@example.test,Good Person,,,,\n"
        b"not-an-email,Bad Email,,,,\n"
        b"good@example.test,Duplicate,,,,\n"
        b"x@example.test,,,,,\n"
        b"y@example.test,Y,astrology,,,\n"
        b"z@example.test,Z,,xx,,\n"
        b"w@example.test,W,,,atlantis,flex\n"
        b"v@example.test,V,,,,\n"
        b"short@example.test\n"
    )
    report = members_import_apply(content)
    assert not report.written
    bad = {r.line: " ".join(r.errors) for r in report.bad_rows}
    assert "valid email" in bad[3]
    assert "Same email as row 2" in bad[4]
    assert "name" in bad[5]
    assert "unknown term(s) astrology" in bad[6]
    assert "unknown code(s) xx" in bad[7]
    assert "no space “atlantis”" in bad[8]
    assert "cells where the header has" in bad[10]
    assert 2 not in bad
    assert 9 not in bad
    assert not User.objects.filter(email="good@example.test").exists()


def test_semicolon_files_from_excel_are_read(world):
    content = "\ufeffemail;name;city\nsemi@example.test;Semi Colon;Liège\n".encode()
    report = members_import_apply(content)
    assert report.written
    assert User.objects.get(email="semi@example.test").profile.city == "Liège"


def test_admin_upload_preview_and_confirm(client, world, staff):
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 200
    upload = SimpleUploadedFile("members.csv", GOOD.encode(), "text/csv")
    preview = client.post(IMPORT_URL, {"file": upload})
    html = preview.content.decode()
    assert "Dry run" in html
    assert "1 person will be created" in html
    assert not User.objects.filter(email="new.person@example.test").exists()
    token = preview.context["token"]
    done = client.post(IMPORT_URL, {"token": token})
    assert done.status_code == 302
    assert User.objects.filter(email="new.person@example.test").exists()
    # A forged token is refused.
    assert client.post(IMPORT_URL, {"token": "forged"}).status_code == 302


def test_admin_bad_file_lists_rows(client, world, staff):
    client.force_login(staff)
    upload = SimpleUploadedFile("m.csv", b"email,name\nnope,Nope\n", "text/csv")
    html = client.post(IMPORT_URL, {"file": upload}).content.decode()
    assert "nothing was imported" in html
    assert "valid email" in html
    # The column names rows, as the spreadsheet the file came from numbers them.
    assert "<th>Row</th>" in html
    assert "<th>Line</th>" not in html


def test_a_refused_file_is_a_400_and_a_good_preview_a_200(client, world, staff):
    client.force_login(staff)
    bad = SimpleUploadedFile("m.csv", b"email,name\nnope,Nope\n", "text/csv")
    assert client.post(IMPORT_URL, {"file": bad}).status_code == 400
    assert client.post(IMPORT_URL, {}).status_code == 400  # no file chosen
    good = SimpleUploadedFile("m.csv", GOOD.encode(), "text/csv")
    assert client.post(IMPORT_URL, {"file": good}).status_code == 200


@pytest.mark.parametrize("since", ["2999-01-01", "01/01/2998", "0001-01-01"])
def test_a_joining_date_the_admin_refuses_is_refused_by_the_import(world, since):
    """QA: the import stored 2999-01-01, then the profile could not be saved in the admin
    ("A member cannot have joined after today") until the date was fixed."""
    report = members_import_apply(f"email,name,member_since\nn@example.test,N,{since}\n".encode())
    assert not report.written
    assert "member_since: A member cannot have joined" in " ".join(report.bad_rows[0].errors)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_cell_too_long_is_said_in_the_staff_members_language(world, language):
    """QA: "Het bestand is geen geldige CSV: field larger than field limit (131072)" — the
    csv module's English reason inside the Dutch sentence."""
    from django.utils import translation

    content = ("email,name,headline\nx@example.test,X," + "a" * 200_000 + "\n").encode()
    with translation.override(language):
        report = members_import_check(content)
    [error] = report.errors
    assert "field limit" not in error
    assert "131072" in error  # the limit, in the sentence of the staff member's language
    assert "CSV" in error
    assert error != "The file is not valid CSV: a cell is longer than 131072 characters (row 2)."


def test_members_cannot_import_or_export(client, world):
    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 302  # to the admin login
    assert client.get(EXPORT_URL).status_code == 302


def test_export_of_the_filtered_list_round_trips(client, world, staff, vocab):
    make_member(
        "Public Person", visibility="public", skills=[vocab["seo"]], phone="+32 2 555 55 55"
    )
    make_member("Hidden Person", visibility="hidden")
    client.force_login(staff)
    response = client.get(EXPORT_URL, {"visibility__exact": "public"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert "Public Person" in body
    assert "Hidden Person" not in body
    assert "Existing Person" not in body
    assert "'+32 2 555 55 55" in body  # no formula injection in spreadsheets
    report = members_import_check(body.encode())
    assert report.ok, (report.errors, [r.errors for r in report.rows])
    assert report.rows[0].data["phone"] == "+32 2 555 55 55"


def test_an_export_with_terms_slugged_without_their_symbols_imports_back(client, world, staff):
    """Terms made before symbols were told apart kept slugs like "c" (C++) and "net" (.NET):
    the export names them so, and the import reads a slug as it was written."""
    from tests.factories import TermFactory

    cpp = TermFactory(slug="c", name_en="C++")
    dotnet = TermFactory(slug="net", name_en=".NET")
    make_member("Dev Person", visibility="public", skills=[cpp, dotnet])
    client.force_login(staff)
    response = client.get(EXPORT_URL, {"visibility__exact": "public"})
    body = b"".join(response.streaming_content).decode()
    report = members_import_check(body.encode())
    assert report.ok, (report.errors, [r.errors for r in report.rows])
    skills = [{t.slug for t in r.data.get("skills") or []} for r in report.rows]
    assert {"c", "net"} in skills


@pytest.mark.parametrize(
    ("utc", "brussels_date"),
    [
        ("2024-03-04 23:30", "2024-03-05"),  # 00:30 in Brussels (winter, UTC+1)
        ("2024-07-04 22:30", "2024-07-05"),  # 00:30 in Brussels (summer, UTC+2)
        ("2024-03-04 12:00", "2024-03-04"),  # 13:00: the same day in both
    ],
)
def test_the_export_dates_joining_and_last_login_as_in_brussels(
    client, world, staff, utc, brussels_date
):
    moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    User.objects.filter(pk=world.user_id).update(date_joined=moment, last_login=moment)
    client.force_login(staff)
    body = b"".join(client.get(EXPORT_URL).streaming_content).decode("utf-8-sig")
    (row,) = [r for r in DictReader(io.StringIO(body)) if r["email"] == world.user.email]
    assert (row["date_joined"], row["last_login"]) == (brussels_date, brussels_date)


def test_rows_are_numbered_as_a_spreadsheet_shows_them(world):
    # A quoted cell with line breaks is one row in a spreadsheet, three lines in a text
    # editor: the report (and its "Row" column) counts rows, the header being row 1.
    content = (
        b"email,name,headline\n"
        b'multi@example.test,Multi Line,"first line\nsecond line\nthird line"\n'
        b"not-an-email,Bad Email,\n"
        b"multi@example.test,Again,\n"
    )
    report = members_import_check(content)
    bad = {r.line: " ".join(r.errors) for r in report.bad_rows}
    assert set(bad) == {3, 4}
    assert "valid email" in bad[3]
    assert "Same email as row 2" in bad[4]


def test_an_import_moving_someone_to_another_company_forgets_the_one_nobody_uses(world):
    """As the profile form does: a one-person company (a typo) does not stay in everyone's
    suggestions once its last member moved; a company someone else still has, or one a
    later row of the same file names again, stays."""
    from members.models import Company

    typo = make_member("Typo Person", company="Acmee", user_kwargs={"email": "typo@example.test"})
    shared = make_member(
        "Shared Person", company="Shared Ltd", user_kwargs={"email": "shared@example.test"}
    )
    make_member("Colleague", company="Shared Ltd")
    named_again = make_member(
        "Mover Person", company="Moving Co", user_kwargs={"email": "mover@example.test"}
    )
    csv = (
        "email,name,company\n"
        "typo@example.test,Typo Person,Acme\n"
        "shared@example.test,Shared Person,Acme\n"
        "mover@example.test,Mover Person,Acme\n"
        "existing@example.test,Existing Person,Moving Co\n"
    )
    report = members_import_apply(csv.encode())
    assert report.written, [r.errors for r in report.rows]
    assert not Company.objects.filter(pk=typo.company_id).exists()
    assert Company.objects.filter(pk=shared.company_id).exists()
    assert Company.objects.filter(pk=named_again.company_id).exists()
    assert set(Company.objects.values_list("name", flat=True)) == {
        "Acme",
        "Shared Ltd",
        "Moving Co",
    }


def test_an_import_renaming_someone_gives_them_the_new_address_and_keeps_the_old(world, client):
    """As a rename through the profile form: the address follows the new name, and links to
    the old one still reach the profile."""
    from members.models import Profile

    person = make_member("Old Name", visibility="public", user_kwargs={"email": "rn@example.test"})
    old_url = person.get_absolute_url()
    report = members_import_apply(b"email,name\nrn@example.test,New Name\n")
    assert report.written, [r.errors for r in report.rows]
    renamed = Profile.objects.get(pk=person.pk)
    assert renamed.slug == "new-name"
    response = client.get(old_url)
    assert response.status_code == 302
    assert response["Location"] == renamed.get_absolute_url()
