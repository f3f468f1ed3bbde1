"""`notify()`: render one registered kind of message and write it to the outbox;
`notify_data()`: the same message to a member as data, for a fan-out's one INSERT."""

from __future__ import annotations

from django.conf import settings

from .kinds import MessageKind, kind_for


def _kind(kind: str | MessageKind) -> MessageKind:
    found = kind_for(kind) if isinstance(kind, str) else kind
    if found is None:
        raise LookupError(f"{kind!r} is not a registered message kind.")
    return found


def _language(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    lang = getattr(user, "preferred_language", "") or ""
    return lang if lang in codes else settings.LANGUAGE_CODE


def notify(
    *,
    kind: str | MessageKind,
    recipient,
    context: dict,
    dedup_key: str,
    topic: str = "",
    attachments: list[dict] | None = None,
    reply_to: str = "",
) -> bool:
    """Write a message of `kind` for the member `recipient`, in their language, inside the
    caller's transaction; return whether a new message was written (False for a known
    `dedup_key`, an inactive account, or a member who turned the kind off).

    Nothing is written to an inactive account, to one without an email address, or to a
    member who turned the kind's preference off; a known `dedup_key` writes nothing again.
    The context gains `name`, `site_url`, `preferences_url` and, for optional kinds,
    `unsubscribe_url` (with the matching List-Unsubscribe headers). `reply_to`: where an
    answer goes (a `Reply-To` header), e.g. the organiser who wrote the message.
    """
    found = _kind(kind)
    if not _reaches(found, recipient):
        return False
    return _write(
        found,
        to_email=recipient.email,
        language=_language(recipient),
        recipient=recipient,
        context={**member_context(found, recipient), **context},
        dedup_key=dedup_key,
        topic=topic,
        headers=_member_headers(found, recipient, reply_to),
        attachments=attachments,
    )


def notify_data(
    *,
    kind: str | MessageKind,
    recipient,
    payload: dict,
    dedup_key: str,
    topic: str = "",
    reply_to: str = "",
):
    """`notify()`'s message written as data, for `outbox_write_many()`: one INSERT for a
    fan-out's recipients, nothing rendered in the writer's request. The same rules (None for
    an inactive account, one without an address, a member who turned the kind off), the
    same address, language and headers; the kind's `render(row)` writes the text when it is
    sent, with `member_context()` for the recipient."""
    from .outbox import OutboxMessage

    found = _kind(kind)
    if not _reaches(found, recipient):
        return None
    return OutboxMessage(
        dedup_key=dedup_key,
        kind=found.key,
        to_email=recipient.email,
        language=_language(recipient),
        recipient=recipient.pk,
        topic=topic,
        headers=_member_headers(found, recipient, reply_to),
        payload=payload,
    )


def notify_address_data(
    *,
    kind: str | MessageKind,
    to_email: str,
    language: str,
    payload: dict,
    dedup_key: str,
    topic: str = "",
    reply_to: str = "",
):
    """`notify_address()`'s message to a guest written as data, for `outbox_write_many()`
    (as `notify_data()` for a member); the kind's `render(row)` writes the text."""
    from .outbox import OutboxMessage

    return OutboxMessage(
        dedup_key=dedup_key,
        kind=_kind(kind).key,
        to_email=to_email,
        language=language,
        topic=topic,
        headers={"Reply-To": reply_to} if reply_to else {},
        payload=payload,
    )


def _reaches(found: MessageKind, recipient) -> bool:
    """Whether a message of `found` may be written to the member `recipient`: an active
    account with an address that did not turn the kind off."""
    from .preferences import wants_email

    if recipient is None or not recipient.is_active or not recipient.email:
        return False
    return found.preference is None or wants_email(recipient, found.preference)


def member_context(kind: str | MessageKind, recipient) -> dict:
    """What every message to a member says of them: `name`, `site_url`, `preferences_url`
    and, for optional kinds, `unsubscribe_url` (`notify()` when it renders, a kind's
    `render(row)` for a row written by `notify_data()`)."""
    from .preferences import preferences_url, unsubscribe_url

    found = _kind(kind)
    extra = {
        "name": recipient.get_short_name(),
        "site_url": settings.SITE_URL,
        "preferences_url": preferences_url(),
    }
    if found.preference is not None:
        extra["unsubscribe_url"] = unsubscribe_url(recipient, found.preference)
    return extra


def _member_headers(found: MessageKind, recipient, reply_to: str) -> dict[str, str]:
    """The List-Unsubscribe headers of an optional kind, and `Reply-To`."""
    from .preferences import unsubscribe_headers

    headers: dict[str, str] = {}
    if found.preference is not None:
        headers = unsubscribe_headers(recipient, found.preference)
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers


def notify_address(
    *,
    kind: str | MessageKind,
    to_email: str,
    language: str,
    context: dict,
    dedup_key: str,
    topic: str = "",
    attachments: list[dict] | None = None,
    recipient=None,
    reply_to: str = "",
) -> bool:
    """Write a message of `kind` to an address, whatever the account's state and choices: a
    guest's, or an account email's (`recipient`, if given, links the row to the account for
    the delivery log, the "my data" export and account deletion). Essential kinds only for
    members: optional kinds go through `notify()`, which asks the member's preferences.
    `reply_to` as for `notify()`."""
    found = _kind(kind)
    if recipient is not None and found.optional:
        raise ValueError(f"{found.key} is optional: send it to a member with notify().")
    return _write(
        found,
        to_email=to_email,
        language=language,
        recipient=recipient,
        context={"site_url": settings.SITE_URL, **context},
        dedup_key=dedup_key,
        topic=topic,
        headers={"Reply-To": reply_to} if reply_to else {},
        attachments=attachments,
    )


def _write(found: MessageKind, *, to_email, language, recipient, context, **row) -> bool:
    from .outbox import outbox_write

    message = found.message(context=context, language=language)
    _row, created = outbox_write(
        kind=found.key,
        to_email=to_email,
        language=language,
        message=message,
        recipient=recipient,
        dedup_key=row["dedup_key"],
        topic=row["topic"],
        headers=row["headers"],
        attachments=row["attachments"] or [],
    )
    return created
