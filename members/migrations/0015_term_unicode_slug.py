"""Terms named in another script get a slug that says so, and sign-ups are hidden until their
first login (the help text says it).

Until now a label with no Latin letter ("日本語", "中文") was given the slug `member`,
`member-2`… (the fallback meant for profiles), so the directory's filter for it read
`?skill=member`. `Term.slug` now allows unicode and new terms get `日本語`; the terms already
given a `member…` slug that way get theirs here, and the cards of the profiles that show them
(`Profile.card`, which holds each term's slug) are rewritten to match. Only those terms: a
term whose name gives a Latin slug keeps whatever slug it has, so every other link to the
directory still works. (A stale link to `?skill=member` is ignored by the directory with a
notice; the directory's cache, which may hold the old cards, expires within minutes.)
"""

import re

from django.db import migrations, models
from django.utils.text import slugify

MEMBER_FALLBACK = re.compile(r"member(-\d+)?")


def _unique(Term, root: str, pk: int) -> str:
    slug, n = root, 1
    while Term.objects.filter(slug=slug).exclude(pk=pk).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


def terms_reslug(apps, schema_editor):
    Term = apps.get_model("members", "Term")
    Profile = apps.get_model("members", "Profile")
    renamed: dict[str, str] = {}
    for term in Term.objects.filter(slug__startswith="member").order_by("pk"):
        if not MEMBER_FALLBACK.fullmatch(term.slug) or slugify(term.name_en):
            continue  # not the fallback: its name has a Latin slug of its own
        root = slugify(term.name_en, allow_unicode=True)[:72].strip("-") or "term"
        new = _unique(Term, root, term.pk)
        renamed[term.slug] = new
        term.slug = new
        term.save(update_fields=["slug"])
    if not renamed:
        return
    term_ids = list(Term.objects.filter(slug__in=renamed.values()).values_list("pk", flat=True))
    profile_ids: set[int] = set()
    for field in ("skills", "offers", "seeks"):
        through = Profile._meta.get_field(field).remote_field.through
        profile_ids.update(
            through.objects.filter(term_id__in=term_ids).values_list("profile_id", flat=True)
        )
    for profile in Profile.objects.filter(pk__in=profile_ids).only("pk", "card"):
        card = profile.card or {}
        for key in ("skills", "offers"):
            for entry in card.get(key) or []:
                if isinstance(entry, dict) and entry.get("s") in renamed:
                    entry["s"] = renamed[entry["s"]]
        Profile.objects.filter(pk=profile.pk).update(card=card)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0014_search_change"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profile",
            name="hidden_until_login",
            field=models.BooleanField(
                default=False,
                help_text="Imported people and self-service sign-ups stay hidden until they log "
                "in for the first time.",
                verbose_name="hidden until first login",
            ),
        ),
        migrations.AlterField(
            model_name="term",
            name="slug",
            field=models.SlugField(
                allow_unicode=True, max_length=80, unique=True, verbose_name="slug"
            ),
        ),
        migrations.RunPython(terms_reslug, migrations.RunPython.noop),
    ]
