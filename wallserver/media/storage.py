"""Content-addressed files in ``WALL_DATA_DIR/media``: the name is a hash of the bytes, so a file
never changes under its name and can be cached for a year."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|webp|mp4|webm)$")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


def name_for(data: bytes, ext: str = "jpg") -> str:
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"


def content_type(name: str) -> str:
    """The only Content-Type a stored file is served with (by its extension, which we chose)."""
    return CONTENT_TYPES[name.rsplit(".", 1)[-1]]


def put(data: bytes, media_dir: Path, ext: str = "jpg") -> str:
    """Write ``data`` under its content name (atomically, once) and return the name."""
    assert ext in CONTENT_TYPES
    name = name_for(data, ext)
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        tmp = media_dir / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(target)
    return name


def delete(names: set[str], media_dir: Path) -> int:
    """Remove these stored files (names that are not ours, or gone already, are skipped);
    returns how many were removed. Only for files no post, screen or announcement names."""
    removed = 0
    for name in sorted(names):
        if not NAME.match(name):
            continue
        try:
            (media_dir / name).unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed
