"""The normaliser folds the usual tricks for slipping past a blocklist onto the plain word."""

from __future__ import annotations

import pytest

from moderation.normalise import fold, stretches, words


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("h3ll0", "hello"),  # leetspeak digits
        ("$h!t", "shit"),  # leetspeak symbols
        ("@ss", "ass"),
        ("Sch€iße", "scheisse"),  # euro sign and sharp s
        ("héllö", "hello"),  # diacritics
        ("Ḧ̤e̊llo", "hello"),  # stacked combining marks
        ("he\u200bll\u200do", "hello"),  # zero-width space and joiner
        ("hel\u00adlo", "hello"),  # soft hyphen
        ("\u0445\u0435llo", "xello"),  # Cyrillic ha and ie
        ("h\u0435ll\u043e", "hello"),  # Cyrillic ie and o inside Latin
        ("\u03b1ss", "ass"),  # Greek alpha
        ("\uff48\uff45\uff4c\uff4c\uff4f", "hello"),  # full-width forms (NFKC)
        ("HELLO", "hello"),
        ("heeeellllooooo", "hello"),  # stretched letters
    ],
)
def test_tricks_fold_to_the_plain_word(written: str, plain: str) -> None:
    """A disguised spelling folds to the same string as the plain spelling."""
    assert fold(written) == fold(plain)


def test_words_splits_on_spaces_and_punctuation() -> None:
    """Words are separated by whitespace and punctuation, folded each, repeated letters kept."""
    assert words("Hello, wörld. \uff27\uff32ÜẞE") == ["hello", "world", "grusse"]


def test_punctuation_after_a_word_does_not_hide_it() -> None:
    """A word followed by "!" or "|" is still found, though those symbols are leetspeak."""
    assert "crap" in words("What a crap!")
    assert "crap" in words("crap|")


def test_symbols_inside_a_word_still_count_as_letters() -> None:
    """ "sh!t" and "$hit" are found as the word they spell."""
    assert "shit" in words("oh sh!t")
    assert "shit" in words("$hit happens")


@pytest.mark.parametrize(
    ("word", "entry", "expected"),
    [
        ("craaaap", "crap", True),
        ("crap", "crap", True),
        ("asssss", "ass", True),
        ("as", "ass", False),  # a shorter word is a different word
        ("aas", "ass", False),
        ("good", "god", True),
        ("god", "good", False),
        ("crape", "crap", False),
    ],
)
def test_stretched_word_matches_only_a_shorter_spelling(
    word: str, entry: str, expected: bool
) -> None:
    """Holding letters longer still spells the entry; dropping a letter does not."""
    assert stretches(word, entry) is expected
