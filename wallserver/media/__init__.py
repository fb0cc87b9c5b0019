"""The media pipeline shared by uploads (and, later, by connectors re-hosting remote media).

``sniff`` decides what a file is by its bytes, ``process`` decodes within a pixel budget, turns
the picture upright and re-encodes it (wall size, thumbnail, blurhash; JPEG, or WebP with alpha
when the picture is transparent), ``storage`` writes content-addressed files. Nothing is written
until every check has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallserver.errors import PayloadTooLarge
from wallserver.media import storage
from wallserver.media.process import Processed, process
from wallserver.sizes import readable

__all__ = ["StoredImage", "prepare", "save", "store_image"]


@dataclass(frozen=True, slots=True)
class StoredImage:
    name: str
    width: int
    height: int
    thumb_name: str
    thumb_width: int
    thumb_height: int
    placeholder: str

    def media_json(self, alt: str = "") -> dict[str, Any]:
        """The post's ``media[]`` entry."""
        return {
            "url": f"/media/{self.name}",
            "kind": "image",
            "alt": alt,
            "width": self.width,
            "height": self.height,
            "thumb_url": f"/media/{self.thumb_name}",
            "placeholder": self.placeholder,
        }


def store_image(
    data: bytes, media_dir: Path, max_pixels: int, max_bytes: int | None = None
) -> StoredImage:
    """Validate, re-encode and store an image; raise a 4xx error (storing nothing) otherwise.

    Blocking (decoding a 12 MP photo takes a while): call it through ``asyncio.to_thread``.
    """
    return save(prepare(data, max_pixels, max_bytes), media_dir)


def prepare(data: bytes, max_pixels: int, max_bytes: int | None = None) -> Processed:
    """Validate and re-encode without storing (for several photos that succeed or fail together)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayloadTooLarge(f"images may be at most {readable(max_bytes)}")
    return process(data, max_pixels)


def save(done: Processed, media_dir: Path) -> StoredImage:
    """Store a prepared image's renditions under their content names."""
    return StoredImage(
        name=storage.put(done.wall.data, media_dir, done.wall.ext),
        width=done.wall.width,
        height=done.wall.height,
        thumb_name=storage.put(done.thumb.data, media_dir, done.thumb.ext),
        thumb_width=done.thumb.width,
        thumb_height=done.thumb.height,
        placeholder=done.placeholder,
    )
