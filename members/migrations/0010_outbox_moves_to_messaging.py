"""The outbox now belongs to `betacowork.messaging` (its 0001 takes the model over, state
only): members forgets it without touching the table, which keeps every row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_directory_bounded_search"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Outbox")],
            database_operations=[],
        ),
    ]
