"""Content-addressed files in ``WALL_DATA_DIR/media``: the name is a hash of the bytes, so a file
never changes under its name and can be cached for a year."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


def name_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32] + ".jpg"


def put(data: bytes, media_dir: Path) -> str:
    """Write ``data`` under its content name (atomically, once) and return the name."""
    name = name_for(data)
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        tmp = media_dir / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(target)
    return name
