"""`submit_once()`: run a creating service once per form (see the package's docstring)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Submission

T = TypeVar("T")

NONCE_RE = re.compile(r"[0-9a-f]{32}")
# How long a form's record is kept: far longer than anyone keeps a page open and sends it
# again; older records of the same person are deleted as new ones are written.
KEPT = timedelta(days=7)


def nonce_new() -> str:
    """A fresh token for a form that creates something."""
    return secrets.token_hex(16)


def nonce_clean(value: str | None) -> str:
    """A submitted token when it looks like one we made, else "" (then no repeat check)."""
    return value if value and NONCE_RE.fullmatch(value) else ""


@dataclass(frozen=True)
class Submitted(Generic[T]):
    made: T | None  # what the form made (None: sent before, and what it made is gone)
    repeated: bool = False  # this form was sent before: nothing was made now


def submit_once(
    *, user, purpose: str, nonce: str, make: Callable[[], T], find: Callable[[int], T | None]
) -> Submitted[T]:
    """`make()` once for this form (`user`, `purpose`, `nonce`), in one transaction with the
    record of it; the same form again answers `find(<id of what was made>)`, repeated.

    Without a token (an old page, a client of ours that sends none) `make()` simply runs.
    Concurrent copies: the unique constraint makes the second insert wait for the first
    transaction; once it commits, the second finds its record (read committed: the next
    statement sees it); if it rolled back (a refusal), the second makes it instead."""
    if not nonce or user is None or not user.pk:
        return Submitted(make())
    with transaction.atomic():
        try:
            with transaction.atomic():
                mark = Submission.objects.create(user=user, purpose=purpose, nonce=nonce)
        except IntegrityError:
            earlier = Submission.objects.filter(user=user, purpose=purpose, nonce=nonce).first()
            made = find(earlier.object_id) if earlier and earlier.object_id else None
            return Submitted(made, repeated=True)
        made = make()
        mark.object_id = getattr(made, "pk", None)
        mark.save(update_fields=["object_id"])
        Submission.objects.filter(user=user, created_at__lt=timezone.now() - KEPT).delete()
    return Submitted(made)
