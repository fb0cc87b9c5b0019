"""Default blocklists shipped with wallserver, one word per line, ``#`` starts a comment.

There is no maintained German and English list on PyPI (``better-profanity`` is English only and
unreleased since 2020), so these are small curated lists of unambiguous swear words and slurs.
Words that are innocent whole words in the other language are left out on purpose: German
"hell" (bright), "dick" (thick), "Mist"/English "mist", "Ass" (ace). Events add their own words.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

AVAILABLE = ("de", "en")


@cache
def load(name: str) -> tuple[str, ...]:
    """The words of a shipped list (read once, from the installed package)."""
    if name not in AVAILABLE:
        raise KeyError(name)
    text = files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)
