"""The directory's search rows carry term and facet lexemes; the wide profile loses its vector.

`members_profilesearch` gains "member since" and the creation date (the "joined recently"
filter and the "newest members" order), its trigger also copies "member since", and every
row is rebuilt by `members.search.profile_search_refresh()`: the vector now holds each term
as one lexeme (`_t<id>`) instead of its names and synonyms in three languages, plus the
skills, offers, seeks, spaces, plans, languages and places the filters look up. Every
filtered directory list is answered from these rows on PostgreSQL, so the copy of the vector
on `members_profile` (and its GIN index) goes.
"""

from django.db import migrations, models

SYNC_FUNCTION = """
    CREATE OR REPLACE FUNCTION members_profilesearch_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_profilesearch
           SET visibility = NEW.visibility, user_id = NEW.user_id,
               display_name = NEW.display_name{extra}
         WHERE profile_id = NEW.id;
        RETURN NULL;
    END $$
"""
SYNC_TRIGGER = """
    CREATE TRIGGER members_profilesearch_sync
    AFTER UPDATE OF {columns} ON members_profile
    FOR EACH ROW
    WHEN ({when})
    EXECUTE FUNCTION members_profilesearch_sync()
"""
OLD_COLUMNS = ["visibility", "user_id", "display_name"]
NEW_COLUMNS = [*OLD_COLUMNS, "member_since"]


def _trigger(columns: list[str]) -> list[str]:
    extra = ", member_since = NEW.member_since" if "member_since" in columns else ""
    when = "\n          OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return [
        "DROP TRIGGER IF EXISTS members_profilesearch_sync ON members_profile",
        SYNC_FUNCTION.format(extra=extra),
        SYNC_TRIGGER.format(columns=", ".join(columns), when=when),
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in _trigger(NEW_COLUMNS):
            schema_editor.execute(sql)
    # Rebuild every row with the code that reads them (a no-op on a new, empty database),
    # into an emptied table: rewriting each row in place would leave it half dead space.
    from members.search import profile_search_refresh

    if apps.get_model("members", "Profile").objects.exists():
        apps.get_model("members", "ProfileSearch").objects.all().delete()
        profile_search_refresh()


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in _trigger(OLD_COLUMNS):
            schema_editor.execute(sql)


def old_index_restore(apps, schema_editor):
    """Going back: the profile's vector column is back (empty until a refresh), with its index."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS members_profile_search_gin "
            "ON members_profile USING gin (search_vector)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_profile_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="profilesearch",
            name="member_since",
            field=models.DateField(null=True, verbose_name="member since"),
        ),
        migrations.AddField(
            model_name="profilesearch",
            name="created_on",
            field=models.DateField(null=True, verbose_name="created"),
        ),
        migrations.RunPython(migrations.RunPython.noop, old_index_restore),
        migrations.RemoveField(
            model_name="profile",
            name="search_vector",
        ),
        migrations.RunPython(forward, backward),
    ]
