"""The directory finds a name typed run together ("vanderberg", "jeanluc", "obrien") or
spelt without umlauts ("mueller", "oersted"): each search row holds those other spellings of
its name and company at weight D (`members.search.profile_variants()`).

Every profile's row is rebuilt by `members.search.profile_search_refresh()`, as
`manage.py members_search_rebuild` does: the rows written before lack the spellings. Not one
transaction (`atomic = False`): a chunk of profiles commits at a time, so a deploy at 100,000
members neither holds every profile row locked until the end nor keeps one long transaction
open; then the counts the triggers keep start again from the rows (`profile_counts_rebuild`),
so no list's kept count has to catch up with every row changed here. On an empty database,
nothing to do.
"""

from django.db import migrations, transaction

CHUNK = 2000


def forward(apps, schema_editor):
    from members.search import profile_search_refresh
    from members.search_counts import profile_counts_rebuild

    Profile = apps.get_model("members", "Profile")
    ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            profile_search_refresh(profile_ids=ids[start : start + CHUNK])
    if ids:
        profile_counts_rebuild()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0018_profile_slug_history"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
