"""Writes of the API app: creating, using and revoking personal tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken

TOKEN_PREFIX = "bcw_"  # noqa: S105 - the visible mark of our tokens, not a secret
MAX_ACTIVE_TOKENS = 20
# The last use is written at most this often per token: a busy script costs no write per call.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    """The stored form of a secret. The secrets are 256 random bits, so a plain SHA-256 is
    enough (nothing to guess by brute force) and lets a request find its token by index."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret — the only time the secret exists in clear."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. “my calendar script”.")})
    if len(name) > 80:
        raise ValidationError({"name": _("A token's name has at most 80 characters.")})
    # The member's row, locked: two tokens created at once (two tabs) are counted one after
    # the other, so the second sees the first and the limit holds.
    owner = get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if owner is None:
        raise PermissionDenied(_("This account no longer exists."))
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(n)d tokens: revoke one first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    if ApiToken.objects.active().filter(user=user, name=name).exists():
        raise ValidationError({"name": _("You already have a token with this name.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user, name=name, prefix=secret[:12], key_hash=token_hash(secret)
            )
    except IntegrityError as exc:  # the same name created at the same moment
        raise ValidationError({"name": _("You already have a token with this name.")}) from exc
    return token, secret


@transaction.atomic
def token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens; another member's token does not exist for them
    (ApiToken.DoesNotExist, which the page answers with a 404)."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_touch(token: ApiToken, *, now=None) -> None:
    """Record that `token` was just used (at most once per LAST_USED_PRECISION)."""
    now = now or timezone.now()
    last = token.last_used_at
    if last is not None and now - last < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
