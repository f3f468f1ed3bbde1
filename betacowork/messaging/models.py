"""The outbox row: one email to send, exactly once.

The table keeps the name it had when the outbox lived in `members` (`members_outbox`): the
move to this app changed Django's state only, not one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """Every outgoing message, written in the transaction of the change that causes it.

    `dedup_key` is unique and says what the message is for, so a message is written once
    whatever the retries. A sender claims a row by committing a lease (`claimed_until`)
    before it talks to the mail server; a row whose lease expired is claimable again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Unique by a constraint, not `unique=True`: on PostgreSQL that would add a second,
    # `varchar_pattern_ops` index for LIKE 'prefix%' queries nothing runs, which every INSERT,
    # claim and "sent" UPDATE of the outbox would maintain (likewise `topic`'s, below).
    dedup_key = models.CharField(_("de-duplication key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=60)
    topic = models.CharField(
        _("topic"),
        max_length=80,
        blank=True,
        help_text=_("What the message is about, e.g. event:42 (used for delivery logs)."),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    payload = models.JSONField(
        _("payload"),
        default=dict,
        blank=True,
        help_text=_(
            "For a message written as data (ids only): what its kind renders it from, just "
            "before it is sent. Empty for messages rendered when written."
        ),
    )
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("A list of {filename, content, mimetype} objects (text content only)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.CharField(_("claim token"), max_length=36, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "members_outbox"
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], name="members_outbox_dedup_key_uniq")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="members_outbox_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["topic"], name="members_outbox_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.get_status_display()})"
