"""A memory budget for decoding pictures, shared by every decode in the process.

The ``media_slots`` semaphore bounds how many pictures decode at once, not how big they are: four
posts of four small 50-megapixel transparent PNGs took RSS from 185 MB to 1.26 GB. Each decode
first asks for its cost in bytes (width x height x bands, for the decoded frame and, when it is
converted, its RGBA copy) and waits until the decodes in flight leave room under the limit. One
picture larger than the whole budget still decodes, alone. Decodes run in threads, so this is a
``threading.Condition``, not an asyncio primitive; ``peak`` makes the budget observable.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_BYTES = 512 * 1024 * 1024


class DecodeBudget:
    def __init__(self, limit: int = DEFAULT_BYTES) -> None:
        self.limit = limit
        self.in_flight = 0
        self.peak = 0  # the most bytes ever in flight at once
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, cost: int) -> Iterator[None]:
        """Wait for room for ``cost`` bytes, hold them for the block, then give them back."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.in_flight == 0 or self.in_flight + cost <= self.limit
            )
            self.in_flight += cost
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._changed:
                self.in_flight -= cost
                self._changed.notify_all()


DECODING = DecodeBudget()  # one per process: every decode shares the machine's memory
