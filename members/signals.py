"""Receivers: a profile for every account, hidden until its first login when the account
signed itself up; logins and confirmed addresses handed to the ordered steps of
members/hooks.py; and the search document kept in step with profiles, companies and
vocabulary terms."""

from allauth.account.adapter import get_adapter
from allauth.account.signals import email_added, email_confirmed, user_signed_up
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.urls import reverse

from .directory.cache import directory_invalidate
from .models import Company, Membership, Profile, Space, Term, User
from .search import profile_search_refresh_later, profiles_of_terms


@receiver(post_save, sender=User)
def user_profile_ensure(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    """Every account has a profile from its first save."""
    if created and not raw:
        from .services import profile_create_for_user

        profile_create_for_user(user=instance)


@receiver(post_save, sender=User)
def profile_follows_account(
    sender, instance: User, created: bool, raw: bool = False, update_fields=None, **kwargs
):
    """Staff deactivated or reactivated the account (in the admin): its profile is hidden or
    shown again in the same transaction. After `user_profile_ensure`, so an account created
    inactive has its profile already. Only when `is_active` changed since the account was
    read (`User.from_db`): a sign-in's last_login costs nothing."""
    if raw or (update_fields is not None and "is_active" not in update_fields):
        return
    saved = instance.__dict__.get("_is_active_saved", True if created else None)
    instance._is_active_saved = instance.is_active
    if saved is None or saved != instance.is_active:
        from .services import profile_follow_account

        profile_follow_account(user=instance)


@receiver(user_signed_up)
def signed_up(sender, request, user, **kwargs):
    """An account made by allauth's sign-up (only there: accounts made by staff, imports,
    the demo seeder or tests keep the profile `user_profile_ensure` gave them) is hidden
    until its first login, which needs a confirmed address. allauth sends this before it
    logs anyone in, so the login that follows, if any, shows the profile again."""
    from .services import profile_hide_until_first_login

    profile_hide_until_first_login(user=user)


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    """Every login (allauth's and the admin's): the member's language for the rest of the
    request, then the `signed_in` steps, in order."""
    from .hooks import run_signed_in
    from .middleware import user_language_apply

    # Django sends this from login(), before allauth makes its "Successfully signed in"
    # message (adapter.login, then post_login): without it the message is in the language
    # of the anonymous visitor, whereas the next page is in the member's. Only for a request
    # being served (LocaleMiddleware has set its LANGUAGE_CODE): the test client's login()
    # builds a bare request, and switching there would switch the caller's thread.
    if request is not None and hasattr(request, "LANGUAGE_CODE"):
        user_language_apply(request, user)
    if getattr(user, "pk", None):
        run_signed_in(user=user, request=request)


@receiver(email_confirmed)
def address_confirmed(sender, request, email_address, **kwargs):
    """A confirmed address: the `email_confirmed` steps, in order."""
    from .hooks import run_email_confirmed

    run_email_confirmed(user=email_address.user, email=email_address.email)


@receiver(post_save, sender=Profile)
def profile_search_on_save(sender, instance: Profile, raw: bool = False, **kwargs):
    if not raw:
        profile_search_refresh_later([instance.pk])


def _terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # The term's profiles are about to be removed: remember them for post_clear.
        instance._search_clearing = profiles_of_terms([instance.pk])
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        profile_search_refresh_later([instance.pk])
    elif action == "post_clear":
        profile_search_refresh_later(getattr(instance, "_search_clearing", set()))
    else:
        profile_search_refresh_later(pk_set or [])


for _field in ("skills", "offers", "seeks"):
    m2m_changed.connect(
        _terms_changed,
        sender=getattr(Profile, _field).through,
        dispatch_uid=f"members_search_{_field}",
    )


@receiver(post_save, sender=Company)
def company_search_on_save(sender, instance: Company, created: bool, raw=False, **kwargs):
    """A renamed company: every profile of its people is searchable under the new name."""
    if not created and not raw:
        profile_search_refresh_later(
            Profile.objects.filter(company_id=instance.pk).values_list("pk", flat=True)
        )


@receiver(pre_delete, sender=Company)
def company_search_before_delete(sender, instance: Company, **kwargs):
    instance._search_profiles = set(
        Profile.objects.filter(company_id=instance.pk).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Company)
def company_search_after_delete(sender, instance: Company, **kwargs):
    profile_search_refresh_later(getattr(instance, "_search_profiles", set()))


@receiver(post_save, sender=Term)
def term_search_on_save(sender, instance: Term, created: bool, raw=False, **kwargs):
    """A renamed term or new synonym: its profiles are found by the new words at once.

    The profiles' rows hold only the term's id; what changes is the word-to-term index the
    directory expands searches with, kept with the filter options until the next
    invalidation — so invalidate even when no profile uses the term (a new term must show
    in the filters too).
    """
    if not raw:
        if not created:
            profile_search_refresh_later(profiles_of_terms([instance.pk]))
        directory_invalidate()


@receiver(pre_delete, sender=Term)
def term_search_before_delete(sender, instance: Term, **kwargs):
    instance._search_profiles = profiles_of_terms([instance.pk])


@receiver(post_delete, sender=Term)
def term_search_after_delete(sender, instance: Term, **kwargs):
    profile_search_refresh_later(getattr(instance, "_search_profiles", set()))


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_search_on_change(sender, instance: Membership, raw: bool = False, **kwargs):
    """Space and plan filters read the profile's search row: rebuild it."""
    if not raw:
        profile_search_refresh_later(
            Profile.objects.filter(user_id=instance.user_id).values_list("pk", flat=True)
        )
        directory_invalidate()


@receiver(pre_delete, sender=Space)
def space_search_before_delete(sender, instance: Space, **kwargs):
    """Its members' home space becomes NULL (an UPDATE without signals): remember them."""
    instance._search_profiles = set(
        Profile.objects.filter(home_space_id=instance.pk).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Space)
def space_search_after_delete(sender, instance: Space, **kwargs):
    profile_search_refresh_later(getattr(instance, "_search_profiles", set()))


@receiver(post_delete, sender=Profile)
@receiver(post_save, sender=Space)
@receiver(post_delete, sender=Space)
def directory_forget(sender, **kwargs):
    """Lists of people change: cached directory results are stale."""
    directory_invalidate()


@receiver(email_added)
def email_added_notify(sender, request, user, email_address, **kwargs):
    """The owner hears that an address was added to their account (allauth tells of a new
    primary address, a removed one and a new password, not of this): at their primary
    address — still the old one — before the new one can be confirmed and made primary."""
    get_adapter(request).send_notification_mail(
        "account/email/email_added",
        user,
        # Made absolute on SITE_URL by the adapter's send_mail (every `*_url`).
        {"added_email": email_address.email, "email_url": reverse("account_email")},
    )
