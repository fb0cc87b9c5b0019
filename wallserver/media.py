"""Uploaded images: recognised by content, bounded, re-encoded (which drops EXIF and GPS), and
stored under content-addressed names in ``WALL_DATA_DIR/media``."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from wallserver.errors import UnsupportedMedia, ValidationFailed

ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}
WALL_EDGE = 2048


@dataclass(frozen=True, slots=True)
class StoredImage:
    name: str
    width: int
    height: int


def store_image(data: bytes, media_dir: Path, max_pixels: int) -> StoredImage:
    """Validate and re-encode an uploaded image; raise a 4xx error for anything else."""
    if not data:
        raise ValidationFailed("the image is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED:
                    raise UnsupportedMedia(
                        f"images must be JPEG, PNG, WebP or GIF, not {probe.format}"
                    )
                if probe.width * probe.height > max_pixels:
                    raise ValidationFailed("the image has too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                img: Image.Image = ImageOps.exif_transpose(opened)
                img.thumbnail((WALL_EDGE, WALL_EDGE))
                if img.mode not in ("RGB", "L"):
                    img = _flatten(img.convert("RGBA"))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=85, optimize=True)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise UnsupportedMedia("that file is not an image we can show") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMedia("the image is damaged or truncated") from exc
    encoded = out.getvalue()
    name = hashlib.sha256(encoded).hexdigest()[:32] + ".jpg"
    media_dir.mkdir(parents=True, exist_ok=True)
    target = media_dir / name
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(encoded)
        tmp.replace(target)
    return StoredImage(name, img.width, img.height)


def _flatten(img: Image.Image) -> Image.Image:
    background = Image.new("RGB", img.size, (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    return background
