"""The dashboard's network no longer counts a former member's participant rows as parties:
the company they took part for was a node linked to a page that is a 404 to the members who
did not take part (its page opens through them only to those who may read their kept name).
The party tallies are counted again from the ledger here; the services keep them from now on.

Self-contained on purpose (the historical models, the rule written out), as 0006: the rule is
`services.summary.contribution()`'s for the two party dimensions. In a confirmed collaboration
shown to the public (both dimensions) or to members (the members' one), each participant row
that is not a former member's and names someone — a member, a company or an outside
organisation — counts once under its (member, company, organisation) key.
"""

from collections import Counter

from django.db import migrations, models

VISIBLE_TO = {"public": ("party-public", "party-members"), "members": ("party-members",)}
DIMENSIONS = ("party-public", "party-members")


def _count(apps, *, former_members: bool) -> None:
    Participant = apps.get_model("collaborations", "Participant")
    Tally = apps.get_model("collaborations", "DashboardTally")
    Generation = apps.get_model("collaborations", "DashboardGeneration")
    Snapshot = apps.get_model("collaborations", "DashboardSnapshot")
    Tally.objects.filter(dimension__in=DIMENSIONS).delete()
    rows = Participant.objects.filter(
        collaboration__status="confirmed", collaboration__visibility__in=list(VISIBLE_TO)
    )
    if not former_members:
        rows = rows.filter(former_member=False)
    counts = Counter()
    for visibility, user_id, company_id, organisation in rows.values_list(
        "collaboration__visibility", "user_id", "company_id", "organisation"
    ).iterator():
        if not (user_id or company_id or organisation):
            continue  # nobody left to name
        for dimension in VISIBLE_TO[visibility]:
            counts[(dimension, user_id or 0, company_id or 0, organisation)] += 1
    Tally.objects.bulk_create(
        Tally(dimension=d, user_id=u, company_id=c, organisation=o, n=n)
        for (d, u, c, o), n in counts.items()
    )
    # The dashboard's stored drawings named them: drawn again at the next visit (a page the
    # shared cache keeps expires within its few minutes).
    Generation.objects.update(n=models.F("n") + 1)
    Snapshot.objects.all().delete()


def party_tallies_without_former_members(apps, schema_editor):
    _count(apps, former_members=False)


def party_tallies_with_former_members(apps, schema_editor):
    _count(apps, former_members=True)  # the rule before this migration


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0007_decline_left_unanswered"),
    ]

    operations = [
        migrations.RunPython(
            party_tallies_without_former_members, party_tallies_with_former_members
        ),
    ]
