"""A presence table held in process: the memory broker's, and each PostgreSQL instance's copy."""

from __future__ import annotations


class PresenceTable:
    """Groups of members with a value and when each was last seen; see :meth:`Broker.presence_put`
    for the rules this keeps (expiry, a bound per group, eviction of the oldest offline entry)."""

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, tuple[str, float]]] = {}

    def clear(self) -> None:
        self._groups.clear()

    def put(
        self,
        group: str,
        member: str,
        value: str,
        *,
        at: float,
        expire_before: float,
        evict_before: float,
        limit: int,
    ) -> bool:
        table = self._groups.setdefault(group, {})
        for key in [k for k, (_, seen) in table.items() if seen < expire_before]:
            del table[key]
        known = table.get(member)
        if known is not None and known[1] > at:
            return True  # a newer beat is already here (copies may arrive out of order)
        if known is None and len(table) >= limit:
            oldest = min(table, key=lambda k: table[k][1], default=None)
            if oldest is None or table[oldest][1] >= evict_before:
                return False
            del table[oldest]
        table[member] = (value, at)
        return True

    def list(self, group: str, *, after: float) -> list[tuple[str, float]]:
        table = self._groups.get(group, {})
        return [(value, seen) for value, seen in table.values() if seen > after]
