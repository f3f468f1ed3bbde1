"""How many profiles of each visibility there are, kept by statement triggers (PostgreSQL).

The directory's unfiltered total counted every visible profile (12 ms at 100,000 members)
each time a change made it count again. `members_profilecount` holds rows to add up per
visibility (`members.models.ProfileCount`): after each statement that inserts, deletes or
updates profiles, a trigger appends what it moved (from the statement's transition tables:
one row per visibility, not one per profile), so writers never wait on one another; when
there are more than FOLD_AFTER rows, the writer that takes the advisory lock first (without
waiting for it) folds them into one per visibility. The table starts from the profiles there
are. Nothing on SQLite: the directory counts there with its queryset.
"""

from django.db import migrations, models

FOLD_AFTER = 64
# What the three triggers append: (visibility, n) rows from their transition tables.
MOVED = {
    "insert": "SELECT visibility, count(*) FROM new_rows GROUP BY visibility",
    "delete": "SELECT visibility, -count(*) FROM old_rows GROUP BY visibility",
    "update": """SELECT visibility, sum(d) FROM (
                     SELECT visibility, -1 AS d FROM old_rows
                     UNION ALL SELECT visibility, 1 FROM new_rows
                 ) moved GROUP BY visibility HAVING sum(d) <> 0""",
}
TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
FUNCTION = """
    CREATE OR REPLACE FUNCTION members_profilecount_{op}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO members_profilecount (visibility, n) {moved};
        IF (SELECT count(*) FROM (SELECT 1 FROM members_profilecount LIMIT {limit}) r)
               > {fold_after}
           AND pg_try_advisory_xact_lock(hashtext('members_profilecount')) THEN
            WITH folded AS (DELETE FROM members_profilecount RETURNING visibility, n)
            INSERT INTO members_profilecount (visibility, n)
            SELECT visibility, sum(n) FROM folded GROUP BY visibility HAVING sum(n) <> 0;
        END IF;
        RETURN NULL;
    END $$
"""
TRIGGER = """
    CREATE TRIGGER members_profilecount_{op} AFTER {OP} ON members_profile
    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION members_profilecount_{op}()
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op in MOVED:
        schema_editor.execute(
            FUNCTION.format(
                op=op, moved=MOVED[op], limit=FOLD_AFTER + 1, fold_after=FOLD_AFTER
            )
        )
        schema_editor.execute(TRIGGER.format(op=op, OP=op.upper(), tables=TABLES[op]))
    # CREATE TRIGGER locks the table against writes until this migration commits: the
    # count below and the triggers start from the same profiles.
    schema_editor.execute(
        "INSERT INTO members_profilecount (visibility, n) "
        "SELECT visibility, count(*) FROM members_profile GROUP BY visibility"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op in MOVED:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS members_profilecount_{op} ON members_profile")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS members_profilecount_{op}()")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_profilesearch_name_lexemes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProfileCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "visibility",
                    models.CharField(
                        choices=[
                            ("public", "Public: anyone can see it"),
                            ("members", "Members only"),
                            ("hidden", "Hidden: only me and staff"),
                        ],
                        max_length=10,
                        verbose_name="visibility",
                    ),
                ),
                ("n", models.BigIntegerField(verbose_name="profiles")),
            ],
            options={
                "verbose_name": "profile count",
                "verbose_name_plural": "profile counts",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
