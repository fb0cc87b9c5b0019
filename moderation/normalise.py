"""Text normalisation that defeats the usual tricks for slipping words past a blocklist."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"),
    None,
)
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
    }
)
# Look-alikes from other scripts that NFKC leaves alone.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "α": "a",
        "ο": "o",
        "ν": "v",
        "κ": "k",
        "τ": "t",
        "ι": "i",
    }
)
_REPEATS = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, strip invisibles, diacritics, look-alikes and leetspeak; squeeze repeats."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = text.translate(_CONFUSABLES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("ß", "ss").translate(_LEET)
    return _REPEATS.sub(r"\1", text)


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))
