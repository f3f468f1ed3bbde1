"""The search rows' changes, kept for a while, by statement triggers (PostgreSQL).

A filtered directory list's count reads only `members_profilesearch`; it was counted again
after every change (a list of three facets: 4.7 ms at 100,000 members). `members_searchchange`
(`members.models.SearchChange`) holds, for each row a statement inserts, deletes or changes,
its old image (sign -1) and its new one (+1), written by the statement's transaction
(`xid`): a count taken under a snapshot is brought up to date by adding the images of the
transactions that snapshot did not see (`members.directory.postgres_count.counted_since()`).
An update that changes none of the columns a count reads (the vector, visibility, owner,
dates) appends nothing. A statement moving more than BULK rows (an import, a rebuild)
appends one *mark* instead (sign 0): every count older than it is counted again. Every
PRUNE_EVERY statements (a sequence) the writer that takes the advisory lock without waiting
deletes the rows of every transaction finished before its snapshot and appends a mark (the
counts that needed those rows did not see the mark either). Nothing on SQLite.
"""

import django.contrib.postgres.search
from django.db import migrations, models

BULK = 64
PRUNE_EVERY = 512
# The columns a count reads (`postgres_count.counted_since()` matches images as rows).
INSERT = (
    "INSERT INTO members_searchchange"
    " (xid, sign, visibility, user_id, member_since, created_on, search_vector) "
)
MARK = "INSERT INTO members_searchchange (xid, sign) VALUES (pg_current_xact_id()::text::bigint, 0)"
# Each side's images: for an update, only the rows whose columns above changed (the same
# image before and after cancels out).
IMAGES = {
    "insert": """SELECT pg_current_xact_id()::text::bigint, 1,
                        visibility, user_id, member_since, created_on, search_vector
                 FROM new_rows""",
    "delete": """SELECT pg_current_xact_id()::text::bigint, -1,
                        visibility, user_id, member_since, created_on, search_vector
                 FROM old_rows""",
    "update": """SELECT pg_current_xact_id()::text::bigint, -1, * FROM (
                     SELECT visibility, user_id, member_since, created_on, search_vector
                     FROM old_rows
                     EXCEPT ALL
                     SELECT visibility, user_id, member_since, created_on, search_vector
                     FROM new_rows
                 ) o
                 UNION ALL
                 SELECT pg_current_xact_id()::text::bigint, 1, * FROM (
                     SELECT visibility, user_id, member_since, created_on, search_vector
                     FROM new_rows
                     EXCEPT ALL
                     SELECT visibility, user_id, member_since, created_on, search_vector
                     FROM old_rows
                 ) n""",
}
TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
SIZE = {"insert": "new_rows", "delete": "old_rows", "update": "old_rows"}
FUNCTION = """
    CREATE OR REPLACE FUNCTION members_searchchange_{op}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM (SELECT 1 FROM {size} LIMIT {bulk} + 1) r) > {bulk} THEN
            {mark};
        ELSE
            {insert}{images};
        END IF;
        IF mod(nextval('members_searchchange_prune'), {every}) = 0
           AND pg_try_advisory_xact_lock(hashtext('members_searchchange')) THEN
            DELETE FROM members_searchchange
            WHERE xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
            {mark};
        END IF;
        RETURN NULL;
    END $$
"""
TRIGGER = """
    CREATE TRIGGER members_searchchange_{op} AFTER {OP} ON members_profilesearch
    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION members_searchchange_{op}()
"""
# TRUNCATE has no transition table: a mark.
TRUNCATE = f"""
    CREATE OR REPLACE FUNCTION members_searchchange_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {MARK}; RETURN NULL; END $$;
    CREATE TRIGGER members_searchchange_truncate AFTER TRUNCATE ON members_profilesearch
    FOR EACH STATEMENT EXECUTE FUNCTION members_searchchange_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS members_searchchange_prune")
    for op, images in IMAGES.items():
        schema_editor.execute(
            FUNCTION.format(
                op=op,
                size=SIZE[op],
                bulk=BULK,
                mark=MARK,
                insert=INSERT,
                images=images,
                every=PRUNE_EVERY,
            )
        )
        schema_editor.execute(TRIGGER.format(op=op, OP=op.upper(), tables=TABLES[op]))
    schema_editor.execute(TRUNCATE)
    schema_editor.execute(MARK)  # no count was taken before the triggers: harmless


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op in [*IMAGES, "truncate"]:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS members_searchchange_{op} ON members_profilesearch"
        )
        schema_editor.execute(f"DROP FUNCTION IF EXISTS members_searchchange_{op}()")
    schema_editor.execute("DROP SEQUENCE IF EXISTS members_searchchange_prune")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0013_facet_count"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("xid", models.BigIntegerField(verbose_name="transaction")),
                ("sign", models.SmallIntegerField(verbose_name="change")),
                (
                    "visibility",
                    models.CharField(
                        choices=[
                            ("public", "Public: anyone can see it"),
                            ("members", "Members only"),
                            ("hidden", "Hidden: only me and staff"),
                        ],
                        max_length=10,
                        null=True,
                        verbose_name="visibility",
                    ),
                ),
                ("user_id", models.BigIntegerField(null=True, verbose_name="user id")),
                ("member_since", models.DateField(null=True, verbose_name="member since")),
                ("created_on", models.DateField(null=True, verbose_name="created")),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(
                        null=True, verbose_name="search vector"
                    ),
                ),
            ],
            options={
                "verbose_name": "search row change",
                "verbose_name_plural": "search row changes",
                "indexes": [models.Index(fields=["xid"], name="members_searchchange_xid")],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
