"""Events and recurring series (speakers: speakers.py; seats: registrations.py).

Contract other apps code against (reminders, collaborations): the names of these models and
fields, `Event.version` (bumped when the time or place changes: it is the .ics SEQUENCE and
part of reminder de-duplication keys), and `Event.effective_reminder_offsets`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .dates import validate_event_time


def default_reminder_offsets() -> list[int]:
    """24 h and 2 h before the start, in minutes."""
    return [1440, 120]


class EventVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class EventKind(models.Model):
    """Betacooks, Speed Networking, IT Day, Talk, Workshop, Other — with staff-editable defaults."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80, blank=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80, blank=True)
    default_capacity = models.PositiveIntegerField(
        _("default capacity"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    default_duration_minutes = models.PositiveIntegerField(
        _("default duration (minutes)"), default=90
    )
    reminder_offsets_minutes = models.JSONField(
        _("reminder offsets (minutes before the start)"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("For example [1440, 120]: 24 hours and 2 hours before the start."),
    )
    has_speakers = models.BooleanField(_("has speakers"), default=False)

    class Meta:
        verbose_name = _("event kind")
        verbose_name_plural = _("event kinds")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The kind's name in the active language, falling back to English."""
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en


class EventBasics(models.Model):
    """What an event and a series of events both say: its title and description, where in
    the space, how many seats, and who may see it (the rest differs: dates, relations)."""

    title = models.CharField(_("title"), max_length=200)
    # A page, not a book: every calendar feed carries it (a 1 MB one went to each subscriber).
    description = models.TextField(_("description"), blank=True, max_length=10_000)
    room = models.CharField(_("room / address"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=EventVisibility.choices,
        default=EventVisibility.PUBLIC,
    )

    class Meta:
        abstract = True


class EventSeries(EventBasics):
    """A recurring event, stored as local wall-clock time plus an RFC 5545 RRULE.

    Occurrences are generated some weeks ahead (periodic task and admin action). Generation
    is keyed on the occurrence's original local date (`Event.series_date`): an occurrence
    that was edited or cancelled is never recreated nor overwritten.
    """

    kind = models.ForeignKey(
        EventKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="series"
    )
    start_time = models.TimeField(
        _("local start time"), help_text=_("Wall-clock time in Brussels, e.g. 12:30.")
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=500,
        help_text=_(
            "An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU (every Tuesday) or "
            "FREQ=MONTHLY;BYDAY=1TH (first Thursday of the month)."
        ),
    )
    starts_on = models.DateField(_("first date"), default=timezone.localdate)
    ends_on = models.DateField(_("last date"), null=True, blank=True)
    space = models.ForeignKey(
        "members.Space",
        verbose_name=_("space"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_series",
    )
    chapter = models.ForeignKey(
        "members.Chapter",
        verbose_name=_("chapter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_series",
    )
    publish = models.BooleanField(
        _("publish occurrences"),
        default=True,
        help_text=_("Generated occurrences are published at once (otherwise left as drafts)."),
    )
    # A year at most: a typo of 80 would create (and announce) 80 occurrences at once.
    weeks_ahead = models.PositiveSmallIntegerField(
        _("weeks generated ahead"), default=8, validators=[MaxValueValidator(52)]
    )
    active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateField(_("generated until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A first date an event could have (`validate_event_time`): from year 1 every
        generation would walk the rule over centuries, from 5026 create nothing. Checked
        where a series is saved (`series_save`, the console and the admin), not when one is
        generated: a series saved before keeps generating."""
        super().clean()
        if self.starts_on and self.start_time:
            first = datetime.combine(self.starts_on, self.start_time)
            try:
                validate_event_time(first.replace(tzinfo=timezone.get_default_timezone()))
            except ValidationError as exc:
                raise ValidationError({"starts_on": exc.messages}) from exc


class EventQuerySet(models.QuerySet):
    def published(self) -> EventQuerySet:
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def visible_to(self, user) -> EventQuerySet:
        """Events `user` may see: published (or cancelled) ones, members-only for members;
        staff and the chapter's organisers also see drafts (to preview them). The rule is
        `events.rules.event_visibility_q` (the `events.view_event` permission)."""
        from ..rules import event_visibility_q

        condition = event_visibility_q(user)
        return self.all() if condition is None else self.filter(condition)

    def run_by(self, user) -> EventQuerySet:
        """Events `user` may run (edit, check in, export…): `events.change_event`."""
        from ..rules import run_by_q

        condition = run_by_q(user)
        return self.all() if condition is None else self.filter(condition)

    def upcoming(self, now=None) -> EventQuerySet:
        return self.filter(end__gt=now or timezone.now())


class Event(EventBasics):
    Visibility = EventVisibility

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.ForeignKey(
        EventKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="events"
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    space = models.ForeignKey(
        "members.Space",
        verbose_name=_("space"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    chapter = models.ForeignKey(
        "members.Chapter",
        verbose_name=_("chapter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: registration stays open until the event starts."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    series_date = models.DateField(
        _("original date in the series"),
        null=True,
        blank=True,
        help_text=_("The local date the series rule generated this occurrence for."),
    )
    detached = models.BooleanField(
        _("edited apart from its series"),
        default=False,
        help_text=_("Set when one occurrence is edited: series changes leave it alone."),
    )
    reminder_offsets_minutes = models.JSONField(
        _("reminder offsets (minutes before the start)"),
        null=True,
        blank=True,
        help_text=_("Empty: use the event kind's offsets."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Increases when the time or place changes (the calendar SEQUENCE)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_events",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When the registrants were last told a new time or place ("event changed", with the
    # calendar file): the reminders falling due just after are not sent (reminders.py).
    rescheduled_at = models.DateTimeField(
        _("registrants told of a new time or place at"), null=True, blank=True, editable=False
    )
    # The time and place its registrants were last told, kept while the event is unpublished
    # and has moved since: nobody is told of a draft's moves, but when it is published again
    # they are, once, from this to the time and place it has then (lifecycle.py). None when
    # they know the time and place it has.
    told_schedule = models.JSONField(
        _("time and place its registrants were last told"),
        null=True,
        blank=True,
        editable=False,
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="events_event_end_after_start",
                violation_error_message=_("An event must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(series__isnull=False, series_date__isnull=False),
                name="events_event_one_occurrence_per_series_date",
                violation_error_message=_("This series already has an occurrence on that date."),
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.title} ({local:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def effective_reminder_offsets(self) -> list[int]:
        """Minutes before the start at which reminders go out (the event's, else its kind's)."""
        offsets = self.reminder_offsets_minutes
        if offsets is None:
            offsets = self.kind.reminder_offsets_minutes
        return sorted({int(o) for o in (offsets or []) if int(o) > 0}, reverse=True)

    @property
    def duration(self) -> timedelta:
        # Subtract instants, not wall clocks (aware datetimes in one zone subtract naively).
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def place(self) -> str:
        """A one-line place for calendars and emails."""
        parts = []
        if self.space_id:
            parts.append(self.space.name)
        if self.room:
            parts.append(self.room)
        elif self.space_id and self.space.address:
            parts.append(self.space.address)
        if self.space_id and self.space.city and self.space.city not in " ".join(parts):
            parts.append(self.space.city)
        return ", ".join(parts)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.start

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) >= self.end

    def registration_closed(self, now=None) -> bool:
        """The event has started, or its registration window has closed (the cards' badge;
        `registration_refusal` says why to someone who tries)."""
        now = now or timezone.now()
        return now >= self.start or bool(
            self.registration_closes_at and now >= self.registration_closes_at
        )

    def registration_not_open_yet(self, now=None) -> bool:
        return bool(
            self.registration_opens_at and (now or timezone.now()) < self.registration_opens_at
        )
