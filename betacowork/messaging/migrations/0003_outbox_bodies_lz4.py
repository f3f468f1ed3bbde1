"""The outbox's bodies compressed with lz4 on PostgreSQL (where the server has it).

A reminder's row is ~3.3 KB (text, HTML, the .ics); PostgreSQL compresses values that size
with its own pglz when the row is written. lz4 costs it less CPU to write and to read back
(the sender reads every row it claims): in-process, the sweep's 7,000 rows 0.16–0.18 →
0.11–0.15 ms of PostgreSQL's CPU a row (bench/README.md). Only values written from now on
are compressed this way; the table is not rewritten. Nothing to do on SQLite, or on a
PostgreSQL built without lz4 (its `default_toast_compression` does not offer it).
"""

from django.db import migrations

COLUMNS = ("body_text", "body_html", "attachments")


def lz4_available(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def set_compression(method: str):
    def run(apps, schema_editor):
        if not lz4_available(schema_editor):
            return
        table = schema_editor.quote_name(apps.get_model("messaging", "Outbox")._meta.db_table)
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE {table} ALTER COLUMN {schema_editor.quote_name(column)} "
                f"SET COMPRESSION {method}"
            )

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0002_outbox_indexes_without_pattern_ops"),
    ]

    operations = [
        migrations.RunPython(set_compression("lz4"), set_compression("default")),
    ]
