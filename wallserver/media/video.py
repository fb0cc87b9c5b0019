"""Short videos (MP4, WebM), accepted when ``WALL_VIDEO_MAX_BYTES`` is set: recognised by their
bytes, their length and frame size read from the container, stored as they are.

Nothing is decoded or re-encoded here (that would need ffmpeg): the container is parsed with
hachoir (pure Python) for its duration and frame size, so an over-long or frame-less file is
refused, and the file is served under a content name with a fixed, safe Content-Type. Players
(browsers on the walls) decode it; the bytes are never interpreted by this server otherwise.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallserver.errors import PayloadTooLarge, UnsupportedMedia, ValidationFailed
from wallserver.media import sniff, storage
from wallserver.settings import Settings
from wallserver.sizes import readable

# ISO base media brands of MP4 (and QuickTime, which phones record and browsers play as MP4).
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"dash", b"msnv", b"qt  ", b"3gp4", b"3gp5",
}  # fmt: skip
EBML = b"\x1a\x45\xdf\xa3"
MIME = {"mp4": "video/mp4", "webm": "video/webm"}
# What a file picker offers when videos are on: the types and names of the containers above
# (QuickTime is what iPhones record; it is accepted when its brand is ``qt  ``).
PICKER_TYPES = "video/mp4,video/webm,video/quicktime,.mp4,.m4v,.mov,.webm"


class VideoTooBig(PayloadTooLarge):
    """Over ``WALL_VIDEO_MAX_BYTES``; its own code, so a page can say so in the guest's language."""

    code = "video_too_big"


class VideoTooLong(ValidationFailed):
    """Longer than ``WALL_VIDEO_MAX_SECONDS``."""

    code = "video_too_long"


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_bytes: int
    max_seconds: float
    max_pixels: int


@dataclass(frozen=True, slots=True)
class CheckedVideo:
    data: bytes
    container: str  # "mp4" | "webm"
    duration: float
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class StoredVideo:
    name: str
    container: str
    duration: float
    width: int
    height: int

    def media_json(self, alt: str = "") -> dict[str, Any]:
        """The post's ``media[]`` entry."""
        return {
            "url": f"/media/{self.name}",
            "kind": "video",
            "alt": alt,
            "width": self.width,
            "height": self.height,
            "duration": round(self.duration, 2),
            "mime": MIME[self.container],
        }


def limits(settings: Settings) -> VideoLimits | None:
    """The configured limits; None while videos are off (``WALL_VIDEO_MAX_BYTES=0``)."""
    if settings.video_max_bytes <= 0:
        return None
    return VideoLimits(
        settings.video_max_bytes, settings.video_max_seconds, settings.max_image_pixels
    )


def container(data: bytes) -> str | None:
    """``mp4`` or ``webm`` when the bytes start like one, else None (it may be a photo)."""
    if data[4:8] == b"ftyp" and data[8:12] in MP4_BRANDS:
        return "mp4"
    if data.startswith(EBML) and b"\x42\x82\x84webm" in data[:64]:  # DocType "webm"
        return "webm"
    return None


def check(data: bytes, limits: VideoLimits) -> CheckedVideo:
    """Validate a video against the limits; raise a 4xx :class:`WallError` otherwise."""
    kind = container(data)
    if kind is None:
        raise UnsupportedMedia("that file is not an MP4 or WebM video")
    if len(data) > limits.max_bytes:
        raise VideoTooBig(f"videos may be at most {readable(limits.max_bytes)}")
    if sniff.carries_markup(data):
        raise UnsupportedMedia("that file carries markup or script next to the video")
    duration, width, height = _probe(data, kind)
    if duration > limits.max_seconds:
        raise VideoTooLong(f"videos may be at most {limits.max_seconds:g} seconds long")
    if width * height > limits.max_pixels:
        raise ValidationFailed("the video's frames are too large")
    return CheckedVideo(data, kind, duration, width, height)


def save(video: CheckedVideo, media_dir: Path) -> StoredVideo:
    name = storage.put(video.data, media_dir, video.container)
    return StoredVideo(name, video.container, video.duration, video.width, video.height)


def _probe(data: bytes, kind: str) -> tuple[float, int, int]:
    """Duration (seconds), width and height from the container's headers."""
    from hachoir.core import config
    from hachoir.metadata import extractMetadata
    from hachoir.parser.container import MkvFile, MP4File
    from hachoir.stream import InputIOStream

    config.quiet = True  # hachoir reports oddities on stderr; a refusal says enough
    parser_class = MP4File if kind == "mp4" else MkvFile
    try:
        parser = parser_class(InputIOStream(io.BytesIO(data)), validate=True)
        metadata = extractMetadata(parser)
    except Exception as exc:  # a damaged container may fail anywhere inside the parser
        raise UnsupportedMedia("the video is damaged or not a container we can read") from exc
    if metadata is None or not metadata.has("duration"):
        raise UnsupportedMedia("the video does not say how long it is")
    duration = metadata.get("duration").total_seconds()
    width, height = _size(metadata)
    if not (duration > 0 and width > 0 and height > 0):
        raise UnsupportedMedia("that file has no video picture")
    return duration, width, height


def _size(metadata: Any) -> tuple[int, int]:
    groups = [metadata, *(metadata.iterGroups() if hasattr(metadata, "iterGroups") else [])]
    for group in groups:
        if group.has("width") and group.has("height"):
            return int(group.get("width")), int(group.get("height"))
    return 0, 0
