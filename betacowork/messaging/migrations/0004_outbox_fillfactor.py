"""Room on each of the outbox's pages for its rows' leases (PostgreSQL).

Every row sent is leased first (`claimed_until`, `claim_token`: no index holds either), which
writes a new version of the row. With the pages filled to the brim, as PostgreSQL fills them
by default, that version goes to another page and each of the table's five indexes gets a new
entry for it; with room left on the row's own page it stays there and no index is touched (a
"HOT" update). A reminder's row is ~1.8 KB in the page (its HTML body stored apart, TOAST):
filled to 60 %, a page holds two rows and room for both leases. Measured on the claims of
3,000 reminders, PostgreSQL's CPU a row 50–57 → 27–33 µs (bench/README.md). Pages written
from now on only; nothing to do on SQLite.
"""

from django.db import migrations

FILLFACTOR = 60


def _set(apps, schema_editor, option: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("messaging", "Outbox")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} {option}")


def room_on_pages(apps, schema_editor):
    _set(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def pages_full(apps, schema_editor):
    _set(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0003_outbox_bodies_lz4"),
    ]

    operations = [
        migrations.RunPython(room_on_pages, pages_full),
    ]
