"""Reading the settings from the environment: django-environ, strict (`Env`), and one clear
line instead of a traceback when a value cannot be used (`refuse`)."""

from typing import NoReturn

import environ


def refuse(message: str) -> NoReturn:
    """Stop start-up with one clear line instead of a traceback."""
    raise SystemExit(f"Betacowork refuses to start: {message}")


class Env(environ.Env):
    """django-environ, but a value that is not what the variable takes stops start-up with one
    line naming it: `EMAIL_TIMEOUT=ten` used to be a ValueError traceback, and a yes/no
    variable took any unknown word for "no" (`DEBUG=maybe` was off, `SECURE_SSL_REDIRECT=ture`
    turned the redirect off in production without a word)."""

    YES = frozenset({"1", "true", "yes", "on", "y"})
    NO = frozenset({"0", "false", "no", "off", "n"})

    def _number(self, cast, var, default, minimum, kind):
        raw = self.ENVIRON.get(var)
        if raw is None or not raw.strip():  # unset or empty: the default
            return default
        try:
            value = cast(raw.strip())
        except ValueError:
            refuse(f"{var} must be {kind}, got {raw!r}.")
        if minimum is not None and value < minimum:
            refuse(f"{var} must be at least {minimum}, got {raw!r}.")
        return value

    def int(self, var, default=environ.Env.NOTSET, *, minimum=0):
        return self._number(int, var, default, minimum, "a whole number")

    def float(self, var, default=environ.Env.NOTSET, *, minimum=0):
        return self._number(float, var, default, minimum, "a number")

    def bool(self, var, default=environ.Env.NOTSET):
        raw = self.ENVIRON.get(var)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in self.YES:
            return True
        if word in self.NO:
            return False
        refuse(f"{var} must be 1 (yes) or 0 (no), got {raw!r}.")
