"""Shipped blocklists, whole-word matching, and disguises (property tests with hypothesis)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation import Candidate, RuleSet, Verdict, evaluate
from moderation.blocklists import AVAILABLE, load
from moderation.normalise import fold

EXTRA = ["ass", "tit", "cum", "anal", "rape", "cock", "sex", "spic", "dick", "arsch"]
RULES = RuleSet.from_dict({"chain": [{"kind": "blocklist", "lists": ["de", "en"], "words": EXTRA}]})
BLOCKED = sorted({*load("de"), *load("en"), *EXTRA})
INNOCENT = [
    line.strip()
    for line in (Path(__file__).parents[1] / "data" / "innocent_words.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]

LEET = {"a": "4@", "e": "3€", "i": "1!", "o": "0", "s": "5$", "t": "7", "b": "8", "l": "|"}
LOOKALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
             "x": "\u0445", "i": "\u0456", "s": "\u0455", "y": "\u0443"}  # fmt: skip
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
MARKS = ["\u0301", "\u0300", "\u0308", "\u0302", "\u0327"]


def post(text: str) -> Candidate:
    return Candidate(source="test", author_name="", author_handle="guest", text=text)


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A blocked word with each letter maybe upper-cased, accented, leet-spelled, swapped for a
    look-alike, held longer, or followed by an invisible character."""
    word = draw(st.sampled_from(BLOCKED))
    out = []
    for ch in word:
        trick = draw(st.sampled_from(["plain", "upper", "mark", "leet", "lookalike", "repeat"]))
        if trick == "upper":
            piece = ch.upper()
        elif trick == "mark" and ch.isascii():
            piece = unicodedata.normalize("NFC", ch + draw(st.sampled_from(MARKS)))
        elif trick == "leet" and ch in LEET:
            piece = draw(st.sampled_from(LEET[ch]))
        elif trick == "lookalike" and ch in LOOKALIKE:
            piece = LOOKALIKE[ch]
        elif trick == "repeat":
            piece = ch * draw(st.integers(2, 4))
        else:
            piece = ch
        if draw(st.booleans()):
            piece += draw(st.sampled_from(INVISIBLE))
        out.append(piece)
    return word, "".join(out)


def test_shipped_lists_load_and_are_folded_distinct() -> None:
    """Both shipped lists load from package data, and no entry is lost to folding."""
    assert set(AVAILABLE) == {"de", "en"}
    for name in AVAILABLE:
        words = load(name)
        assert len(words) >= 20
        assert all(w == w.strip() and " " not in w for w in words)
    assert fold("Scheiße", squeeze=False) == "scheisse"


@given(disguised(), st.sampled_from(["{} ", "so {}!", "was für {}.", "({})", "#{}", "{}?!"]))
def test_any_disguised_blocked_word_is_caught(pair: tuple[str, str], frame: str) -> None:
    """Case, diacritics, leetspeak, repeats, zero-width, look-alikes never hide a blocked word."""
    word, disguise = pair
    decision = evaluate(RULES, post("Hallo zusammen, " + frame.format(disguise) + " cheers"))
    assert decision is not None, disguise
    assert decision.verdict is Verdict.REJECT
    assert fold(word, squeeze=False) in decision.reason


def test_curated_innocent_words_are_not_blocked() -> None:
    """Words that merely contain a blocked word (Klasse, Scunthorpe, Analyse, ...) pass."""
    caught = [w for w in INNOCENT if evaluate(RULES, post(f"Heute: {w}!")) is not None]
    assert caught == []


@given(st.lists(st.sampled_from(INNOCENT), min_size=1, max_size=8))
def test_sentences_of_innocent_words_pass(words: list[str]) -> None:
    """Any sentence made of innocent words has no verdict, in any case or punctuation."""
    assert evaluate(RULES, post(", ".join(words).upper() + "!")) is None


@pytest.mark.parametrize(
    "text",
    ["f u c k", "F.U.C.K", "f-u-c-k off", "s h i t", "s_h_1_t", "so a s s!", "f . u . c . k",
     "f u u c k", "f*ck", "F*CK you", "sh*t", "$h*t!", "f**k", "sch**ße", "a**hole", "b*tch"],
)  # fmt: skip
def test_spaced_and_masked_letters_are_caught(text: str) -> None:
    """Letters spaced apart by spaces or punctuation, and letters masked with "*", still spell
    the blocked word."""
    decision = evaluate(RULES, post(f"Hallo zusammen, {text} cheers"))
    assert decision is not None and decision.verdict is Verdict.REJECT, text


@given(
    st.sampled_from([w for w in BLOCKED if len(w) >= 3]),
    st.sampled_from([" ", ".", "-", "_", ". ", " * ", "/"]),
)
def test_any_blocked_word_spelled_a_letter_at_a_time_is_caught(word: str, gap: str) -> None:
    """A blocked word with a separator between each pair of letters is still caught."""
    decision = evaluate(RULES, post("Hey " + gap.join(word) + " you"))
    assert decision is not None, gap.join(word)
    assert fold(word, squeeze=False) in decision.reason


@st.composite
def masked_word(draw: st.DrawFn) -> tuple[str, str]:
    """A blocked word with up to half its inner letters replaced by "*"."""
    word = draw(st.sampled_from([w for w in BLOCKED if len(w) >= 4 and w.isascii()]))
    inner = list(range(1, len(word) - 1))
    hidden = draw(st.sets(st.sampled_from(inner), min_size=1, max_size=len(word) // 2))
    return word, "".join("*" if i in hidden else c for i, c in enumerate(word))


@given(masked_word())
def test_any_masked_blocked_word_is_caught(pair: tuple[str, str]) -> None:
    """Masking up to half the letters (never the first or last) does not hide a blocked word."""
    _, disguise = pair
    decision = evaluate(RULES, post(f"Na {disguise}!"))
    assert decision is not None, disguise
    assert decision.reason.startswith("blocked word:")
