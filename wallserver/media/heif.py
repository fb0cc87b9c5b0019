"""HEIC/HEIF (what phones shoot) through pillow-heif, registered with Pillow on first use."""

from __future__ import annotations

import functools


@functools.cache
def register() -> bool:
    """Teach Pillow to open HEIF; False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
