"""A participant row keeps saying it was a member's after that member deletes their account
(`Participant.former_member`, set by the account deletion step from now on).

Rows of accounts deleted before this migration are found as well as they can be told apart:
their member is gone (`user` NULL) and the collaboration's latest participants snapshot in
its history lists them, by name and role, as a member. A row that snapshot does not list, or
lists under the same name and role as a company or an organisation too, is left as it was.
"""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import Q

CHUNK = 500


def _latest_snapshots(history, collab_ids) -> dict[int, list[dict]]:
    """{collaboration id: the participants of its latest snapshot}."""
    latest: dict[int, list[dict]] = {}
    entries = history.objects.filter(collaboration_id__in=collab_ids).order_by("created_at", "pk")
    for entry in entries.values("collaboration_id", "changes").iterator():
        changes = entry["changes"] if isinstance(entry["changes"], dict) else {}
        change = changes.get("participants")
        if isinstance(change, list) and len(change) == 2 and isinstance(change[1], list):
            latest[entry["collaboration_id"]] = change[1]
    return latest


def former_members_mark(apps, schema_editor):
    participant = apps.get_model("collaborations", "Participant")
    history = apps.get_model("collaborations", "CollaborationHistory")
    orphans = defaultdict(list)
    rows = participant.objects.filter(user__isnull=True, organisation="").order_by("pk")
    for row in rows.values("pk", "collaboration_id", "name", "role"):
        orphans[row["collaboration_id"]].append(row)
    collab_ids = sorted(orphans)
    marked = []
    for start in range(0, len(collab_ids), CHUNK):
        chunk = collab_ids[start : start + CHUNK]
        snapshots = _latest_snapshots(history, chunk)
        for collab_id in chunk:
            kinds = defaultdict(set)
            for party in snapshots.get(collab_id, []):
                if isinstance(party, dict):
                    kinds[(party.get("name"), party.get("role"))].add(party.get("kind"))
            marked += [
                row["pk"]
                for row in orphans[collab_id]
                if kinds.get((row["name"], row["role"])) == {"member"}
            ]
    for start in range(0, len(marked), CHUNK):
        participant.objects.filter(pk__in=marked[start : start + CHUNK]).update(
            former_member=True
        )


def former_members_unshare_companies(apps, schema_editor):
    """Backwards, before the constraint of 0001 comes back ("a company once per
    collaboration" over every row without a member): a former member's row that took part for
    a company the collaboration already names on another memberless row gives up its company
    (the company's own row keeps it, else the former member's first row). The name, role and
    answer stay; forwards again, `former_members_mark` finds the row from the history."""
    participant = apps.get_model("collaborations", "Participant")
    rows = (
        participant.objects.filter(user__isnull=True, company__isnull=False)
        .order_by("former_member", "pk")  # the company's own row (not a former member) first
        .values_list("pk", "collaboration_id", "company_id", "former_member")
    )
    seen = set()
    clashing = []
    for pk, collab_id, company_id, former in rows.iterator():
        if (collab_id, company_id) in seen and former:
            clashing.append(pk)
        seen.add((collab_id, company_id))
    for start in range(0, len(clashing), CHUNK):
        participant.objects.filter(pk__in=clashing[start : start + CHUNK]).update(company=None)


class Migration(migrations.Migration):
    dependencies = [
        ("collaborations", "0004_dashboard_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="former_member",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A member whose account was deleted: the name is kept, the answer they "
                    "gave too."
                ),
                verbose_name="former member",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="participant",
            name="collab_participant_company_once",
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=Q(company__isnull=False, user__isnull=True, former_member=False),
                fields=("collaboration", "company"),
                name="collab_participant_company_once",
                violation_error_message="This company is already a participant.",
            ),
        ),
        migrations.RunPython(former_members_mark, former_members_unshare_companies),
    ]
