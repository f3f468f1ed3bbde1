"""Account steps of events (members/hooks.py, registered in EventsConfig.ready()): guests who
confirm their address get their registrations; a deleted account frees its seats and leaves
a former member's rows."""

from django.utils import timezone


def registrations_join_account(*, user, email: str) -> None:
    """A confirmed address: seats booked as a guest with it join the account."""
    from .services import registrations_claim_for_user

    registrations_claim_for_user(user=user, email=email)


def registrations_cancel_for_deleted_user(*, user) -> None:
    """Someone who deletes their account will not come: their upcoming seats go to the
    waitlist (a step of `account_delete`, in its transaction). Their registrations stay, so
    events' attendance survives, as a former member's: without their name, address or note
    (QA: a hidden profile's name showed on the lists once the account was gone, and notes
    about a past event still went to the address)."""
    from .models import Registration
    from .services import registration_cancel

    now = timezone.now()
    upcoming = Registration.objects.active().filter(user=user, event__start__gt=now)
    for registration in upcoming.select_related("event"):
        registration_cancel(registration=registration, actor=None)
    # A place on a waitlist is no attendance, even at an event that has started (a start
    # corrected later could otherwise promote nobody's row to a seat).
    Registration.objects.filter(user=user, status=Registration.Status.WAITLISTED).update(
        status=Registration.Status.CANCELLED, cancelled_at=now
    )
    Registration.objects.filter(user=user).update(former_member=True, name="", email="", note="")
