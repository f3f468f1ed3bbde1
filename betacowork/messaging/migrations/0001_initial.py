"""The outbox moves from `members` to `messaging` without touching a row.

State only: the table keeps its name (`members_outbox`, `Meta.db_table`), its indexes and
its foreign key; `members` 0009 removes the model from its own state. The content type is
renamed in place, so staff permissions on the outbox and admin log entries stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, source="members", target="messaging"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="outbox").exists():
        ContentType.objects.filter(app_label=source, model="outbox").update(app_label=target)


def content_type_back(apps, schema_editor):
    content_type_move(apps, schema_editor, source="messaging", target="members")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0008_outbox_payload"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Outbox",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("dedup_key", models.CharField(max_length=200, unique=True, verbose_name="de-duplication key")),
                        ("kind", models.CharField(max_length=60, verbose_name="kind")),
                        ("topic", models.CharField(blank=True, db_index=True, help_text="What the message is about, e.g. event:42 (used for delivery logs).", max_length=80, verbose_name="topic")),
                        ("to_email", models.EmailField(max_length=254, verbose_name="to")),
                        ("language", models.CharField(choices=[("en", "English"), ("fr", "French"), ("nl", "Dutch")], max_length=8, verbose_name="language")),
                        ("from_email", models.CharField(blank=True, max_length=254, verbose_name="from")),
                        ("subject", models.CharField(max_length=255, verbose_name="subject")),
                        ("body_text", models.TextField(verbose_name="plain text")),
                        ("body_html", models.TextField(blank=True, verbose_name="HTML")),
                        ("headers", models.JSONField(blank=True, default=dict, verbose_name="headers")),
                        ("payload", models.JSONField(blank=True, default=dict, help_text="For a message written as data (ids only): what its kind renders it from, just before it is sent. Empty for messages rendered when written.", verbose_name="payload")),
                        ("attachments", models.JSONField(blank=True, default=list, help_text="A list of {filename, content, mimetype} objects (text content only).", verbose_name="attachments")),
                        ("status", models.CharField(choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")], default="pending", max_length=10, verbose_name="status")),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt")),
                        ("claimed_until", models.DateTimeField(blank=True, null=True, verbose_name="claimed until")),
                        ("claim_token", models.CharField(blank=True, max_length=36, verbose_name="claim token")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                        ("recipient", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="outbox_messages", to=settings.AUTH_USER_MODEL, verbose_name="recipient account")),
                    ],
                    options={
                        "verbose_name": "outgoing message",
                        "verbose_name_plural": "outbox",
                        "db_table": "members_outbox",
                        "ordering": ["-created_at"],
                        "indexes": [models.Index(condition=models.Q(("status", "pending")), fields=["next_attempt_at"], name="members_outbox_due_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_back),
    ]
