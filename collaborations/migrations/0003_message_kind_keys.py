"""The collaboration ledger's message kinds take the one spelling of kind keys,
`collaborations.<name>` (betacowork/messaging): stored outbox rows are renamed, and back.
De-duplication keys and preference names do not change."""

from django.db import migrations

RENAMES = {
    "collaboration_request": "collaborations.collaboration_request",
    "event_followup": "collaborations.event_followup",
}


def rename(apps, schema_editor, renames=RENAMES):
    Outbox = apps.get_model("messaging", "Outbox")
    for old, new in renames.items():
        Outbox.objects.filter(kind=old).update(kind=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0002_dashboard_tally"),
        ("messaging", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
