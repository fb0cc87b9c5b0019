"""Photo-like pictures made with Pillow, for uploads in browser tests and the README screenshot.

Deterministic per seed: party lights (bokeh), a winter evening, a sunset over hills, a stage.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

Size = tuple[int, int]
RGB = tuple[int, int, int]


def _gradient(size: Size, top: RGB, bottom: RGB) -> Image.Image:
    height = size[1]
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize(size)


def _glow(
    base: Image.Image, spots: list[tuple[int, int, int, RGB, int]], blur: float
) -> Image.Image:
    """Add blurred, translucent discs (x, y, radius, colour, alpha) on top of ``base``."""
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for x, y, r, colour, alpha in spots:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, alpha))
    layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return Image.alpha_composite(base.convert("RGBA"), layer).convert("RGB")


def party_lights(rng: random.Random, size: Size) -> Image.Image:
    width, height = size
    image = _gradient(size, (18, 10, 36), (60, 14, 30))
    warm = [(255, 196, 87), (255, 120, 80), (255, 230, 160), (120, 200, 255), (255, 90, 140)]
    spots = [
        (rng.randrange(width), rng.randrange(height), rng.randrange(14, 55), rng.choice(warm), 95)
        for _ in range(32)
    ]
    image = _glow(image, spots, blur=14)
    sharp = [
        (
            rng.randrange(width),
            rng.randrange(height // 2),
            rng.randrange(3, 8),
            rng.choice(warm),
            230,
        )
        for _ in range(60)
    ]
    return _glow(image, sharp, blur=1.5)


def winter_evening(rng: random.Random, size: Size) -> Image.Image:
    width, height = size
    image = _gradient(size, (20, 40, 90), (150, 180, 220))
    draw = ImageDraw.Draw(image)
    ground = round(height * 0.78)
    draw.rectangle((0, ground, width, height), fill=(232, 238, 246))
    for _ in range(9):
        x = rng.randrange(width)
        h = rng.randrange(height // 4, height // 2)
        w = h // 2
        shade = rng.choice([(18, 70, 48), (24, 88, 58), (14, 58, 40)])
        for step in range(3):
            top = ground - h + step * h // 4
            draw.polygon(
                [
                    (x, top),
                    (x - w // 2 + step * 4, top + h // 2),
                    (x + w // 2 - step * 4, top + h // 2),
                ],
                fill=shade,
            )
    image = _glow(
        image,
        [
            (rng.randrange(width), rng.randrange(ground), rng.randrange(2, 5), (255, 255, 255), 220)
            for _ in range(160)
        ],
        blur=0.8,
    )
    return _glow(
        image,
        [(round(width * 0.8), round(height * 0.2), height // 10, (255, 244, 214), 200)],
        blur=20,
    )


def sunset(rng: random.Random, size: Size) -> Image.Image:
    width, height = size
    image = _gradient(size, (45, 60, 130), (250, 150, 80))
    image = _glow(
        image,
        [
            (
                round(width * rng.uniform(0.3, 0.7)),
                round(height * 0.62),
                height // 7,
                (255, 220, 120),
                255,
            )
        ],
        blur=12,
    )
    draw = ImageDraw.Draw(image)
    for layer, colour in enumerate([(92, 52, 82), (60, 34, 60), (34, 20, 38)]):
        base = round(height * (0.66 + layer * 0.1))
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            points.append((x, base + round(rng.uniform(-1, 1) * height * 0.05)))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def stage(rng: random.Random, size: Size) -> Image.Image:
    width, height = size
    image = _gradient(size, (8, 8, 20), (30, 16, 40))
    beams = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(beams)
    for _ in range(5):
        x = rng.randrange(width)
        spread = rng.randrange(width // 10, width // 5)
        colour = rng.choice([(120, 90, 255), (255, 80, 200), (80, 220, 255), (255, 210, 90)])
        draw.polygon([(x, 0), (x - spread, height), (x + spread, height)], fill=(*colour, 70))
    image = Image.alpha_composite(
        image.convert("RGBA"), beams.filter(ImageFilter.GaussianBlur(18))
    ).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):  # the crowd's heads and raised arms in silhouette
        x = rng.randrange(width)
        r = rng.randrange(height // 30, height // 18)
        y = height - rng.randrange(0, height // 8)
        draw.ellipse((x - r, y - r * 3, x + r, y - r), fill=(6, 6, 12))
        draw.rounded_rectangle((x - r * 2, y - r // 2, x + r * 2, height + r), r, fill=(6, 6, 12))
    return image


STYLES: list[Callable[[random.Random, Size], Image.Image]] = [
    party_lights,
    winter_evening,
    sunset,
    stage,
]


def picture(seed: int, size: Size = (1200, 800), style: int | None = None) -> Image.Image:
    rng = random.Random(seed)
    make = STYLES[seed % len(STYLES) if style is None else style]
    return make(rng, size)


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write_png(path: Path, seed: int, size: Size = (1200, 800)) -> Path:
    picture(seed, size).save(path, "PNG")
    return path
