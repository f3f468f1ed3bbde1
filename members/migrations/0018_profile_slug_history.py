"""A profile's former addresses (`ProfileSlug`): a member who renames themselves gets the
address of their new name, and the old one redirects to it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0017_profile_visibility_on_reactivation"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProfileSlug",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=180, unique=True, verbose_name="slug")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "profile",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="old_slugs",
                        to="members.profile",
                        verbose_name="profile",
                    ),
                ),
            ],
            options={
                "verbose_name": "former profile address",
                "verbose_name_plural": "former profile addresses",
            },
        ),
    ]
