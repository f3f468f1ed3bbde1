"""How many people each space has, per visibility, kept by statement triggers (PostgreSQL).

The home page counted the people of every space from the search rows' space lexemes
(`_sp<id>`) each time its figures were computed (62 ms for three spaces at 100,000 members).
`members_spacepeoplecount` holds rows to add up per (space, visibility): after each
statement that inserts, deletes or updates search rows, a trigger appends what it moved, read
from the rows' own space lexemes in the statement's transition tables (one row per space and
visibility, not one per person), so writers never wait on one another; past FOLD_AFTER rows
the writer that takes the advisory lock without waiting folds them, as migration 0012 does
for `members_profilecount`. The table starts from the search rows there are. Nothing on
SQLite: the home page counts there with its queryset.
"""

from django.db import migrations, models

# Folded, the table holds a row per space and visibility present: a few dozen at most.
FOLD_AFTER = 256
# A search row's spaces: its `_sp<id>` lexemes (tsvector lexemes are unique within a row,
# so a home space that is also a membership counts once, as the directory's filter does).
SPACES = (
    "SELECT r.visibility, substr(l.lexeme, 4)::bigint AS space_id, {sign} AS d FROM {rows} r "
    "CROSS JOIN LATERAL unnest(r.search_vector) l WHERE l.lexeme ~ '^_sp[0-9]+$'"
)
GROUPED = "SELECT space_id, visibility, sum(d) FROM ({rows}) s GROUP BY space_id, visibility"
MOVED = {
    "insert": GROUPED.format(rows=SPACES.format(sign=1, rows="new_rows")),
    "delete": GROUPED.format(rows=SPACES.format(sign=-1, rows="old_rows")),
    "update": GROUPED.format(
        rows=SPACES.format(sign=-1, rows="old_rows")
        + " UNION ALL "
        + SPACES.format(sign=1, rows="new_rows")
    )
    + " HAVING sum(d) <> 0",
}
TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
FUNCTION = """
    CREATE OR REPLACE FUNCTION members_spacepeoplecount_{op}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO members_spacepeoplecount (space_id, visibility, n) {moved};
        IF (SELECT count(*) FROM (SELECT 1 FROM members_spacepeoplecount LIMIT {limit}) r)
               > {fold_after}
           AND pg_try_advisory_xact_lock(hashtext('members_spacepeoplecount')) THEN
            WITH folded AS (
                DELETE FROM members_spacepeoplecount RETURNING space_id, visibility, n
            )
            INSERT INTO members_spacepeoplecount (space_id, visibility, n)
            SELECT space_id, visibility, sum(n) FROM folded
            GROUP BY space_id, visibility HAVING sum(n) <> 0;
        END IF;
        RETURN NULL;
    END $$
"""
TRIGGER = """
    CREATE TRIGGER members_spacepeoplecount_{op} AFTER {OP} ON members_profilesearch
    REFERENCING {tables} FOR EACH STATEMENT
    EXECUTE FUNCTION members_spacepeoplecount_{op}()
"""
FILL = "INSERT INTO members_spacepeoplecount (space_id, visibility, n) " + GROUPED.format(
    rows=SPACES.format(sign=1, rows="members_profilesearch")
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op, moved in MOVED.items():
        schema_editor.execute(
            FUNCTION.format(op=op, moved=moved, limit=FOLD_AFTER + 1, fold_after=FOLD_AFTER)
        )
        schema_editor.execute(TRIGGER.format(op=op, OP=op.upper(), tables=TABLES[op]))
    # CREATE TRIGGER locks the table against writes until this migration commits: the
    # count below and the triggers start from the same rows.
    schema_editor.execute(FILL)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op in MOVED:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS members_spacepeoplecount_{op} ON members_profilesearch"
        )
        schema_editor.execute(f"DROP FUNCTION IF EXISTS members_spacepeoplecount_{op}()")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_profile_count"),
    ]

    operations = [
        migrations.CreateModel(
            name="SpacePeopleCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("space_id", models.BigIntegerField(verbose_name="space id")),
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
                ("n", models.BigIntegerField(verbose_name="people")),
            ],
            options={
                "verbose_name": "space people count",
                "verbose_name_plural": "space people counts",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
