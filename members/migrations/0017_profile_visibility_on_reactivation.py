"""A deactivated account's profile is hidden like any hidden profile; the visibility its owner
chose waits in `Profile.visibility_on_reactivation` until staff reactivate the account
(`members.services.profile_follow_account`).

The accounts deactivated before this migration have their profiles hidden now, and their
search rows rebuilt (on PostgreSQL the counts follow the profile rows by their triggers).
"""

from django.db import migrations, models
from django.db.models import F


def forward(apps, schema_editor):
    from members.search import profile_search_refresh

    Profile = apps.get_model("members", "Profile")
    deactivated = Profile.objects.filter(user__is_active=False, visibility_on_reactivation="")
    ids = list(deactivated.values_list("pk", flat=True))
    if ids:
        Profile.objects.filter(pk__in=ids).update(
            visibility_on_reactivation=F("visibility"), visibility="hidden"
        )
        profile_search_refresh(profile_ids=ids)


def backward(apps, schema_editor):
    from members.search import profile_search_refresh

    Profile = apps.get_model("members", "Profile")
    waiting = Profile.objects.exclude(visibility_on_reactivation="")
    ids = list(waiting.values_list("pk", flat=True))
    if ids:
        Profile.objects.filter(pk__in=ids).update(
            visibility=F("visibility_on_reactivation"), visibility_on_reactivation=""
        )
        profile_search_refresh(profile_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0016_search_latin_letters_spelt"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="visibility_on_reactivation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("public", "Public: anyone can see it"),
                    ("members", "Members only"),
                    ("hidden", "Hidden: only me and staff"),
                ],
                default="",
                editable=False,
                help_text=(
                    "The account is deactivated: the profile is hidden until staff reactivate "
                    "it, then it has this visibility again."
                ),
                max_length=10,
                verbose_name="visibility once reactivated",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
