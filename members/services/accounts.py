"""Accounts: deletion (with every app's steps) and the interface language."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..hooks import account_delete_steps
from ..models import Profile, Term, User
from ..search import search_refresh_batch
from ..search_counts import search_changes_prune
from .companies import company_forget_if_unused
from .profiles import _files_delete_on_commit
from .vocabulary import proposals_forget_unused


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything that is only theirs.

    Records others keep (registrations, collaborations, messages already sent) point at
    people with SET_NULL and a name snapshot, so they survive with the name as it was.
    The other apps' steps run first, in their stated order (members/hooks.py); messages
    not yet sent to this person are cancelled last.
    """
    for step in account_delete_steps():
        step.run(user=user)
    files: list[str] = []
    storage = None
    company_id = None
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        storage = profile.avatar.storage
        files = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
        company_id = profile.company_id
    proposals = list(
        user.proposed_terms.filter(status=Term.Status.PROPOSED).values_list("pk", flat=True)
    )
    # Deleting memberships asks for the profile's search row to be rebuilt; rebuilt in the
    # middle of the cascade it would outlive the profile. Refresh once the profile is gone.
    user_id = user.pk  # None once deleted
    with search_refresh_batch():
        user.delete()
        # Their words nobody else uses go with them; a proposal others joined stays.
        proposals_forget_unused(term_ids=proposals)
    search_changes_prune(user_id=user_id)  # their search rows' old images go too
    company_forget_if_unused(company_id=company_id)  # a one-person company goes with them
    if storage is not None:
        _files_delete_on_commit(storage, files)


def user_language_set(*, user: User, language: str) -> bool:
    """Store the interface language on the account (background email must know it: a
    cookie cannot tell a worker). Returns whether it changed; an unknown code is refused."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Unknown language."), code="language")
    changed = (
        User.objects.filter(pk=user.pk)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    )
    user.preferred_language = language
    return bool(changed)


def address_claims_drop_unconfirmed(*, user: User, email: str) -> int:
    """`user` confirmed `email`: other accounts' unconfirmed claims to it go (their
    confirmation links with them), since a confirmed address is one account's. Returns how
    many. A step of `email_confirmed` (members.hooks)."""
    from allauth.account.models import EmailAddress

    claims = EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user)
    deleted, _by_model = claims.delete()
    return deleted
