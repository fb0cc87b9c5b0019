"""Whole numbers in untrusted text (query strings, headers): ASCII digits only, and few of them.

``str.isdigit`` is no guard: it is true for "²" (which ``int`` then refuses with a ValueError)
and for digits of other scripts ("٣", which ``int`` reads as 3), and ``int`` refuses more than
4300 digits. Each of those once turned junk input into a 500.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(rb"[0-9]+")


def whole_number(text: str | bytes, max_digits: int = 18) -> int | None:
    """``text`` as a non-negative int when it is 1 to ``max_digits`` ASCII digits, else None."""
    raw = text.encode("latin-1", "replace") if isinstance(text, str) else text
    if len(raw) > max_digits or _DIGITS.fullmatch(raw) is None:
        return None
    return int(raw)
