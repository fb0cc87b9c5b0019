"""Photo-like demo images, drawn on the fly: warm bokeh lights over a gradient."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

PALETTES = [
    ((25, 20, 60), (190, 60, 40), (255, 200, 90)),  # candle light
    ((10, 40, 30), (30, 110, 70), (250, 230, 150)),  # fir and fairy lights
    ((20, 25, 50), (70, 90, 170), (220, 235, 255)),  # snowy night
    ((60, 10, 25), (170, 30, 50), (255, 215, 120)),  # red and gold
]


def photo(rng: random.Random, width: int = 960, height: int = 720) -> bytes:
    dark, mid, light = rng.choice(PALETTES)
    img = Image.new("RGB", (width, height), dark)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        row = tuple(int(dark[i] + (mid[i] - dark[i]) * t) for i in range(3))
        draw.line([(0, y), (width, y)], fill=row)
    lights = Image.new("RGB", (width, height), (0, 0, 0))
    ldraw = ImageDraw.Draw(lights)
    for _ in range(rng.randint(25, 45)):
        r = rng.randint(12, 70)
        x, y = rng.randint(-r, width + r), rng.randint(-r, height)
        glow = tuple(int(c * rng.uniform(0.4, 1.0)) for c in light)
        ldraw.ellipse([x - r, y - r, x + r, y + r], fill=glow)
    lights = lights.filter(ImageFilter.GaussianBlur(rng.uniform(6, 14)))
    img = Image.blend(img, Image.composite(lights, img, lights.convert("L")), 0.75)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82)
    return out.getvalue()
