"""A scripted email backend: each send takes the next action (None = accept, or an exception)."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class ScriptedBackend(BaseEmailBackend):
    script: list = []
    sent: list = []
    opened = 0

    @classmethod
    def reset(cls, script=None) -> None:
        cls.script = list(script or [])
        cls.sent = []
        cls.opened = 0

    def open(self):
        type(self).opened += 1
        return True

    def close(self):
        return None

    def send_messages(self, email_messages):
        for message in email_messages:
            action = type(self).script.pop(0) if type(self).script else None
            if isinstance(action, BaseException):
                raise action
            type(self).sent.append(message)
        return len(email_messages)
