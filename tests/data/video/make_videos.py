"""How the clips here were made (run once, by hand; not needed by the tests).

    pip install --target /tmp/avlib av numpy
    PYTHONPATH=/tmp/avlib python tests/data/video/make_videos.py

short.*: 2 s, 160x120, 10 fps; long.*: 12 s, 32x24, 5 fps. H.264 in MP4, VP9/VP8 in WebM.
"""

from __future__ import annotations

from pathlib import Path

import av  # type: ignore[import-not-found]
import numpy as np  # type: ignore[import-not-found]

HERE = Path(__file__).parent


def make(
    path: str, fmt: str, codec: str, seconds: int, size: tuple[int, int] = (160, 120), fps: int = 10
) -> None:
    out = av.open(str(HERE / path), "w", format=fmt)
    stream = out.add_stream(codec, rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    if codec == "libx264":
        stream.options = {"preset": "ultrafast", "crf": "40"}
    if codec.startswith("libvpx"):
        stream.options = {"crf": "50", "b:v": "0", "deadline": "realtime", "cpu-used": "8"}
    for i in range(seconds * fps):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        edge = (i * 7) % size[0]
        frame[:, :edge] = (200, 30, 30)
        frame[:, edge:] = (20, 60, 200)
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()


if __name__ == "__main__":
    make("short.mp4", "mp4", "libx264", 2)
    make("short.webm", "webm", "libvpx-vp9", 2)
    make("long.mp4", "mp4", "libx264", 12, size=(32, 24), fps=5)
    make("long.webm", "webm", "libvpx", 12, size=(32, 24), fps=5)
