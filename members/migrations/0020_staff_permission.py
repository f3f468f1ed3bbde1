"""Site staff follow a permission, not the staff box alone (`members.rules.is_staff`): an
active account with the staff box AND `members.act_as_staff`, or an active superuser. The box
alone now opens only the admin, per admin permissions.

Every account with the staff box today is given the permission, so a deployment keeps its
staff as they are; taking it from the volunteers who should only see the admin is then a
superuser's choice, account by account. The permission row is created here (Django creates
a model's permissions only after every migration ran). Reverse: nothing to undo (the
permission, unknown to the code before, gives nothing there).
"""

from django.db import migrations, models


def grant_existing_staff(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("members", "User")
    staff = User.objects.filter(is_staff=True)
    if not staff.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="members", model="user")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="act_as_staff",
        defaults={"name": "Can act as staff on the site"},
    )
    permission.user_set.add(*staff)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0019_search_name_spellings"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [("act_as_staff", "Can act as staff on the site")],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.AlterField(
            model_name="user",
            name="is_staff",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Lets this person sign in to the admin, where they see and change only "
                    "what their groups and permissions allow. Staff powers on the site (every "
                    "event in the organiser console and its registrants' addresses, the "
                    "budget overview, hidden profiles, the staff tools) also need the "
                    "permission “Can act as staff on the site”, or superuser status."
                ),
                verbose_name="staff status",
            ),
        ),
        migrations.RunPython(grant_existing_staff, migrations.RunPython.noop, elidable=True),
    ]
