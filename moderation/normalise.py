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
# Look-alikes from other scripts (Cyrillic, Greek, IPA) that NFKC leaves alone.
_CONFUSABLES = str.maketrans(
    {
        "\u0430": "a",
        "\u0435": "e",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0443": "y",
        "\u0445": "x",
        "\u0456": "i",
        "\u0458": "j",
        "\u0455": "s",
        "\u0501": "d",
        "\u0261": "g",
        "\u03b1": "a",
        "\u03bf": "o",
        "\u03bd": "v",
        "\u03ba": "k",
        "\u03c4": "t",
        "\u03b9": "i",
    }
)
_REPEATS = re.compile(r"(.)\1+")
_RUNS = re.compile(r"(.)\1*")
_WORD = re.compile(r"[^\W_]+")
# Leetspeak symbols are also punctuation: "crap!" must be read as "crap", "sh!t" as "shit".
_SYMBOLS = "@$!|€"
_LEET_SYMBOLS = re.compile(r"[@$!|€]")
_CHUNK = re.compile(r"(?:[^\W_]|[@$!|€])+")
# Letters masked with "*" inside a word: "f*ck", "sh**t", "$h*t!" (visible letters on both sides).
_MASKED = re.compile(r"(?:[^\W_]|[@$!|€])+(?:\*+(?:[^\W_]|[@$!|€])+)+")
MASK = "*"
SPACED_GAP = 3  # at most this many separators between letters spelled one at a time
LONGEST = 24  # letters joined at most: no entry is longer, and a hostile post stays cheap


def fold(text: str, *, squeeze: bool = True) -> str:
    """Lower-case, strip invisibles, diacritics, look-alikes and leetspeak; squeeze repeats."""
    text = _plain(text).translate(_LEET)
    return squeeze_repeats(text) if squeeze else text


def _plain(text: str) -> str:
    """Everything :func:`fold` does except leetspeak and squeezing."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = text.translate(_CONFUSABLES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("ß", "ss")


def squeeze_repeats(text: str) -> str:
    """One of each run of repeated characters: "heeelllo" -> "helo"."""
    return _REPEATS.sub(r"\1", text)


def words(text: str) -> list[str]:
    """The folded words of ``text``, repeats kept. Leetspeak symbols are ambiguous, so each reading
    is returned: all of them letters, all of them breaks, and every word with its leading and
    trailing symbols peeled off one by one ("ana|!" is "anali", "ana", "anal" and "ana|")."""
    plain = _plain(text)
    found = _WORD.findall(plain.translate(_LEET))
    found += _WORD.findall(_LEET_SYMBOLS.sub(" ", plain).translate(_LEET))
    for chunk in _CHUNK.findall(plain):
        lead = len(chunk) - len(chunk.lstrip(_SYMBOLS))
        trail = len(chunk) - len(chunk.rstrip(_SYMBOLS))
        if lead + trail >= len(chunk):
            continue
        for i in range(lead + 1):
            for j in range(trail + 1):
                found += _WORD.findall(chunk[i : len(chunk) - j].translate(_LEET))
    return list(dict.fromkeys(found))


def spaced(text: str) -> list[str]:
    """Words spelled a letter at a time, "f u c k", "f.u.c.k", "s-h-1-t": every stretch of two or
    more consecutive single letters, joined and folded ("f u c k o f f" gives "fuck" among
    others). Letters count as consecutive when at most :data:`SPACED_GAP` separators part them.
    Single letters are taken before folding ("ß" is one letter), and leetspeak symbols are read
    both as letters and as separators ("a s s!")."""
    raw = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    found: list[str] = []
    for tokens in (_CHUNK.finditer(raw), _WORD.finditer(_LEET_SYMBOLS.sub(" ", raw))):
        run: list[str] = []
        end = -1
        for match in tokens:
            letter = match.group()
            if len(letter) == 1 and run and match.start() - end <= SPACED_GAP:
                run.append(letter)
            else:
                found += _stretches_of(run)
                run = [letter] if len(letter) == 1 else []
            end = match.end()
        found += _stretches_of(run)
    return list(dict.fromkeys(found))


def _stretches_of(run: list[str]) -> list[str]:
    return [
        _plain("".join(run[i:j])).translate(_LEET)
        for i in range(len(run))
        for j in range(i + 2, min(len(run), i + LONGEST) + 1)
    ]


def masked(text: str) -> list[str]:
    """Words with letters masked by "*", folded, one "*" per hidden letter: "F*CK" gives "f*ck".
    Leetspeak symbols at either end are read both ways, as in :func:`words`."""
    found: list[str] = []
    for chunk in _MASKED.findall(_plain(text)):
        lead = len(chunk) - len(chunk.lstrip(_SYMBOLS))
        trail = len(chunk) - len(chunk.rstrip(_SYMBOLS))
        for i in range(lead + 1):
            for j in range(trail + 1):
                piece = chunk[i : len(chunk) - j]
                if piece[:1] not in ("", MASK) and piece[-1:] not in ("", MASK):
                    found.append(piece.translate(_LEET))
    return list(dict.fromkeys(found))


def unmasks(word: str, entry: str) -> bool:
    """Whether masked ``word`` ("f*ck") can be ``entry`` ("fuck"): as long, every visible letter
    in its place, and at least two letters and half of them visible ("f**k" still; "f***" is
    anything)."""
    visible = len(word) - word.count(MASK)
    return (
        len(word) == len(entry)
        and visible >= 2
        and 2 * visible >= len(word)
        and all(a in (MASK, b) for a, b in zip(word, entry, strict=True))
    )


def stretches(word: str, entry: str) -> bool:
    """Whether ``word`` is ``entry`` with letters held longer: "craaap" for "crap", but not "as"
    for "ass". Both are folded without squeezing."""
    mine, theirs = _runs(word), _runs(entry)
    return len(mine) == len(theirs) and all(
        a == b and n >= m for (a, n), (b, m) in zip(mine, theirs, strict=True)
    )


def _runs(word: str) -> list[tuple[str, int]]:
    return [(m.group(1), len(m.group(0))) for m in _RUNS.finditer(word)]
