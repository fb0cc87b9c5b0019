"""Fair screen time (frontend/static/wall/pacing.js) under a fake clock, without a browser.

What staff would notice: every approved post of a burst reaches the screen, each for at least
the dwell time and in approval order, before anything is shown twice; a quiet wall recycles the
post least recently shown; a retracted post never appears again; pinned posts come first.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frontend.js import call, load

DWELL = 8000
RECYCLE = 20000
GAP = 400


@dataclass
class Screen:
    """A pacer on a fake clock, with every stage change recorded as (time, "enter"|"leave", id)."""

    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ctx = load("wall/pacing.js")
        options = {"dwellMs": DWELL, "recycleMs": RECYCLE, "gapMs": GAP, **self.options}
        self.ctx.eval(
            f"var T = 0; var log = [];"
            f"var pacer = new Pacer({{...{json.dumps(options)}, now: () => T}});"
            "function step(ms) { T += ms; const c = pacer.tick();"
            " for (const id of c.leave) log.push([T, 'leave', id]);"
            " for (const p of c.enter) log.push([T, 'enter', String(p.id)]); }"
        )

    def post(self, post_id: int, **extra: Any) -> str:
        body = {"id": post_id, "text": f"post {post_id}", "media": [], **extra}
        return str(call(self.ctx, f"pacer.add({json.dumps(body)})"))

    def retract(self, post_id: int) -> bool:
        return bool(call(self.ctx, f"pacer.remove({post_id})"))

    def run(self, ms: int, step: int = 100) -> None:
        self.ctx.eval(f"for (let i = 0; i < {ms // step}; i++) step({step});")

    def js(self, expression: str) -> Any:
        return call(self.ctx, expression)

    @property
    def now(self) -> int:
        return int(self.js("T"))

    @property
    def log(self) -> list[tuple[int, str, str]]:
        return [tuple(row) for row in self.js("log")]  # type: ignore[misc]

    def entered(self, since: int = 0) -> list[str]:
        return [pid for t, kind, pid in self.log if kind == "enter" and t > since]

    @property
    def stage(self) -> list[str]:
        return list(self.js("pacer.stage"))


def stays(log: list[tuple[int, str, str]]) -> list[tuple[str, int]]:
    """How long each completed stay on stage lasted."""
    entered: dict[str, int] = {}
    out = []
    for t, kind, pid in log:
        if kind == "enter":
            entered[pid] = t
        elif pid in entered:
            out.append((pid, t - entered.pop(pid)))
    return out


def test_a_burst_of_500_is_shown_in_full_before_anything_repeats() -> None:
    screen = Screen({"capacity": 12, "keep": 1000})
    for i in range(1, 21):  # an evening's earlier posts, already shown and recyclable
        screen.post(i)
    screen.run(120_000)
    assert set(screen.entered()) >= {str(i) for i in range(1, 21)}
    burst_start = screen.now
    burst = [str(i) for i in range(1000, 1500)]
    for pid in burst:
        screen.post(int(pid))
    screen.run(600_000)

    after = screen.entered(since=burst_start)
    assert after[:500] == burst, "every burst post once, in approval order, before any repeat"
    assert all(d >= DWELL for _, d in stays(screen.log)), "each post stays at least the dwell time"
    last_burst_entry = max(t for t, kind, pid in screen.log if kind == "enter" and pid == burst[-1])
    # Bursts speed up: twelve places turning over as fast as the dwell allows, far quicker
    # than one post per dwell time.
    assert last_burst_entry - burst_start < 500 * DWELL / 6


def test_a_quiet_wall_recycles_the_least_recently_shown() -> None:
    screen = Screen({"capacity": 1})
    for i in (1, 2, 3):
        screen.post(i)
    screen.run(3 * DWELL + 100)
    assert screen.entered() == ["1", "2", "3"]
    quiet_from = screen.now
    screen.run(3 * RECYCLE + 1000)
    assert screen.entered(since=quiet_from) == ["1", "2", "3"]
    gaps = [t for t, kind, _ in screen.log if kind == "enter" and t > quiet_from]
    assert all(b - a >= RECYCLE for a, b in itertools.pairwise(gaps))


def test_recycling_on_a_board_picks_the_least_recently_shown_off_stage() -> None:
    screen = Screen({"capacity": 3})
    for i in range(1, 7):
        screen.post(i)
    screen.run(60_000)  # 1-3 go up, 4-6 replace them once 1-3 have dwelt
    assert screen.entered()[:6] == ["1", "2", "3", "4", "5", "6"]
    quiet_from = screen.now
    screen.run(RECYCLE * 3)
    recycled = screen.entered(since=quiet_from)
    assert recycled[:3] == ["1", "2", "3"]


def test_a_new_post_goes_before_recycling() -> None:
    screen = Screen({"capacity": 1})
    screen.post(1)
    screen.post(2)
    screen.run(RECYCLE * 2)
    before = screen.now
    screen.post(3)
    screen.run(DWELL * 2)
    assert screen.entered(since=before)[0] == "3"


def test_a_retracted_post_leaves_at_once_and_never_returns() -> None:
    screen = Screen({"capacity": 2})
    for i in (1, 2, 3, 4):
        screen.post(i)
    screen.run(100)
    assert set(screen.stage) == {"1", "2"}
    assert screen.retract(1) is True  # on stage: the page removes its card now
    assert screen.retract(4) is False  # queued
    assert "1" not in screen.stage
    screen.run(RECYCLE * 10)
    assert "1" not in screen.entered(since=100)
    assert "4" not in screen.entered()


def test_pinned_posts_stay_on_a_board() -> None:
    screen = Screen({"capacity": 4})
    screen.post(1, pinned=True)
    for i in range(2, 30):
        screen.post(i)
    screen.run(DWELL * 20)
    assert "1" in screen.stage
    assert [pid for _, kind, pid in screen.log if kind == "leave"].count("1") == 0
    assert len(screen.stage) <= 4


def test_a_pinned_post_goes_first_and_returns_on_a_single_stage() -> None:
    screen = Screen({"capacity": 1})
    for i in range(1, 20):
        screen.post(i)
    screen.run(100)
    screen.js("pacer.setPinned(7, true)")
    screen.run(DWELL * 40)
    entered = screen.entered()
    assert entered[:2] == ["1", "7"], "pinned goes next"
    assert entered.count("7") >= 3, "and keeps coming back"
    assert all(str(i) in entered for i in range(1, 20)), "without starving the queue"


def test_a_screen_filter_only_shows_matching_posts() -> None:
    screen = Screen({"capacity": 2})
    screen.js("pacer.setFilter((p) => p.media.length > 0)")
    screen.post(1)
    screen.post(2, media=[{"kind": "image", "url": "/media/a.jpg"}])
    screen.run(RECYCLE * 3)
    assert set(screen.entered()) == {"2"}


def test_next_skips_the_dwell_and_pause_freezes_the_stage() -> None:
    screen = Screen({"capacity": 1})
    screen.post(1)
    screen.post(2)
    screen.run(100)
    screen.js("pacer.skip()")
    screen.run(100)
    assert screen.entered() == ["1", "2"]
    screen.js("pacer.paused = true")
    screen.post(3)
    screen.run(RECYCLE * 3)
    assert screen.entered() == ["1", "2"]
    screen.js("pacer.paused = false")
    screen.run(100)
    assert screen.entered()[-1] == "3"


def test_spilled_posts_are_fetched_back_in_order_and_retractions_win() -> None:
    screen = Screen({"capacity": 2, "keep": 10})
    for i in range(1, 101):
        screen.post(i)
    assert screen.js("pacer.queue.length") == 10
    assert screen.js("pacer.spill.length") == 90
    screen.retract(50)  # spilled
    fetched_then_retracted = None
    while True:
        screen.run(DWELL)
        ids = screen.js("pacer.wanted(20)")
        if ids:
            if fetched_then_retracted is None:
                fetched_then_retracted = str(ids[1])
                screen.retract(int(ids[1]))  # retracted while the fetch is in flight
            posts = [{"id": int(i), "text": f"post {i}", "media": []} for i in ids]
            screen.js(f"pacer.restore({json.dumps(ids)}, {json.dumps(posts)})")
        if not screen.js("pacer.spill.length") and not screen.js("pacer.queue.length"):
            break
    screen.run(DWELL * 2)
    expected = [str(i) for i in range(1, 101) if i != 50 and str(i) != fetched_then_retracted]
    assert screen.entered()[: len(expected)] == expected


def test_memory_is_bounded_by_keep() -> None:
    screen = Screen({"capacity": 3, "keep": 50})
    for i in range(1, 2001):
        screen.post(i)
        if i % 10 == 0:
            screen.run(DWELL)
            ids = screen.js("pacer.wanted(20)")
            posts = [{"id": int(x), "text": "t", "media": []} for x in ids]
            screen.js(f"pacer.restore({json.dumps(ids)}, {json.dumps(posts)})")
    assert screen.js("pacer.entries.size") <= 2 * 50 + 3


operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(1, 60)),
        st.tuples(st.just("retract"), st.integers(1, 60)),
        st.tuples(st.just("wait"), st.integers(0, 30_000)),
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(ops=operations, capacity=st.integers(1, 6))
def test_fairness_holds_for_any_history(ops: list[tuple[str, int]], capacity: int) -> None:
    """Whatever arrives and leaves, and whenever: no retracted post reappears, nothing repeats
    while an approved post still waits, every stay lasts the dwell, every post gets shown."""
    screen = Screen({"capacity": capacity})
    retracted_at: dict[str, int] = {}
    posted_at: dict[str, int] = {}
    for op, value in ops:
        if op == "post" and str(value) not in retracted_at and str(value) not in posted_at:
            screen.post(value)
            posted_at[str(value)] = screen.now
        elif op == "retract" and str(value) in posted_at:
            screen.retract(value)
            retracted_at.setdefault(str(value), screen.now)
        elif op == "wait":
            screen.run(value)
        screen.run(100)
        assert len(screen.stage) <= capacity
    screen.run(DWELL * (len(posted_at) + 2))

    log = screen.log
    shown: set[str] = set()
    for t, kind, pid in log:
        if kind != "enter":
            continue
        # A retraction at time r comes after the tick at r and before the next one.
        assert pid not in retracted_at or t <= retracted_at[pid], f"{pid} shown after retraction"
        if pid in shown:
            waiting = {
                p
                for p, at in posted_at.items()
                if at <= t and p not in shown and not (p in retracted_at and retracted_at[p] < t)
            }
            assert not waiting, f"{pid} repeated while {sorted(waiting)} waited"
        shown.add(pid)
    assert set(posted_at) - set(retracted_at) <= shown
    retracted_ids = set(retracted_at)
    assert all(d >= DWELL for pid, d in stays(log) if pid not in retracted_ids)
