"""Messages, the ground floor every app builds on (a Django app, label `messaging`): what
kinds of message exist, one way to send one, the outbox that keeps them, the sender that
delivers each exactly once, and the email preferences.

"Who sends this email?" → the registry: each kind of message is one `MessageKind` subclass
(its key, templates, the preference a member may turn it off with, and the delivery check
that says whether a written message is still worth sending), registered by its app with
`@register_kind` in the app's `messages.py`, which the app's `AppConfig.ready()` imports.
`registered_kinds()` lists them all. Keys are spelled `<app>.<name>` (`events.reminder`,
`collaborations.event_followup`, `account.password_reset_key`).

Services send through `notify()` (a member: their language, their preferences, unsubscribe
links and headers) or `notify_address()` (a guest, or an account email's address): the
message is rendered and written to the outbox in the caller's transaction. A fan-out (one
message to each of many people) writes its rows as data instead — `notify_data()` for a
member, `notify_address_data()` for a guest — in one `outbox_write_many()`, and the kind
renders each just before sending.

The modules, each importing only those above it in this list:
  rendering.py  RenderedMessage, message_render (templates → subject, text, HTML)
  kinds.py      the registry: MessageKind, register_kind, kind_for, optional_preferences
  models.py     Outbox (table `members_outbox`, kept from before the move)
  preferences.py  wants_email, signed unsubscribe links and headers, preference changes
  outbox.py     writing rows (outbox_write, outbox_write_many, outbox_write_data); publishes
                send tasks on commit
  afterwards.py  staff's "send again", silencing a deleted account's rows
  notify.py     notify(), notify_address(); notify_data(), notify_address_data() (as data)
  checks.py     the delivery checks (the recipient's choices, each kind's obsolete_reasons)
  headers.py    the header lines every message carries (Message-ID, language...)
  wire.py       an ordinary row's bytes, written directly
  mime.py, records.py  any row's bytes and SMTP errors; recording outcomes
  claim.py      claiming due rows: the lease, ClaimedRow (a row as values)
  sender.py     deliver, renew leases, retry — and THE GUARANTEE (read its docstring)
  tasks.py      outbox_send, outbox_send_batch, outbox_sweep (Celery)
  views.py, urls.py, admin.py  /notifications/ (preferences, one-click unsubscribe), the
                delivery log in the admin
This package imports no app of the project; the apps import it.
"""

from .kinds import MessageKind, kind_for, optional_preferences, register_kind, registered_kinds
from .notify import member_context, notify, notify_address, notify_address_data, notify_data

__all__ = [
    "MessageKind",
    "kind_for",
    "member_context",
    "notify",
    "notify_address",
    "notify_address_data",
    "notify_data",
    "optional_preferences",
    "register_kind",
    "registered_kinds",
]
