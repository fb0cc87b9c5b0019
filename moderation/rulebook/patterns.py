"""Admins' regular expressions, matched in time linear in the text (RE2), never by backtracking.

Python's ``re`` backtracks: ``^(a|a)+$`` against 26 a's and a "!" held the event loop for
seconds. RE2 (``google-re2``) runs such patterns as automata, so a guest's post costs time in
proportion to its length whatever the admin wrote. The price is syntax RE2 has no linear
algorithm for: backreferences (``\\1``) and lookarounds (``(?=``, ``(?<!``); such patterns are
refused when the rules are saved, with RE2's reason.

RE2's ``\\w``, ``\\d`` and ``\\s`` know ASCII only, where Python's know every script; they are
rewritten to Unicode classes so ``\\w+`` still takes in "Straße". ``\\b`` cannot be rewritten
(it would need lookarounds) and stays ASCII: a word starting or ending in a non-ASCII letter
("ärger", "scheiß") needs ``(^|\\W)`` and ``(\\W|$)`` around it instead.
"""

from __future__ import annotations

from typing import Any, Protocol

import re2

from moderation.chain import RuleError

MAX_PATTERN = 300
MAX_MEMORY = 8 << 20  # bytes of automaton per pattern (RE2's default), so 200 stay affordable

# Perl classes, as RE2 spells their Unicode meaning: outside a bracket, and inside one.
_WORD = r"\pL\pN_"
_DIGIT = r"\p{Nd}"
_SPACE = r"\s\p{Z}\x{85}"
_OUTSIDE = {
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "d": _DIGIT,
    "D": r"\P{Nd}",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE = {"w": _WORD, "d": _DIGIT, "s": _SPACE}


class Pattern(Protocol):
    def search(self, text: str) -> Any: ...


def unicode_classes(pattern: str) -> str:
    """``pattern`` with ``\\w \\W \\d \\D \\s \\S`` meaning what they mean in Python's ``re``.
    Negated classes inside brackets (``[\\W]``) have no RE2 spelling and stay ASCII."""
    out: list[str] = []
    in_bracket = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            table = _INSIDE if in_bracket else _OUTSIDE
            out.append(table.get(escaped, char + escaped))
            i += 2
            continue
        if not in_bracket and char == "[":
            in_bracket = True
            out.append(char)
            i += 1
            # A "]" first in a bracket (after an optional "^") is a literal, not its end.
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append("]")
                i += 1
            continue
        if in_bracket and char == "]":
            in_bracket = False
        out.append(char)
        i += 1
    return "".join(out)


def compile_pattern(pattern: str) -> Pattern:
    """The pattern, case-insensitive, ready to search; :class:`RuleError` says why not."""
    if len(pattern) > MAX_PATTERN:
        raise RuleError(f"regex: pattern longer than {MAX_PATTERN} characters")
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the reason reaches the admin in the RuleError instead
    options.max_mem = MAX_MEMORY
    try:
        return re2.compile(unicode_classes(pattern), options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RuleError(
            f"regex: {pattern!r} is not a valid regular expression: {reason} (patterns run on "
            "RE2, which has no backreferences or lookarounds, so no post can make matching slow)"
        ) from None
