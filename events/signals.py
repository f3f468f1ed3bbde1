"""Guests who later sign up get their registrations once they verify that email."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver


@receiver(email_confirmed)
def registrations_join_account(sender, request, email_address, **kwargs):
    from .services import registrations_claim_for_user

    registrations_claim_for_user(user=email_address.user, email=email_address.email)
