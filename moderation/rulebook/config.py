"""Reading one rule's JSON configuration strictly: unknown keys and wrong types are errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moderation.chain import RuleError, Verdict

MAX_ITEMS = 20_000


class Config:
    """A rule's settings, read key by key; :meth:`done` rejects keys nobody read."""

    def __init__(self, kind: str, data: dict[str, Any]) -> None:
        self.kind = kind
        self.data = data
        self.read: set[str] = {"kind"}

    def strings(self, key: str, *, max_len: int = 500) -> list[str]:
        self.read.add(key)
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RuleError(f"{self.kind}.{key} must be a list of strings")
        if len(value) > MAX_ITEMS:
            raise RuleError(f"{self.kind}.{key} has more than {MAX_ITEMS} entries")
        for v in value:
            if len(v) > max_len:
                raise RuleError(f"{self.kind}.{key}: {v[:40]!r}… is longer than {max_len}")
        return [v.strip() for v in value if v.strip()]

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        self.read.add(key)
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RuleError(f"{self.kind}.{key} must be a number")
        if not low <= value <= high:
            raise RuleError(f"{self.kind}.{key} must be between {low:g} and {high:g}")
        return float(value)

    def choice(self, key: str, default: str, allowed: Iterable[str]) -> str:
        self.read.add(key)
        value = self.data.get(key, default)
        options = list(allowed)
        if value not in options:
            raise RuleError(f"{self.kind}.{key} must be one of {', '.join(options)}")
        return str(value)

    def verdict(self, default: Verdict, allowed: Iterable[Verdict] = tuple(Verdict)) -> Verdict:
        return Verdict(self.choice("verdict", default.value, [v.value for v in allowed]))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise RuleError(f"{self.kind}: unknown setting {', '.join(map(repr, unknown))}")
