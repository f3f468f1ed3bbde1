"""The message-kind registry (see the package docstring)."""

from __future__ import annotations

from typing import ClassVar

from .rendering import message_render


class MessageKind:
    """One kind of message. Subclass, set the class attributes, decorate with
    `@register_kind`.

    - `key`: stored in `Outbox.kind`, e.g. "events.organiser_note"; unique.
    - `template_prefix`: `<prefix>_subject.txt`, `<prefix>.txt` and optionally `<prefix>.html`.
    - `preference`: the email preference that turns it off (several kinds may share one),
      with `preference_label` for the preferences page; None for essential messages
      (account, registration changes) that always go.
    - `obsolete_reasons(rows)`: the delivery check, run just before rows of this kind are
      sent: {row id: why it is no longer worth sending}. Rows not named are sent.
    - `template_names()` and `message(context, language)`: the templates, and the rendered
      message; by default `<prefix>_subject.txt`, `<prefix>.txt`, `<prefix>.html` (a kind
      rendered another way overrides both).
    - `render(row, batch)`: for kinds written as data (`Outbox.payload` holds ids, the text is
      empty): the (RenderedMessage, attachments) the sender fills the row with just before
      sending. Writing data instead of text keeps rendering out of the writer's transaction
      — the registration lock is held for the INSERTs alone. Raise `LookupError` when what
      the payload names is gone (the row is then cancelled).
    - `secret`: True when the body holds a key meant for the recipient's mailbox alone (an
      email confirmation or password reset link, a sign-in code). Its text then reaches no
      one but through that mailbox: the "my data" export lists the message without it.
    """

    key: ClassVar[str] = ""
    template_prefix: ClassVar[str] = ""
    preference: ClassVar[str | None] = None
    preference_label: ClassVar[str] = ""
    secret: ClassVar[bool] = False

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        return {}

    def template_names(self) -> tuple[str, str, str]:
        """The subject, text and (optional) HTML templates."""
        p = self.template_prefix
        return f"{p}_subject.txt", f"{p}.txt", f"{p}.html"

    def message(self, *, context: dict, language: str):
        return message_render(
            template_prefix=self.template_prefix, context=context, language=language
        )

    def prefetch(self, rows: list) -> dict | None:
        """What `render()` reads for a batch of this kind's rows, read at once (e.g. {id:
        registration}); None: each row reads its own. A fan-out's thousand rows then cost
        the sender a query or two, not one or two per row."""
        return None

    def render(self, row, batch: dict | None = None) -> tuple:
        raise NotImplementedError(f"{self.key} messages are rendered when written.")

    @property
    def optional(self) -> bool:
        return self.preference is not None


_registry: dict[str, MessageKind] = {}


def register_kind(cls: type[MessageKind]) -> type[MessageKind]:
    """Class decorator: make `cls` a known kind — its preference appears on the preferences
    page and its delivery check runs before its rows are sent (betacowork/messaging/checks.py
    asks the registry; nothing else needs telling)."""
    if not cls.key or not cls.template_prefix:
        raise ValueError(f"{cls.__name__} needs a key and a template_prefix.")
    existing = _registry.get(cls.key)
    if existing is not None and type(existing).__qualname__ != cls.__qualname__:
        raise ValueError(f"Two message kinds are keyed {cls.key!r}.")
    _registry[cls.key] = cls()
    return cls


def kind_for(key: str) -> MessageKind | None:
    return _registry.get(key)


def registered_kinds() -> list[MessageKind]:
    return sorted(_registry.values(), key=lambda k: k.key)


def optional_preferences() -> dict[str, str]:
    """{preference: label} of every registered kind a member may turn off."""
    out: dict[str, str] = {}
    for kind in registered_kinds():
        if kind.preference is not None:
            out.setdefault(kind.preference, kind.preference_label)
    return out


def is_optional_preference(name: str) -> bool:
    """Whether some registered kind may be turned off with the preference `name`."""
    return any(kind.preference == name for kind in _registry.values())


def preference_of(key: str) -> str | None:
    """The preference that governs messages keyed `key` (None: essential or unknown)."""
    kind = _registry.get(key)
    return kind.preference if kind is not None else None
