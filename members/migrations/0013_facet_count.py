"""How many profiles carry each facet, per visibility, kept by statement triggers (PostgreSQL).

A search row's vector holds its facets as lexemes that begin with "_" (`members.search`: terms
`_t<id>`, skills `_s<id>`, offers, seeks, spaces `_sp<id>`, plans, languages, places); words
never do. The home page counted every space's people from those lexemes (62 ms for three
spaces at 100,000 members) and the directory counted a one-facet list's or a common skill's
matches (3-6 ms) each time their figures were computed anew. `members_facetcount` holds rows
to add up per (lexeme, visibility): after each statement that inserts, deletes or updates
search rows, a trigger appends what it moved, read from the rows' own lexemes in the
statement's transition tables (one row per lexeme and visibility, none for an edit that moves
no facet), so writers never wait on one another. Every FOLD_EVERY statements (a sequence, not
a count of the rows) the writer that takes the advisory lock without waiting folds the rows
into one per lexeme and visibility. The table starts from the search rows there are. Nothing
on SQLite: the figures and lists are counted there with their querysets.
"""

from django.db import migrations, models

FOLD_EVERY = 512
# A search row's facets: its lexemes that begin with "_" (unique within a row: a home space
# that is also a membership counts once, as the directory's filter finds it once).
FACETS = (
    "SELECT l.lexeme, r.visibility, {sign} AS d FROM {rows} r "
    "CROSS JOIN LATERAL unnest(r.search_vector) l WHERE left(l.lexeme, 1) = '_'"
)
GROUPED = "SELECT lexeme, visibility, sum(d) FROM ({rows}) s GROUP BY lexeme, visibility"
MOVED = {
    "insert": GROUPED.format(rows=FACETS.format(sign=1, rows="new_rows")),
    "delete": GROUPED.format(rows=FACETS.format(sign=-1, rows="old_rows")),
    "update": GROUPED.format(
        rows=FACETS.format(sign=-1, rows="old_rows")
        + " UNION ALL "
        + FACETS.format(sign=1, rows="new_rows")
    )
    + " HAVING sum(d) <> 0",
}
TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
FUNCTION = """
    CREATE OR REPLACE FUNCTION members_facetcount_{op}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO members_facetcount (lexeme, visibility, n) {moved};
        IF mod(nextval('members_facetcount_fold'), {every}) = 0
           AND pg_try_advisory_xact_lock(hashtext('members_facetcount')) THEN
            WITH folded AS (DELETE FROM members_facetcount RETURNING lexeme, visibility, n)
            INSERT INTO members_facetcount (lexeme, visibility, n)
            SELECT lexeme, visibility, sum(n) FROM folded
            GROUP BY lexeme, visibility HAVING sum(n) <> 0;
        END IF;
        RETURN NULL;
    END $$
"""
TRIGGER = """
    CREATE TRIGGER members_facetcount_{op} AFTER {OP} ON members_profilesearch
    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION members_facetcount_{op}()
"""
FILL = "INSERT INTO members_facetcount (lexeme, visibility, n) " + GROUPED.format(
    rows=FACETS.format(sign=1, rows="members_profilesearch")
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS members_facetcount_fold")
    for op, moved in MOVED.items():
        schema_editor.execute(FUNCTION.format(op=op, moved=moved, every=FOLD_EVERY))
        schema_editor.execute(TRIGGER.format(op=op, OP=op.upper(), tables=TABLES[op]))
    # CREATE TRIGGER locks the table against writes until this migration commits: the
    # count below and the triggers start from the same rows.
    schema_editor.execute(FILL)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for op in MOVED:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS members_facetcount_{op} ON members_profilesearch"
        )
        schema_editor.execute(f"DROP FUNCTION IF EXISTS members_facetcount_{op}()")
    schema_editor.execute("DROP SEQUENCE IF EXISTS members_facetcount_fold")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_profile_count"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lexeme", models.CharField(max_length=200, verbose_name="facet")),
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
                "verbose_name": "facet count",
                "verbose_name_plural": "facet counts",
                "indexes": [
                    models.Index(fields=["lexeme"], name="members_facetcount_lexeme"),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
