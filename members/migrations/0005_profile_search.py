"""A narrow companion of members_profile for the directory's search (members.ProfileSearch).

Filled from the existing rows here, then kept by members.search.profile_search_refresh().
PostgreSQL also gets: the GIN index on the vector, MAIN storage (the vector stays inline and
uncompressed in these narrow rows: ranking then never decompresses nor fetches from TOAST),
and a trigger that copies visibility, owner and name when a profile row changes them by a
path that does not refresh (a queryset .update(), raw SQL).
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

COPY = """
    INSERT INTO members_profilesearch (profile_id, visibility, user_id, display_name, search_vector)
    SELECT id, visibility, user_id, display_name, {vector} FROM members_profile
"""
POSTGRES_FORWARD = [
    "ALTER TABLE members_profilesearch ALTER COLUMN search_vector SET STORAGE MAIN",
    # No statistics on the vector: the planner then assumes a search matches few rows and
    # always takes the GIN index. With statistics it scans this narrow table from end to end
    # for a common word (its cost model prices a tsquery match like an integer comparison):
    # 10 ms of matching every row, against 3-5 ms through the index.
    "ALTER TABLE members_profilesearch ALTER COLUMN search_vector SET STATISTICS 0",
    "CREATE INDEX members_profilesearch_gin ON members_profilesearch USING gin (search_vector)",
    """
    CREATE FUNCTION members_profilesearch_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_profilesearch
           SET visibility = NEW.visibility, user_id = NEW.user_id,
               display_name = NEW.display_name
         WHERE profile_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER members_profilesearch_sync
    AFTER UPDATE OF visibility, user_id, display_name ON members_profile
    FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility
          OR OLD.user_id IS DISTINCT FROM NEW.user_id
          OR OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION members_profilesearch_sync()
    """,
    COPY.format(vector="search_vector"),
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS members_profilesearch_sync ON members_profile",
    "DROP FUNCTION IF EXISTS members_profilesearch_sync()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)
    else:
        schema_editor.execute(COPY.format(vector="NULL"))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_profile_visible_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProfileSearch",
            fields=[
                (
                    "profile",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_row",
                        serialize=False,
                        to="members.profile",
                        verbose_name="profile",
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
                ("user_id", models.BigIntegerField(verbose_name="user id")),
                ("display_name", models.CharField(max_length=150, verbose_name="display name")),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(
                        null=True, verbose_name="search vector"
                    ),
                ),
            ],
            options={
                "verbose_name": "profile search row",
                "verbose_name_plural": "profile search rows",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
