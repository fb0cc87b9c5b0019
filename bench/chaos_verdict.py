"""What a chaos run found: the database read straight, judged against what the walls received.

``bench/chaos.py`` drives the run; this module reads the event's posts and wall log (SQLite
file, or the private PostgreSQL with ``pg_amcheck``), counts every violation into a
:class:`Report`, and renders the table.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from bench.private import PrivatePostgres

SLUG = "chaos"
SOURCE = "chaos"
Setup = Literal["sqlite", "postgres"]


class Wall(Protocol):
    """What a watching wall recorded (``bench.chaos.Watcher``)."""

    seen: list[tuple[int, str]]
    doubles: int
    resets: int


@dataclass
class Report:
    setup: Setup
    seconds: float = 0.0
    events: int = 0  # wall log entries at the end (seq N)
    kills: int = 0
    restarts: dict[str, int] = field(default_factory=dict)
    cuts: int = 0
    resumes: int = 0
    acknowledged: int = 0
    unanswered: int = 0  # ingests and approvals that got no answer (or a 5xx), sent again
    server_errors: dict[int, int] = field(default_factory=dict)  # of those, 5xx answers
    stored: int = 0
    duplicates: int = 0  # posts stored more than once
    lost: int = 0  # acknowledged posts not stored, or stored under another id
    unshown: int = 0  # approved posts not exactly once on the wall log
    log_gaps: int = 0  # seqs missing from the wall log
    gaps: int = 0  # seqs of the log a wall never got, and replays that started over
    doubles: int = 0  # seqs a wall received twice
    mismatched: int = 0  # seqs where a wall got something other than the log's message
    behind: int = 0  # walls that had not caught up after ``settle``
    integrity: str = "unchecked"

    @property
    def violations(self) -> list[str]:
        counts = ("duplicates", "lost", "unshown", "log_gaps", "gaps", "doubles", "mismatched")
        found = [f"{name}={getattr(self, name)}" for name in (*counts, "behind")]
        found = [f for f in found if not f.endswith("=0")]
        if self.integrity != "ok":
            found.append(f"integrity={self.integrity}")
        if self.acknowledged == 0 or self.events == 0:
            found.append("nothing was posted")
        return found

    def rows(self) -> list[tuple[str, str]]:
        restarts = ", ".join(f"{k} {v}" for k, v in self.restarts.items()) or "0"
        errors = ", ".join(f"{v}x {k}" for k, v in sorted(self.server_errors.items())) or "0"
        return [
            ("seconds", f"{self.seconds:.0f}"),
            ("events (wall log seqs)", str(self.events)),
            ("server kills (SIGKILL)", str(self.kills)),
            ("restarts", restarts),
            ("wall connections cut", str(self.cuts)),
            ("wall resumes", str(self.resumes)),
            ("acknowledged posts", str(self.acknowledged)),
            ("requests unanswered, sent again", str(self.unanswered)),
            ("of those, 5xx answers", errors),
            ("stored posts", str(self.stored)),
            ("duplicates", str(self.duplicates)),
            ("acknowledged but lost", str(self.lost)),
            ("approved, not shown exactly once", str(self.unshown)),
            ("gaps in the wall log", str(self.log_gaps)),
            ("gaps seen by walls", str(self.gaps)),
            ("seqs a wall got twice", str(self.doubles)),
            ("messages unlike the log", str(self.mismatched)),
            ("walls behind at the end", str(self.behind)),
            ("integrity", self.integrity),
        ]


@dataclass(frozen=True, slots=True)
class Database:
    wall_seq: int
    posts: list[tuple[str, int, str]]  # (source_id, id, status)
    log: list[tuple[int, str, int | None, str]]  # (seq, type, post_id, message)
    integrity: str


QUERIES = (
    "SELECT id, wall_seq FROM event WHERE slug = '" + SLUG + "'",
    "SELECT source_id, id, status FROM post WHERE event_id = %s AND source = '" + SOURCE + "'",
    "SELECT seq, type, post_id, message FROM wall_entry WHERE event_id = %s ORDER BY seq",
)


def read_sqlite(path: Path) -> Database:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        event_id, wall_seq = conn.execute(QUERIES[0]).fetchone()
        posts = conn.execute(QUERIES[1].replace("%s", "?"), (event_id,)).fetchall()
        log = conn.execute(QUERIES[2].replace("%s", "?"), (event_id,)).fetchall()
        integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
    return Database(int(wall_seq), posts, log, integrity)


async def read_postgres(postgres: PrivatePostgres) -> Database:
    import psycopg

    url = postgres.url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        event_id, wall_seq = await (await conn.execute(QUERIES[0])).fetchone()  # type: ignore[misc]
        posts = await (await conn.execute(QUERIES[1], (event_id,))).fetchall()
        log = await (await conn.execute(QUERIES[2], (event_id,))).fetchall()
        # the unique constraint the idempotent ingest relies on still holds
        dup = await conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM post GROUP BY event_id, source, source_id"
            " HAVING count(*) > 1) d"
        )
        (duplicated,) = await dup.fetchone()  # type: ignore[misc]
    integrity = await postgres.amcheck()
    if duplicated:
        integrity = f"{duplicated} duplicated (source, source_id); {integrity}"
    return Database(int(wall_seq), list(posts), list(log), integrity)


def judge(
    report: Report, db: Database, acknowledged: dict[str, int], watchers: Sequence[Wall]
) -> None:
    """Fill the report's counts of what went wrong from the database and what the walls saw."""
    report.events = len(db.log)
    report.acknowledged = len(acknowledged)
    report.stored = len(db.posts)
    report.integrity = db.integrity
    by_source_id = Counter(source_id for source_id, _, _ in db.posts)
    report.duplicates = sum(n - 1 for n in by_source_id.values())
    stored = {source_id: post_id for source_id, post_id, _ in db.posts}
    report.lost = sum(stored.get(sid) != post_id for sid, post_id in acknowledged.items())
    shows = Counter(post_id for _, kind, post_id, _ in db.log if kind == "post.show")
    approved = [post_id for _, post_id, status in db.posts if status == "approved"]
    not_approved = len(db.posts) - len(approved)
    report.unshown = sum(shows[p] != 1 for p in approved) + not_approved
    seqs = [seq for seq, *_ in db.log]
    # seqs missing from the log, or in it beyond the event's counter
    report.log_gaps = len(set(range(1, db.wall_seq + 1)) ^ set(seqs))
    messages = {seq: message for seq, _, _, message in db.log}
    for w in watchers:
        # a seq of the log the wall never got (a skip live, or a replay that started over);
        # one it got that the log does not hold counts as mismatched below
        report.gaps += len(set(seqs) - {seq for seq, _ in w.seen}) + w.resets
        report.doubles += w.doubles
        report.mismatched += sum(messages.get(seq) != text for seq, text in w.seen)


def render(reports: list[Report]) -> str:
    """The table: one column per setup."""
    names = [name for name, _ in reports[0].rows()]
    columns = [[value for _, value in r.rows()] for r in reports]
    width = max(len(n) for n in names)
    widths = [
        max(len(r.setup), *(len(v) for v in col)) for r, col in zip(reports, columns, strict=True)
    ]
    head = "".ljust(width) + "".join(
        f"  {r.setup:>{w}}" for r, w in zip(reports, widths, strict=True)
    )
    lines = [head]
    for i, name in enumerate(names):
        cells = "".join(f"  {col[i]:>{w}}" for col, w in zip(columns, widths, strict=True))
        lines.append(name.ljust(width) + cells)
    return "\n".join(lines)
