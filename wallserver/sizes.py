"""Byte counts as people read them in messages ("15 MB", "1.5 MB", "800 KB")."""

from __future__ import annotations

UNITS = (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024))


def readable(size: int) -> str:
    """``size`` in the largest unit it reaches, rounded down (to a tenth below 10), so a limit
    stated this way is never more than the real one and never reads as zero."""
    for unit, factor in UNITS:
        if size >= factor:
            tenths = size * 10 // factor
            shown = str(tenths // 10) if tenths >= 100 or tenths % 10 == 0 else f"{tenths / 10:.1f}"
            return f"{shown} {unit}"
    return f"{size} byte" if size == 1 else f"{size} bytes"
