"""A cancelled registration is nobody at the door: the check-ins that registrations cancelled
before this release kept (`registration_cancel` now clears them) are cleared too, so no list,
count or report counts them as present."""

from django.db import migrations


def clear_check_ins(apps, schema_editor):
    Registration = apps.get_model("events", "Registration")
    Registration.objects.filter(status="cancelled", checked_in_at__isnull=False).update(
        checked_in_at=None, checked_in_by=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_budget_chapter_protect"),
    ]

    operations = [
        # Nothing to restore going back: a cancelled seat's check-in was never attendance.
        migrations.RunPython(clear_check_ins, migrations.RunPython.noop),
    ]
