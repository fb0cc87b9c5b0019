"""Whole numbers from untrusted text: ASCII digits only, bounded, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallserver.digits import whole_number


@pytest.mark.parametrize(
    "text", ["", "²", "٣", "1²", "-1", "+1", "1.5", " 1", "1\n", "1_000", "0x1", "9" * 19]
)
def test_anything_but_a_few_ascii_digits_is_none(text: str) -> None:
    """Superscripts, other scripts' digits, signs, spaces and overlong numbers are no number."""
    assert whole_number(text) is None
    assert whole_number(text.encode()) is None


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_ascii_digits_read_as_their_number(value: int) -> None:
    """What ``str(int)`` writes, ``whole_number`` reads back, as text or bytes."""
    assert whole_number(str(value)) == value
    assert whole_number(str(value).encode()) == value


@given(st.text(max_size=30))
def test_any_text_gives_a_number_or_none(text: str) -> None:
    """No input raises; whatever is read is a non-negative int within the digit bound."""
    number = whole_number(text)
    assert number is None or 0 <= number < 10**18
