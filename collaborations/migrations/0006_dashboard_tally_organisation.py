"""The dashboard counts outside organisations among "companies and organisations": a tally of
participations by outside organisation (by normalised name), counted from the ledger here and
kept by the services from now on.

Self-contained on purpose (the historical models, the rule written out): a migration that
imported the live summary code would break on the day that code changes its fields. The rule
is `services.summary.contribution()`'s: in a confirmed collaboration, each participant row
with an outside organisation's name and neither a member nor a company counts once, under
the name stripped and case-folded (`models.core.organisation_key`), cut to the column.
"""

from collections import Counter

from django.db import migrations, models

DIMENSION = "organisation"
KEY_LENGTH = 160  # DashboardTally.organisation's max_length in this migration


def organisation_tallies_count(apps, schema_editor):
    Participant = apps.get_model("collaborations", "Participant")
    Tally = apps.get_model("collaborations", "DashboardTally")
    Generation = apps.get_model("collaborations", "DashboardGeneration")
    Snapshot = apps.get_model("collaborations", "DashboardSnapshot")
    Tally.objects.filter(dimension=DIMENSION).delete()
    names = (
        Participant.objects.filter(
            collaboration__status="confirmed", user__isnull=True, company__isnull=True
        )
        .exclude(organisation="")
        .values_list("organisation", flat=True)
    )
    counts = Counter(name.strip().casefold()[:KEY_LENGTH] for name in names.iterator())
    Tally.objects.bulk_create(
        Tally(dimension=DIMENSION, organisation=name, n=n) for name, n in counts.items() if name
    )
    # The dashboard's stored drawings were made without them: drawn again at the next visit
    # (a page the shared cache keeps expires within its few minutes).
    Generation.objects.update(n=models.F("n") + 1)
    Snapshot.objects.all().delete()


def organisation_tallies_drop(apps, schema_editor):
    apps.get_model("collaborations", "DashboardTally").objects.filter(dimension=DIMENSION).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0005_participant_former_member"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dashboardtally",
            name="dimension",
            field=models.CharField(
                choices=[
                    ("year", "by year"),
                    ("kind", "by kind"),
                    ("origin", "by origin"),
                    ("introducer", "by introducer"),
                    ("place", "by place"),
                    ("member", "participations by member"),
                    ("company", "participations by company"),
                    ("organisation", "participations by outside organisation"),
                    ("party-public", "parties, public collaborations"),
                    ("party-members", "parties, public and members-only collaborations"),
                ],
                max_length=16,
                verbose_name="dimension",
            ),
        ),
        migrations.RunPython(organisation_tallies_count, organisation_tallies_drop),
    ]
