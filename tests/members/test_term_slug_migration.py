"""members 0015: terms that were named in another script and given the profiles' fallback slug
(`member`, `member-2`…) get a slug of their own, and the cards that link to them follow;
every other term keeps its slug (links to the directory keep working).

Runs the real migrations on the test database (a transactional test: the schema changes),
then migrates forward again so the tests after it find the current schema.
"""

from __future__ import annotations

BEFORE = ("members", "0014_search_change")
AFTER = ("members", "0015_term_unicode_slug")


def test_terms_slugged_member_get_their_own_slug_and_the_cards_follow(migrator):
    old = migrator(BEFORE)
    Term = old.get_model("members", "Term")
    User = old.get_model("members", "User")
    Profile = old.get_model("members", "Profile")
    japanese = Term.objects.create(slug="member", name_en="日本語", status="proposed")
    chinese = Term.objects.create(slug="member-2", name_en="中文", status="approved")
    Term.objects.create(slug="member-3", name_en="🙂", status="proposed")
    Term.objects.create(slug="member-4", name_en="Member", status="approved")
    cpp = Term.objects.create(slug="c", name_en="C++", status="approved")
    user = User.objects.create(email="lea@example.test", name="Léa Dubois")
    card = {
        "skills": [
            {"s": "member", "en": "日本語", "fr": "", "nl": ""},
            {"s": "c", "en": "C++", "fr": "", "nl": ""},
        ],
        "more_skills": 0,
        "offers": [{"s": "member-2", "en": "中文", "fr": "", "nl": ""}],
        "more_offers": 0,
    }
    lea = Profile.objects.create(user=user, slug="lea-dubois", display_name="Léa", card=card)
    lea.skills.add(japanese, cpp)
    lea.offers.add(chinese)

    new = migrator(AFTER)
    slugs = dict(new.get_model("members", "Term").objects.values_list("name_en", "slug"))
    assert slugs == {
        "日本語": "日本語",
        "中文": "中文",
        "🙂": "term",
        "Member": "member-4",  # a name with a slug of its own: left alone
        "C++": "c",  # links to ?skill=c keep working
    }
    card = new.get_model("members", "Profile").objects.get(pk=lea.pk).card
    assert [s["s"] for s in card["skills"]] == ["日本語", "c"]
    assert [s["s"] for s in card["offers"]] == ["中文"]
