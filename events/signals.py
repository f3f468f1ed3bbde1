"""Guests who sign up get their registrations (a receiver); a deleted account frees its seats
(a step of `members.services.account_delete`, registered in EventsConfig.ready())."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver
from django.utils import timezone


@receiver(email_confirmed)
def registrations_join_account(sender, request, email_address, **kwargs):
    from .services import registrations_claim_for_user

    registrations_claim_for_user(user=email_address.user, email=email_address.email)


def registrations_cancel_for_deleted_user(*, user) -> None:
    """Someone who deletes their account will not come: their upcoming seats go to the
    waitlist (a step of `account_delete`, in its transaction). Past registrations stay, with
    the name snapshot, so attendance history survives."""
    from .models import Registration
    from .services import registration_cancel

    upcoming = Registration.objects.active().filter(user=user, event__start__gt=timezone.now())
    for registration in upcoming.select_related("event"):
        registration_cancel(registration=registration, actor=None)
