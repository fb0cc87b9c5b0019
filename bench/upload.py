"""Processed photos per second: the media pipeline on a 12-megapixel JPEG from a phone, against
a baseline measured in the same run: Pillow decoding the same file and encoding it once at wall
size, with none of our checks, orientation, thumbnail, placeholder or storage.

CPU-bound and single-threaded per photo; the server runs each upload in a worker thread.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from bench.table import Row, Target
from wallserver.media import store_image
from wallserver.media.process import WALL_EDGE

BENCH = "upload"
SIZE = (4000, 3000)  # 12 MP, what a phone camera writes
MAX_PIXELS = 50_000_000


@dataclass(frozen=True, slots=True)
class UploadConfig:
    photos: int = 10
    warmup: int = 1

    @classmethod
    def quick(cls) -> UploadConfig:
        return cls(photos=2, warmup=0)


def phone_jpeg() -> bytes:
    """A 12 MP JPEG with the detail of a real photo (gradients, shapes, sensor grain) and the
    EXIF a phone adds (orientation, GPS)."""
    img = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    draw = ImageDraw.Draw(img)
    for i in range(60):
        x, y = (i * 617) % SIZE[0], (i * 353) % SIZE[1]
        draw.ellipse((x, y, x + 300, y + 300), fill=((i * 37) % 256, (i * 91) % 256, 120))
    img = img.filter(ImageFilter.GaussianBlur(3))
    grain = Image.effect_noise(SIZE, 30).convert("RGB")
    img = Image.blend(img, grain, 0.12)
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def baseline(data: bytes) -> None:
    """Decode and encode once at wall size: the least any image upload must do."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        img.thumbnail((WALL_EDGE, WALL_EDGE))
        img.save(io.BytesIO(), "JPEG", quality=85)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def summary(times: list[float]) -> tuple[float, float]:
    """Photos per second and the median milliseconds per photo."""
    ordered = sorted(times)
    return len(ordered) / sum(ordered), ordered[len(ordered) // 2] * 1000


async def run(cfg: UploadConfig, workdir: Path) -> list[Row]:
    data = phone_jpeg()
    media = workdir / "media"
    ours: list[float] = []
    base: list[float] = []
    # Alternate the two, so a busy neighbour on a shared machine slows both alike.
    for i in range(cfg.warmup + cfg.photos):
        b = timed(lambda: baseline(data))
        o = timed(lambda: store_image(data, media, MAX_PIXELS))
        if i >= cfg.warmup:
            base.append(b)
            ours.append(o)
    ours_rate, ours_ms = summary(ours)
    base_rate, base_ms = summary(base)
    return [
        Row(BENCH, "input JPEG (MB)", len(data) / 1e6, digits=2),
        Row(BENCH, "12 MP photos/s", ours_rate, base_rate, Target(">=", 0.6), digits=2),
        Row(BENCH, "median ms per photo", ours_ms, base_ms, Target("<=", 1.7), digits=0),
    ]
