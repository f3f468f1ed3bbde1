"""The number of a name's lexemes beside each search row, on PostgreSQL.

Best match ranks a search's name matches in tiers (`members.directory.postgres`); the first
tier, the whole name and nothing else, compared the words' count with
`length(ts_filter(search_vector, '{a}'))`, which builds a new vector for every name match
ranked: half of ranking 2,400 name matches at 100,000 members (4.3 ms). A generated column
keeps that number with the vector it comes from, whatever path writes the row. Not a model
field: SQLite has no vectors and never reads it. Nothing on SQLite.
"""

from django.db import migrations

COLUMN = "name_lexemes"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE members_profilesearch ADD COLUMN IF NOT EXISTS {COLUMN} smallint "
        "GENERATED ALWAYS AS (length(ts_filter(search_vector, '{a}'))) STORED"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE members_profilesearch DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_outbox_moves_to_messaging"),
    ]

    operations = [migrations.RunPython(forward, backward)]
