"""The denormalised search document follows profiles, companies and vocabulary terms."""

from django.urls import reverse

from members.models import Term
from members.search import profile_search_refresh
from members.services import term_merge
from tests.factories import CompanyFactory, TermFactory, UserFactory, make_member

URL = reverse("members:directory")


def _found(client, q):
    return [p.display_name for p in client.get(URL, {"q": q}).context["profiles"]]


def test_company_rename_refreshes_its_people(client, db):
    company = CompanyFactory(name="Oldname")
    make_member("Ann One", company=company)
    make_member("Bob Two", company=company)
    client.force_login(UserFactory())
    assert _found(client, "oldname") == ["Ann One", "Bob Two"]
    company.name = "Brandnew"
    company.save()
    assert _found(client, "brandnew") == ["Ann One", "Bob Two"]
    assert _found(client, "oldname") == []


def test_term_rename_and_new_synonym_refresh_profiles(client, vocab):
    make_member("Ann One", offers=[vocab["coaching"]])
    client.force_login(UserFactory())
    term = vocab["coaching"]
    term.name_nl = "begeleiding"
    term.synonyms = "mentoring"
    term.save()
    assert _found(client, "begeleiding") == ["Ann One"]
    assert _found(client, "mentoring") == ["Ann One"]
    ann = next(p for p in client.get(URL).context["profiles"] if p.display_name == "Ann One")
    assert ann.card["offers"][0]["nl"] == "begeleiding"


def test_term_merge_repoints_every_profile(client, vocab, staff):
    dup = TermFactory(slug="translating", name_en="translating", status=Term.Status.PROPOSED)
    ann = make_member("Ann One", skills=[dup], offers=[dup], seeks=[dup])
    bob = make_member("Bob Two", skills=[vocab["translation"], dup])
    touched = term_merge(survivor=vocab["translation"], others=[dup])
    assert touched == 2
    assert not Term.objects.filter(slug="translating").exists()
    for field in ("skills", "offers", "seeks"):
        assert list(getattr(ann, field).all()) == [vocab["translation"]]
    assert list(bob.skills.all()) == [vocab["translation"]]
    vocab["translation"].refresh_from_db()
    assert "translating" in vocab["translation"].synonyms
    client.force_login(UserFactory())
    assert _found(client, "translating") == ["Ann One", "Bob Two"]


def test_merge_action_in_the_admin(client, vocab, staff):
    dup = TermFactory(slug="traductions", name_en="traductions", status=Term.Status.PROPOSED)
    make_member("Ann One", skills=[dup])
    client.force_login(staff)
    url = reverse("admin:members_term_changelist")
    ids = [vocab["translation"].pk, dup.pk]
    page = client.post(url, {"action": "merge", "_selected_action": ids})
    assert page.status_code == 200
    assert "Keep this term" in page.content.decode() or "survivor" in page.content.decode()
    done = client.post(
        url,
        {
            "action": "merge",
            "_selected_action": ids,
            "confirm": "yes",
            "survivor": vocab["translation"].pk,
        },
    )
    assert done.status_code == 302
    assert not Term.objects.filter(pk=dup.pk).exists()


def test_full_rebuild_is_idempotent(db, vocab):
    profile = make_member("Ann One", skills=[vocab["translation"]])
    before = profile.search_document
    assert profile_search_refresh() >= 1
    profile.refresh_from_db()
    assert profile.search_document == before
    assert "vertaling" in before


def test_proposed_terms_autocomplete_only_for_their_proposer(client, vocab):
    author = UserFactory()
    Term.objects.create(
        slug="zythology", name_en="zythology", status=Term.Status.PROPOSED, proposed_by=author
    )
    url = reverse("members:terms_json")
    client.force_login(UserFactory())
    assert client.get(url, {"q": "zyth"}).json()["results"] == []
    client.force_login(author)
    assert [r["slug"] for r in client.get(url, {"q": "zyth"}).json()["results"]] == ["zythology"]
    assert [r["slug"] for r in client.get(url, {"q": "vertal"}).json()["results"]] == [
        "translation"
    ]


def test_imported_people_are_unhidden_at_first_login(client, db):
    from django.contrib.auth.signals import user_logged_in
    from django.test import RequestFactory

    profile = make_member("Imported Person", visibility="hidden", hidden_until_login=True)
    user_logged_in.send(
        sender=type(profile.user), request=RequestFactory().get("/"), user=profile.user
    )
    profile.refresh_from_db()
    assert profile.visibility == "members"
    assert not profile.hidden_until_login
    # A member who chose "hidden" stays hidden at later logins.
    profile.visibility = "hidden"
    profile.save()
    client.force_login(profile.user)
    profile.refresh_from_db()
    assert profile.visibility == "hidden"


def test_rebuild_command_and_seed_fill_missing_documents(db, vocab):
    import io

    from django.core.management import call_command

    from members.models import Profile

    profile = make_member("Ann One", skills=[vocab["translation"]])
    Profile.objects.filter(pk=profile.pk).update(search_document="", card={})
    out = io.StringIO()
    call_command("members_search_rebuild", stdout=out)
    assert "profiles refreshed" in out.getvalue()
    profile.refresh_from_db()
    assert "vertaling" in profile.search_document
    assert profile.card["skills"][0]["s"] == "translation"
