"""The directory's search spells out the Latin letters no accent explains ("Lætitia" is found
as "laetitia", "cœur" as "coeur": `members.search.LATIN_SPELT`).

A search word is folded the new way, so the profiles whose search document still holds one of
those letters, folded the old way, are rebuilt by `members.search.profile_search_refresh()`
(the document, and on PostgreSQL the search row): only them, a no-op on most databases.
"""

from django.db import migrations
from django.db.models import Q

OLD_LETTERS = "œæøłđ"


def forward(apps, schema_editor):
    from members.search import profile_search_refresh

    Profile = apps.get_model("members", "Profile")
    holds_one = Q()
    for letter in OLD_LETTERS:
        holds_one |= Q(search_document__contains=letter)
    ids = list(Profile.objects.filter(holds_one).values_list("pk", flat=True))
    if ids:
        profile_search_refresh(profile_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0015_term_unicode_slug"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
