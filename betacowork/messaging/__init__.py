"""Messages, the ground floor every app builds on: what kinds of message exist, and one
way to send one.

"Who sends this email?" → the registry: each kind of message is one `MessageKind` subclass
(its key, templates, the preference a member may turn it off with, and the delivery check
that says whether a written message is still worth sending), registered by its app with
`@register_kind` in the app's `messages.py`, which the app's `AppConfig.ready()` imports.
`registered_kinds()` lists them all.

Services send through `notify()` (a member) or `notify_address()` (a guest or an address
without an account): the message is rendered in the recipient's language and written to
the outbox in the caller's transaction (members/outbox.py delivers it exactly once).
"""

from .kinds import MessageKind, kind_for, optional_preferences, register_kind, registered_kinds
from .notify import notify, notify_address

__all__ = [
    "MessageKind",
    "kind_for",
    "notify",
    "notify_address",
    "optional_preferences",
    "register_kind",
    "registered_kinds",
]
