"""The chaos run's checker catches what it is there to catch (else a green run proves nothing)."""

from __future__ import annotations

import json

from bench.chaos import Watcher
from bench.chaos_verdict import Database, Report, judge


def show(seq: int, post_id: int) -> tuple[int, str, int, str]:
    return (seq, "post.show", post_id, json.dumps({"type": "post.show", "seq": seq, "id": post_id}))


def database(n: int = 3) -> Database:
    posts = [(f"p0-{i}", i + 1, "approved") for i in range(n)]
    return Database(n, posts, [show(i + 1, i + 1) for i in range(n)], "ok")


def wall_with(db: Database) -> Watcher:
    watcher = Watcher("ws://unused")
    watcher.seen = [(seq, message) for seq, _, _, message in db.log]
    watcher.last = len(watcher.seen)
    return watcher


def judged(db: Database, acknowledged: dict[str, int], walls: list[Watcher]) -> Report:
    report = Report("sqlite")
    judge(report, db, acknowledged, walls)
    return report


def test_a_clean_run_has_no_violations() -> None:
    """Every acknowledged post stored and shown once, walls equal to the log: nothing to report."""
    db = database()
    acked = {sid: post_id for sid, post_id, _ in db.posts}
    assert judged(db, acked, [wall_with(db)]).violations == []


def test_lost_doubled_unshown_and_misdelivered_are_each_caught() -> None:
    """A post acknowledged under another id, a post stored twice, an approved post missing from
    the log, a hole in the log, and a wall that missed or altered a message all fail the run."""
    db = database()
    acked = {sid: post_id for sid, post_id, _ in db.posts}
    wall = wall_with(db)
    assert "lost=1" in judged(db, {**acked, "p0-0": 99}, [wall]).violations

    doubled = Database(3, [*db.posts, ("p0-1", 7, "pending")], db.log, "ok")
    assert "duplicates=1" in judged(doubled, acked, [wall]).violations

    holed = Database(3, db.posts, [db.log[0], db.log[2]], "ok")
    found = judged(holed, acked, [wall_with(holed)]).violations
    assert "log_gaps=1" in found and "unshown=1" in found

    skipping = wall_with(db)
    skipping.seen = [skipping.seen[0], skipping.seen[2]]
    assert "gaps=1" in judged(db, acked, [skipping]).violations

    altered = wall_with(db)
    altered.seen[1] = (2, altered.seen[1][1].replace('"id": 2', '"id": 3'))
    assert "mismatched=1" in judged(db, acked, [altered]).violations

    assert (
        "integrity=1 page broken"
        in judged(Database(3, db.posts, db.log, "1 page broken"), acked, [wall]).violations
    )
