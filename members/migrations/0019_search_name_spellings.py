"""The directory finds a name typed run together ("vanderberg", "jeanluc", "obrien") or
spelt without umlauts ("mueller", "oersted"): each search row holds those other spellings of
its name and company at weight D (`members.search.profile_variants()`).

Every profile's row is rebuilt by `members.search.profile_search_refresh()` (set-based, by
chunks): the rows written before lack the spellings. On an empty database, nothing to do.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from members.search import profile_search_refresh

    Profile = apps.get_model("members", "Profile")
    if Profile.objects.exists():
        profile_search_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0018_profile_slug_history"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
