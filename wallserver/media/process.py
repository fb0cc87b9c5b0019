"""From accepted bytes to the pictures the wall shows: decoded within a pixel budget, turned
upright by its EXIF orientation, then re-encoded as a wall-sized image and a thumbnail (which drops
EXIF, GPS, XMP, ICC and any trailing data), with a blurhash placeholder.

Opaque pictures become JPEGs. A picture that really uses transparency (a logo: any pixel with
alpha below 255 after scaling) becomes a WebP with its alpha channel, so it does not show as a
white box on a dark wall; every wall browser shows WebP.

Pure: bytes in, bytes out. Storage is in ``storage.py``; the caller runs this in a thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from wallserver.errors import UnsupportedMedia, ValidationFailed
from wallserver.media import budget, heif
from wallserver.media.placeholder import blurhash
from wallserver.media.sniff import detect

WALL_EDGE = 2048
THUMB_EDGE = 480
PLACEHOLDER_EDGE = 32
# What transparent areas count as in the placeholder (a BlurHash has no alpha): a neutral grey
# between dark and light walls.
PLACEHOLDER_BACKDROP = (128, 128, 128)


@dataclass(frozen=True, slots=True)
class Rendition:
    data: bytes
    width: int
    height: int
    ext: str = "jpg"  # the stored name's extension: "jpg" or "webp"


@dataclass(frozen=True, slots=True)
class Processed:
    wall: Rendition
    thumb: Rendition
    placeholder: str


def process(data: bytes, max_pixels: int) -> Processed:
    """Validate and re-encode one image; raise a 4xx :class:`WallError` for anything else."""
    kind = detect(data)
    if kind == "HEIF" and not heif.register():
        raise UnsupportedMedia("HEIC photos are not supported on this server; send a JPEG")
    wall = _decode(data, kind, max_pixels)
    thumb = wall.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    tiny = thumb.copy()
    tiny.thumbnail((PLACEHOLDER_EDGE, PLACEHOLDER_EDGE))
    x, y = (4, 3) if tiny.width >= tiny.height else (3, 4)
    if wall.mode == "RGBA":
        backdrop = Image.new("RGBA", tiny.size, (*PLACEHOLDER_BACKDROP, 255))
        tiny = Image.alpha_composite(backdrop, tiny)
        return Processed(_webp(wall, 90), _webp(thumb, 80), blurhash(tiny, x, y))
    return Processed(_jpeg(wall, 85), _jpeg(thumb, 80), blurhash(tiny, x, y))


def _decode(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:  # reads the header only
                if opened.format != kind:
                    raise UnsupportedMedia("the file's content does not match its image header")
                if opened.width * opened.height > max_pixels:
                    raise _too_many_pixels(max_pixels)
                if not isinstance(opened, ImageFile.ImageFile):
                    raise UnsupportedMedia("that file is not an image we can show")
                # Palette images are resized in RGBA (a palette only resizes by nearest pixel);
                # so are grey or RGB ones with a transparent colour (PNG ``tRNS``).
                plain = opened.mode in ("RGB", "RGBA", "L") and "transparency" not in opened.info
                pixels = opened.width * opened.height
                cost = pixels * len(opened.getbands()) + (0 if plain else pixels * 4)
                with budget.DECODING.hold(cost):
                    opened.load()  # only the first frame of an animation: the wall shows stills
                    img = opened if plain else opened.convert("RGBA")
                    # Scale first, then turn: rotating 12 MP costs more than rotating 3 MP.
                    img.thumbnail((WALL_EDGE, WALL_EDGE))
                    if img is not opened:
                        opened.close()  # the full-size frame goes before the budget is given back
                upright = ImageOps.exif_transpose(img)
                return _rgb_or_rgba(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia("that file is not an image we can show") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnsupportedMedia("the image is damaged or truncated") from exc


def _too_many_pixels(max_pixels: int) -> ValidationFailed:
    return ValidationFailed(f"the image has too many pixels (at most {max_pixels // 1_000_000} MP)")


def _rgb_or_rgba(img: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is (partly) transparent: an alpha channel that is all 255
    is dropped, so an opaque PNG still becomes a JPEG."""
    if img.mode == "RGB":
        return img
    if img.mode == "L":
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    opaque = rgba.getchannel("A").getextrema() == (255, 255)
    return rgba.convert("RGB") if opaque else rgba


def _jpeg(img: Image.Image, quality: int) -> Rendition:
    # Pillow writes EXIF and ICC only when asked, but XMP also from ``info``: empty it, so only
    # pixels are written. (Cheaper than copying into a fresh image: 14 ms against 70 at 3 MP.)
    img.info = {}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return Rendition(out.getvalue(), img.width, img.height, "jpg")


def _webp(img: Image.Image, quality: int) -> Rendition:
    # Lossy colour, lossless alpha (``alpha_quality`` 100), so edges against the wall stay clean.
    # Pillow writes EXIF, ICC and XMP into a WebP only when asked; ``info`` is emptied anyway.
    img.info = {}
    out = io.BytesIO()
    img.save(out, "WEBP", quality=quality, alpha_quality=100, method=4)
    return Rendition(out.getvalue(), img.width, img.height, "webp")
