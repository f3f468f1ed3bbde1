"""The events app's message kinds take the one spelling of kind keys, `events.<name>`
(betacowork/messaging): stored outbox rows are renamed, and back. De-duplication keys and
preference names (in accounts and in links already sent) do not change."""

from django.db import migrations

RENAMES = {
    "registration-confirmed": "events.registration_confirmed",
    "registration-waitlisted": "events.registration_waitlisted",
    "registration-promoted": "events.registration_promoted",
    "reminder": "events.reminder",
    "chapter_announcement": "events.chapter_announcement",
    "event-changed": "events.event_changed",
    "event-cancelled": "events.event_cancelled",
}


def rename(apps, schema_editor, renames=RENAMES):
    Outbox = apps.get_model("messaging", "Outbox")
    for old, new in renames.items():
        Outbox.objects.filter(kind=old).update(kind=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_event_history"),
        ("messaging", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
