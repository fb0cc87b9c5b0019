"""What a file is, decided by its bytes, never by its name or the Content-Type it came with.

Only the image containers we accept are recognised; anything else (a zip renamed ``.jpg``, an SVG,
an executable, an empty file) is refused before Pillow sees it. Files that carry markup or script
next to an image header (HTML/JS polyglots) are refused too: the re-encode would drop the payload
anyway, but a file that tries to be two things is not a guest's holiday photo.
"""

from __future__ import annotations

from wallserver.errors import UnsupportedMedia, ValidationFailed

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

# Long markers are searched through the whole file: seven or more specific bytes do not turn up
# by chance in compressed pixel data. Short ones would, so they are searched only near the ends,
# where polyglots keep their markup.
# (Lower-cased once and searched with bytes.find: a case-insensitive regex over a 3 MB photo
# took 190 ms, this takes a few.)
_ANYWHERE = (b"<script", b"<iframe", b"<!doctype", b"javascript:", b"onerror=", b"onload=")
_NEAR_ENDS = (b"<html", b"<svg", b"<body", b"<img", b"<?xml")
_END_WINDOW = 4096


def detect(data: bytes) -> str:
    """The Pillow format name (``JPEG``, ``PNG``, ``GIF``, ``WEBP``, ``HEIF``) of ``data``."""
    if not data:
        raise ValidationFailed("the image is empty (0 bytes)")
    kind = _magic(data)
    if kind is None:
        raise UnsupportedMedia("that file is not a photo: send a JPEG, PNG, WebP, GIF or HEIC")
    if carries_markup(data):
        raise UnsupportedMedia("that file carries markup or script next to the image")
    return kind


def carries_markup(data: bytes) -> bool:
    """Markup or script inside the file (a polyglot), for photos and videos alike."""
    lowered = data.lower()
    if any(marker in lowered for marker in _ANYWHERE):
        return True
    ends = lowered[:_END_WINDOW] + lowered[-_END_WINDOW:]
    return any(marker in ends for marker in _NEAR_ENDS)


def _magic(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None
