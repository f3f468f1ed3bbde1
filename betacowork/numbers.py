"""The one place a number typed by a person (query string, form field, header) is parsed.

`str.isdigit()` is true for `²`, `①` and `¹²`, which `int()` refuses, and `int()` accepts
`١٢`, `+3`, ` 4 ` and `1_000`: neither is a safe test of "a number someone typed". These
helpers accept plain ASCII digits only, bounded in length, and answer `None` for anything
else, so a caller turns bad input into a message or a 4xx instead of a 500.
"""

from __future__ import annotations

import re

# Plain ASCII digits only: `\d` would also match other scripts' digits.
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Longer than any id or page number we use; keeps int() off million-digit strings.
MAX_DIGITS = 18


def parse_int(
    raw: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    max_digits: int = MAX_DIGITS,
) -> int | None:
    """The non-negative integer `raw` spells in ASCII digits, within [minimum, maximum].

    Promises: never raises; `None` for anything else (empty, signs, spaces inside, Unicode
    digits, superscripts, more than `max_digits` digits, out of range). Surrounding whitespace
    is ignored.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        if not isinstance(raw, str):
            return None
        text = raw.strip()
        if not text or len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
            return None
        value = int(text)
    if value < 0 or (minimum is not None and value < minimum):
        return None
    if maximum is not None and value > maximum:
        return None
    return value


def parse_id(raw: object) -> int | None:
    """A database id (1 .. 2**63-1) from user input, or `None`."""
    return parse_int(raw, minimum=1, maximum=2**63 - 1)


def parse_ids(values) -> list[int]:
    """The valid ids among `values` (a list of strings), in order, without duplicates."""
    seen: dict[int, None] = {}
    for value in values or ():
        pk = parse_id(value)
        if pk is not None:
            seen.setdefault(pk, None)
    return list(seen)
