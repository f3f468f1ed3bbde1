"""Profiles: created with the account, edited by their owner, hidden until a first login."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from ..avatars import ProcessedAvatar
from ..models import Profile, ProfileSlug, Term, User, Visibility
from ..search import search_refresh_batch
from .companies import company_forget_if_unused, company_resolve
from .slugs import unique_slug
from .vocabulary import (
    MAX_NEW_TERMS_PER_EDIT,
    new_labels,
    proposals_forget_unused,
    terms_resolve,
    vocabulary_for_proposals,
    vocabulary_key,
)

logger = logging.getLogger(__name__)


def _profile_slug(name: str, *, profile_pk: int | None = None) -> str:
    """A slug for a profile called `name`: none another profile has, nor had (a former
    address keeps leading to the profile that had it: `ProfileSlug`)."""
    return unique_slug(
        Profile,
        name,
        exclude_pk=profile_pk,
        also_taken=[ProfileSlug.objects.exclude(profile_id=profile_pk)],
    )


def profile_slug_follow_name(profile: Profile) -> None:
    """A renamed profile gets the slug of its new name; its former address is kept and
    redirects to it (`members.views.ProfileDetailView`). Back to a name it had, it takes that
    name's address again."""
    slug = _profile_slug(profile.display_name, profile_pk=profile.pk)
    if slug == profile.slug:
        return
    ProfileSlug.objects.filter(profile=profile, slug=slug).delete()
    ProfileSlug.objects.create(profile=profile, slug=profile.slug)
    profile.slug = slug


@transaction.atomic
def profile_create_for_user(*, user: User, **fields) -> Profile:
    """The profile of a new account; a member since today unless told otherwise (else a new
    member came last in "newest members", whose order puts unknown dates last)."""
    name = user.name or user.email.split("@")[0]
    fields.setdefault("member_since", timezone.localdate())
    return Profile.objects.create(
        user=user,
        display_name=fields.pop("display_name", name),
        slug=_profile_slug(name),
        **fields,
    )


def _avatar_store(profile: Profile, avatar: ProcessedAvatar) -> None:
    old = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
    stem = f"{profile.pk}-{get_random_string(10).lower()}"
    profile.avatar.save(f"{stem}.jpg", ContentFile(avatar.full), save=False)
    profile.avatar_thumb.save(f"{stem}.jpg", ContentFile(avatar.thumb), save=False)
    _files_delete_on_commit(profile.avatar.storage, old)


def _avatar_clear(profile: Profile) -> None:
    old = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
    storage = profile.avatar.storage
    profile.avatar = ""
    profile.avatar_thumb = ""
    _files_delete_on_commit(storage, old)


def _files_delete_on_commit(storage, names: list[str]) -> None:
    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s", name)

    if names:
        transaction.on_commit(delete)


# The owner-editable plain fields, in the order the profile form shows them.
PROFILE_FIELDS = (
    "display_name",
    "headline",
    "job_title",
    "bio",
    "offers_text",
    "seeks_text",
    "languages",
    "home_space",
    "city",
    "region",
    "website",
    "linkedin",
    "phone",
    "visibility",
    "email_visibility",
    "phone_visibility",
)


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    actor: User,
    fields: dict,
    company_name: str | None = None,
    skills: Sequence[str] | None = None,
    offers: Sequence[str] | None = None,
    seeks: Sequence[str] | None = None,
    avatar: ProcessedAvatar | None = None,
    avatar_clear: bool = False,
) -> Profile:
    """Save what the owner changed; tags become terms; the search document follows."""
    if actor.pk != profile.user_id:
        raise ValidationError(_("You can only change your own profile."))
    labels = [*(skills or []), *(offers or []), *(seeks or [])]
    if (
        len(set(map(vocabulary_key, new_labels(labels=labels, user=actor))))
        > MAX_NEW_TERMS_PER_EDIT
    ):
        raise ValidationError(
            _("You can propose at most %(n)d new tags at a time.") % {"n": MAX_NEW_TERMS_PER_EDIT}
        )
    # The name as stored: a model form has already put the new one on `profile`.
    former_name = (
        Profile.objects.filter(pk=profile.pk).values_list("display_name", flat=True).first()
        if profile.pk and "display_name" in fields
        else profile.display_name
    )
    with search_refresh_batch():
        for name in PROFILE_FIELDS:
            if name in fields:
                setattr(profile, name, fields[name])
        if profile.pk and profile.display_name != former_name:
            profile_slug_follow_name(profile)
        left_company_id = profile.company_id
        dropped = set()  # their proposals on the profile before: those nobody uses then go
        for field, tag_labels in (("skills", skills), ("offers", offers), ("seeks", seeks)):
            if tag_labels is not None and profile.pk:
                dropped.update(
                    getattr(profile, field)
                    .filter(status=Term.Status.PROPOSED, proposed_by=actor)
                    .values_list("pk", flat=True)
                )
        if company_name is not None:
            profile.company = company_resolve(name=company_name)
        if avatar is not None:
            _avatar_store(profile, avatar)
        elif avatar_clear:
            _avatar_clear(profile)
        profile.hidden_until_login = False
        profile.save()
        index = vocabulary_for_proposals()
        for field, tag_labels in (("skills", skills), ("offers", offers), ("seeks", seeks)):
            if tag_labels is not None:
                getattr(profile, field).set(
                    terms_resolve(labels=tag_labels, proposer=actor, index=index)
                )
        if left_company_id != profile.company_id:
            company_forget_if_unused(company_id=left_company_id)
        proposals_forget_unused(term_ids=dropped)
    return profile


@transaction.atomic
def profile_hide_until_first_login(*, user: User) -> None:
    """A self-service sign-up stays out of the directory, the autocompletes and the counts
    until its first login, like an imported person.

    Its address is not confirmed yet, and an unconfirmed address cannot log in: until then
    the account is no member anyone should find (nor a name anyone could claim with a
    throw-away address). `profile_unhide_on_first_login()` shows it at its first login.
    Saved, not updated in bulk, so the search row and the counts follow."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        return
    profile.visibility = Visibility.HIDDEN
    profile.hidden_until_login = True
    profile.save(update_fields=["visibility", "hidden_until_login", "updated_at"])


def profile_unhide_on_first_login(*, user: User) -> bool:
    """Imported people and self-service sign-ups are hidden until they log in; then they get
    the default visibility.

    Saved (not a queryset update) so that whatever shows profiles hears of it — the search
    row's refresh (which invalidates the directory), the dashboard's stored figures naming
    the participants it may see."""
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update().filter(user=user, hidden_until_login=True).first()
        )
        if profile is None:
            return False
        profile.hidden_until_login = False
        profile.visibility = Visibility.MEMBERS
        profile.save(update_fields=["hidden_until_login", "visibility", "updated_at"])
    return True


@transaction.atomic
def profile_follow_account(*, user: User) -> bool:
    """A deactivated account's profile is hidden from everyone but staff, exactly as a hidden
    profile is; reactivated, it is shown as its owner chose again.

    Its visibility becomes HIDDEN and the one it had waits in `visibility_on_reactivation`:
    every rule, list, count, search row and suggestion reads `visibility` (and PostgreSQL's
    triggers count by it), so none of them has to ask about the account. Saved, not updated
    in bulk, so the search row and the kept counts follow in this transaction. Returns
    whether the profile changed (nothing to do when it already follows the account)."""
    profile = Profile.objects.select_for_update().filter(user_id=user.pk).first()
    if profile is None:
        return False
    if not user.is_active:
        if profile.visibility_on_reactivation:
            return False
        profile.visibility_on_reactivation = profile.visibility
        profile.visibility = Visibility.HIDDEN
    else:
        if not profile.visibility_on_reactivation:
            return False
        profile.visibility = profile.visibility_on_reactivation
        profile.visibility_on_reactivation = ""
    profile.save(update_fields=["visibility", "visibility_on_reactivation", "updated_at"])
    return True
