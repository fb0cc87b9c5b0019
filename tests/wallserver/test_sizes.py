"""Limits stated in messages: readable, never more than the real limit, never zero."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from wallserver.sizes import UNITS, readable

FACTORS = dict(UNITS) | {"byte": 1, "bytes": 1}


def test_common_limits_read_as_people_write_them() -> None:
    assert readable(15 * 1024 * 1024) == "15 MB"
    assert readable(1536 * 1024) == "1.5 MB"
    assert readable(800 * 1024) == "800 KB"
    assert readable(10_000) == "9.7 KB"
    assert readable(1) == "1 byte"
    assert readable(999) == "999 bytes"


@given(st.integers(min_value=1, max_value=2**50))
def test_a_stated_limit_is_at_most_the_real_one_and_close_to_it(size: int) -> None:
    match = re.fullmatch(r"(\d+(?:\.\d)?) (GB|MB|KB|bytes?)", readable(size))
    assert match, readable(size)
    stated = float(match[1]) * FACTORS[match[2]]
    assert 0 < stated <= size
    assert stated >= size * 0.9
