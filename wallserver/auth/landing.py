"""Where the login page sends the browser afterwards: ``/login?next=...``, on this site only.

A browser reads ``/\\evil.example`` as ``//evil.example`` (another host), drops tabs and new
lines inside a URL (``/\\t/evil.example``), and a path may arrive percent-encoded once more than
it looks (``/%5Cevil.example``). So ``next`` is a same-site absolute path: it starts with exactly
one ``/``, and neither it nor any percent-decoding of it holds ``//``, a backslash, or a control
or whitespace character. Anything else lands on the default page.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

DEFAULT = "/admin"
MAX_LENGTH = 2000
_MAX_DECODINGS = 5


def _unsafe(text: str) -> bool:
    return (
        not text.startswith("/")
        or "//" in text
        or "\\" in text
        or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in text)
    )


def landing(next_page: str | None) -> str:
    """``next_page`` when it is a path on this site, else :data:`DEFAULT`."""
    if not next_page or len(next_page) > MAX_LENGTH:
        return DEFAULT
    text = next_page
    for _ in range(_MAX_DECODINGS):
        if _unsafe(text):
            return DEFAULT
        decoded = unquote(text)
        if decoded == text:
            return next_page
        text = decoded
    return DEFAULT  # encoded more deeply than any link of ours
