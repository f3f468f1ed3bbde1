"""Indexes for the directory's broad searches on PostgreSQL (`members.directory.postgres`).

Past the count cap, a list is not collected and sorted in full: name and newest-first orders
walk a b-tree on the search rows and stop at the page's last card, and best match finds the
name matches first through a GIN index on the names' lexemes alone (weight A of the vector:
`ts_filter(search_vector, '{a}')`, an immutable expression). Nothing on SQLite, which
searches the profile rows.
"""

from django.db import migrations

INDEXES = {
    "members_profilesearch_name_idx": "(display_name, profile_id)",
    "members_profilesearch_since_idx": "(member_since DESC NULLS LAST, profile_id DESC)",
    "members_profilesearch_name_gin": "USING gin (ts_filter(search_vector, '{a}'))",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON members_profilesearch {definition}"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_outbox_payload"),
    ]

    operations = [migrations.RunPython(forward, backward)]
