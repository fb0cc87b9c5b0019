"""Admins' regexes run on RE2: no post can make matching slow, Python's Unicode classes still
hold, and what RE2 cannot run is refused when the rules are saved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation import Candidate, RuleError, RuleSet, evaluate
from moderation.rulebook.patterns import compile_pattern, unicode_classes

NOW = 1_800_000_000.0


def verdict(patterns: list[str], text: str) -> str | None:
    rules = RuleSet.from_dict({"chain": [{"kind": "regex", "patterns": patterns}]})
    candidate = Candidate(source="test", author_name="", author_handle="g", text=text, now=NOW)
    decision = evaluate(rules, candidate)
    return None if decision is None or decision.verdict is None else decision.verdict.value


@pytest.mark.timeout(5)
def test_catastrophic_pattern_meets_hostile_post() -> None:
    """``^(a|a)+$`` against 26 a's and a "!" (8 s of backtracking in Python's ``re``) is a quick
    miss, and a quick hit on the a's alone; so are longer texts."""
    assert verdict([r"^(a|a)+$"], "a" * 26 + "!") is None
    assert verdict([r"^(a|a)+$"], "a" * 26) == "hold"
    assert verdict([r"(x+x+)+y", r"^(\w+\s?)+$"], "x" * 5000 + " " + "ab " * 3000 + "!") is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "escape"),
        (r"foo(?=bar)", "perl operator"),
        (r"(?<!x)y", "perl operator"),
        (r"a{1001}", "repetition"),
    ],
)
def test_patterns_re2_cannot_run_are_refused(pattern: str, reason: str) -> None:
    """Backreferences, lookarounds and huge repetitions are a RuleError naming the pattern."""
    with pytest.raises(RuleError, match="not a valid regular expression") as caught:
        RuleSet.from_dict({"chain": [{"kind": "regex", "patterns": [pattern]}]})
    assert reason in str(caught.value) and repr(pattern) in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"schei\w+", "so eine Scheiße"),
        (r"^\w+$", "Größenwahn"),
        (r"[\w]+ß", "Fuß"),
        (r"\d\d", "٣٤"),  # Arabic-Indic digits are digits to Python's re
        (r"a\sb", "a\u00a0b"),  # a no-break space is a space to Python's re
        (r"ÄRGER", "so ein ärger"),
        (r"\b(buy|sale)\b", "Big SALE now"),
    ],
)
def test_classes_mean_what_they_mean_in_python(pattern: str, text: str) -> None:
    """``\\w \\d \\s`` take in every script, as in Python's re; case folds beyond ASCII."""
    assert compile_pattern(pattern).search(text)


@given(st.text(alphabet="abc\\[]^-wWdDsS", max_size=20))
def test_class_rewrite_keeps_escapes_whole(pattern: str) -> None:
    """The rewrite never splits an escape: a pattern without Perl classes comes back as it was."""
    if not any(f"\\{c}" in pattern for c in "wWdDsS"):
        assert unicode_classes(pattern) == pattern
