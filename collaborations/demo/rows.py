"""Writing the demo's collaborations: the rows of one, the past events they began at, and the
check-ins and membership dates their stories need."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from events.models import Event, Registration
from members.models import Chapter, Company, Membership, Profile, User

from ..models import Collaboration, CollaborationHistory, Participant
from ..selectors.ledger import attended_registrations

K = Collaboration.Kind
R = Participant.Role
Origin = Collaboration.Origin
V = Collaboration.Visibility
S = Collaboration.Status


def _past_events(kind: str) -> list[Event]:
    return list(
        Event.objects.filter(
            kind__slug=kind, status=Event.Status.PUBLISHED, end__lt=timezone.now()
        ).order_by("start", "pk")
    )


def _ensure_attended(event: Event, user: User) -> None:
    """A check-in for `user` at `event`, unless they already attended it (a confirmed seat
    counts only where nobody was checked in: `attended_registrations`)."""
    seats = Registration.objects.filter(event=event, user=user)
    door_kept = event.registrations.filter(checked_in_at__isnull=False).exists()
    if seats.filter(status=Registration.Status.CONFIRMED).exists() and not door_kept:
        return
    if seats.filter(checked_in_at__isnull=False).exists():
        return
    if seats.exclude(status=Registration.Status.CANCELLED).exists():
        seats.exclude(status=Registration.Status.CANCELLED).update(
            checked_in_at=event.start + timedelta(minutes=5)
        )
        return
    Registration.objects.create(
        event=event,
        user=user,
        name=user.name,
        email=user.email,
        language=user.preferred_language,
        status=Registration.Status.CONFIRMED,
        created_at=event.start - timedelta(days=3),
        confirmed_at=event.start - timedelta(days=3),
        checked_in_at=event.start + timedelta(minutes=5),
    )


def _attendees(event: Event, exclude: set[int]) -> list[User]:
    """Who attended `event` as the ledger counts it (`attended_registrations`)."""
    attended = attended_registrations().filter(event=event, user__isnull=False)
    return list(
        User.objects.filter(pk__in=attended.values("user_id"))
        .exclude(pk__in=exclude)
        .order_by("email")
    )


def _write(
    *,
    title: str,
    author: User,
    author_role: str,
    kind: str,
    start: date,
    parties: list[tuple[object, str]],
    origin: str,
    event: Event | None,
    introducer: User | None,
    value,
    visibility: str,
    status: str,
    description: str,
    pending_users: set[int],
    staff: User | None,
    generated: int | None = None,
) -> bool:
    if Collaboration.objects.filter(title=title).exists():
        return False
    # Logged and confirmed a week after it began (or today): the home page lists the latest
    # confirmed first, and a whole demo confirmed at the same instant had no "latest".
    now = min(
        timezone.make_aware(datetime.combine(start + timedelta(days=7), time(12, 0))),
        timezone.now(),
    )
    space = event.space if event else getattr(author.profile, "home_space", None)
    # As the service does: an event's chapter, or the chapter its space hosts.
    chapter = event.chapter if event else Chapter.objects.filter(space=space).first()
    collab = Collaboration.objects.create(
        title=title,
        kind=kind,
        description=description,
        start_date=start,
        value_eur=Decimal(value) if value is not None else None,
        origin_type=origin,
        origin_event=event,
        introduced_by=introducer,
        space=space,
        chapter=chapter,
        visibility=visibility,
        status=status,
        author=author,
        author_name=author.name,
        confirmed_at=now if status == S.CONFIRMED else None,
    )
    rows = [
        Participant(
            collaboration=collab,
            user=author,
            company=author.profile.company if hasattr(author, "profile") else None,
            name=author.name,
            role=author_role,
            state=Participant.State.CONFIRMED,
            confirmed_at=now,
        )
    ]
    for party, role in parties:
        if isinstance(party, User):
            pending = party.pk in pending_users or status == S.PROPOSED
            declined = status == S.DECLINED
            state = (
                Participant.State.DECLINED
                if declined
                else Participant.State.PENDING
                if pending
                else Participant.State.CONFIRMED
            )
            rows.append(
                Participant(
                    collaboration=collab,
                    user=party,
                    company=party.profile.company if hasattr(party, "profile") else None,
                    name=party.name,
                    role=role,
                    state=state,
                    confirmed_at=now if state == Participant.State.CONFIRMED else None,
                )
            )
        else:
            company = party if isinstance(party, Company) else None
            confirmed = status == S.CONFIRMED
            rows.append(
                Participant(
                    collaboration=collab,
                    company=company,
                    organisation="" if company else str(party),
                    name=company.name if company else str(party),
                    role=role,
                    state=Participant.State.CONFIRMED if confirmed else Participant.State.PENDING,
                    confirmed_at=now if confirmed else None,
                    verified_by=staff if confirmed else None,
                )
            )
    Participant.objects.bulk_create(rows)
    entries = [
        CollaborationHistory(
            collaboration=collab,
            actor=author,
            actor_name=author.name,
            action=CollaborationHistory.Action.CREATED,
            changes={"seeded": True}
            if generated is None
            else {"seeded": True, "generated": generated},
        )
    ]
    if status != S.PROPOSED:
        entries.append(
            CollaborationHistory(
                collaboration=collab,
                actor=None,
                actor_name="",
                action=CollaborationHistory.Action.STATUS,
                changes={"status": [S.PROPOSED, status]},
            )
        )
    CollaborationHistory.objects.bulk_create(entries)
    Collaboration.objects.filter(pk=collab.pk).update(created_at=now, updated_at=now)
    CollaborationHistory.objects.filter(collaboration=collab).update(created_at=now)
    return True


def _member_from(user: User, day: date) -> None:
    """`user` became a member on `day` (the members seeder dates everyone from 2014)."""
    Profile.objects.filter(user=user, member_since__lt=day).update(member_since=day)
    Membership.objects.filter(user=user, start__lt=day).update(start=day)
