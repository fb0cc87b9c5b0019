"""A BlurHash (https://blurha.sh) of a picture: ~30 characters a wall can paint as a soft blur
while the real image loads. Encoded here from a 32 px copy, so it costs well under a millisecond
per component; no dependency needed for forty lines of arithmetic."""

from __future__ import annotations

import math

from PIL import Image

_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def blurhash(img: Image.Image, x_components: int = 4, y_components: int = 3) -> str:
    """The BlurHash of ``img`` (an RGB image, ideally already tiny)."""
    rgb = img.convert("RGB")
    width, height = rgb.size
    raw = rgb.tobytes()
    linear = [_to_linear(v) for v in range(256)]
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        for i in range(x_components):
            norm = 1.0 if i == j == 0 else 2.0
            r = g = b = 0.0
            for y in range(height):
                cy = math.cos(math.pi * j * y / height)
                row = y * width * 3
                for x in range(width):
                    basis = norm * math.cos(math.pi * i * x / width) * cy
                    k = row + x * 3
                    r += basis * linear[raw[k]]
                    g += basis * linear[raw[k + 1]]
                    b += basis * linear[raw[k + 2]]
            scale = 1.0 / (width * height)
            factors.append((r * scale, g * scale, b * scale))
    dc, ac = factors[0], factors[1:]
    out = _b83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(abs(c) for f in ac for c in f)
        quantised = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        max_value = (quantised + 1) / 166
        out += _b83(quantised, 1)
    else:
        max_value = 1.0
        out += _b83(0, 1)
    out += _b83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4)
    for f in ac:
        q = [max(0, min(18, math.floor(_sign_pow(c / max_value, 0.5) * 9 + 9.5))) for c in f]
        out += _b83(q[0] * 19 * 19 + q[1] * 19 + q[2], 2)
    return out


def _to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    if v <= 0.0031308:
        return round(v * 12.92 * 255 + 0.5)
    return round((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exp: float) -> float:
    return math.copysign(abs(value) ** exp, value)


def _b83(value: int, length: int) -> str:
    return "".join(_CHARS[(value // 83 ** (length - i - 1)) % 83] for i in range(length))
