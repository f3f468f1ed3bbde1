"""Receivers: guests who sign up get their registrations; a deleted account frees its seats."""

from allauth.account.signals import email_confirmed
from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone


@receiver(email_confirmed)
def registrations_join_account(sender, request, email_address, **kwargs):
    from .services import registrations_claim_for_user

    registrations_claim_for_user(user=email_address.user, email=email_address.email)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="events_free_seats_of_deleted")
def registrations_cancel_for_deleted_user(sender, instance, **kwargs):
    """Someone who deletes their account will not come: their upcoming seats go to the
    waitlist (in the deletion's transaction). Past registrations stay, with the name snapshot,
    so attendance history survives."""
    from .models import Registration
    from .services import registration_cancel

    upcoming = Registration.objects.active().filter(user=instance, event__start__gt=timezone.now())
    for registration in upcoming.select_related("event"):
        registration_cancel(registration=registration, actor=None)
