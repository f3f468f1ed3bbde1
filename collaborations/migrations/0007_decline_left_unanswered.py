"""Collaborations a former member left unanswered before today's rule (a deleted account's
pending answer declines its collaboration: `services.common.status_recompute`) stop waiting:
declined, with the STATUS history entry the rule writes (no actor). Neither state counts on
the dashboard, so its tallies do not move. Written with the historical models only.
Backwards: nothing (which ones were declined this way is in their history)."""

from django.db import migrations
from django.utils import timezone


def decline_left_unanswered(apps, schema_editor):
    collaboration = apps.get_model("collaborations", "Collaboration")
    participant = apps.get_model("collaborations", "Participant")
    history = apps.get_model("collaborations", "CollaborationHistory")
    stuck = list(
        collaboration.objects.filter(
            status="proposed",
            pk__in=participant.objects.filter(former_member=True, state="pending").values(
                "collaboration_id"
            ),
        ).values_list("pk", "revision")
    )
    if not stuck:
        return
    collaboration.objects.filter(pk__in=[pk for pk, _revision in stuck]).update(
        status="declined", confirmed_at=None, updated_at=timezone.now()
    )
    history.objects.bulk_create(
        [
            history(
                collaboration_id=pk,
                actor=None,
                actor_name="",
                action="status",
                changes={"status": ["proposed", "declined"]},
                revision=revision,
            )
            for pk, revision in stuck
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("collaborations", "0006_dashboard_tally_organisation")]

    operations = [migrations.RunPython(decline_left_unanswered, migrations.RunPython.noop)]
