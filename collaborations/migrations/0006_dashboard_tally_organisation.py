"""The dashboard counts outside organisations among "companies and organisations": a tally of
participations by outside organisation (by normalised name), counted from the ledger here and
kept by the services from now on."""

from django.db import migrations, models

DIMENSION = "organisation"


def organisation_tallies_count(apps, schema_editor):
    from collaborations.services.summary import contributions, tally_apply

    apps.get_model("collaborations", "DashboardTally").objects.filter(
        dimension=DIMENSION
    ).delete()
    models_then = (
        apps.get_model("collaborations", "Collaboration"),
        apps.get_model("collaborations", "Participant"),
    )
    counts = contributions(models=models_then)
    tally_apply({key: n for key, n in counts.items() if key[0] == DIMENSION})


def organisation_tallies_drop(apps, schema_editor):
    apps.get_model("collaborations", "DashboardTally").objects.filter(
        dimension=DIMENSION
    ).delete()


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
