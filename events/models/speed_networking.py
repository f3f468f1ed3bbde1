"""Speed networking: a session per event, its rounds and seats, requests, and meetings.

A `Seat` says who sits at which table in a round; a round is *played* once it started
(`Round.started_at`) and never changes after that. When a round is played its tables
become `Meeting` rows — who met whom, remembered across events: they feed the planner's
history, "people you should meet" and the post-event collaboration prompt.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MAX_ROUNDS = 12
MAX_REQUESTS = 5


class NetworkingSession(models.Model):
    """The speed-networking plan of one event and where the evening stands."""

    event = models.OneToOneField(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="networking",
    )
    table_size = models.PositiveSmallIntegerField(
        _("people per table"),
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(6)],
        help_text=_("2 for pairs; up to 6 per table."),
    )
    round_minutes = models.PositiveSmallIntegerField(
        _("minutes per round"), default=6, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    current_round = models.PositiveSmallIntegerField(
        _("current round"), default=0, help_text=_("0: the evening has not started.")
    )
    round_started_at = models.DateTimeField(_("current round started at"), null=True, blank=True)
    warnings = models.JSONField(_("planner warnings"), default=list, blank=True)
    generated_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("speed-networking session")
        verbose_name_plural = _("speed-networking sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(table_size__gte=2) & Q(table_size__lte=6),
                name="events_networking_table_size_range",
                violation_error_message=_("A table seats 2 to 6 people."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} · speed networking"


class Round(models.Model):
    session = models.ForeignKey(
        NetworkingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="rounds",
    )
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ROUNDS)]
    )
    started_at = models.DateTimeField(
        _("started at"), null=True, blank=True, help_text=_("A started round never changes.")
    )

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="events_round_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.session.event} · round {self.number}"

    @property
    def is_played(self) -> bool:
        return self.started_at is not None


class Seat(models.Model):
    """One person at one table in one round."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="seats"
    )
    table = models.PositiveSmallIntegerField(_("table"), validators=[MinValueValidator(1)])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="networking_seats",
    )

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["round", "table", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="events_seat_once_per_round")
        ]
        indexes = [models.Index(fields=["user", "round"], name="events_seat_user_idx")]

    def __str__(self) -> str:
        return f"{self.round} · table {self.table} · {self.user}"


class MeetingRequest(models.Model):
    """ "I'd like to meet": a registrant marks another registrant before the event."""

    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="meeting_requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="meeting_requests_made",
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("would like to meet"),
        on_delete=models.CASCADE,
        related_name="meeting_requests_received",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        ordering = ["event", "requester", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "requester", "target"],
                name="events_meetingrequest_once",
                violation_error_message=_("You already asked to meet this person."),
            ),
            models.CheckConstraint(
                condition=~Q(requester=F("target")),
                name="events_meetingrequest_not_self",
                violation_error_message=_("You cannot ask to meet yourself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.target} ({self.event})"


class Meeting(models.Model):
    """Two members sat at the same table in a played round; stored once per event and pair
    (`person_a` has the smaller id)."""

    event = models.ForeignKey(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="meetings"
    )
    person_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="meetings_as_a",
    )
    person_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("other person"),
        on_delete=models.CASCADE,
        related_name="meetings_as_b",
    )
    round_number = models.PositiveSmallIntegerField(_("round"))
    met_on = models.DateField(_("met on"))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-met_on", "event", "round_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person_a", "person_b"], name="events_meeting_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(person_a__lt=F("person_b")), name="events_meeting_ordered_pair"
            ),
        ]
        indexes = [models.Index(fields=["person_b", "person_a"], name="events_meeting_b_idx")]

    def __str__(self) -> str:
        return f"{self.person_a} and {self.person_b} ({self.event})"
