"""The swarm in numbers: every figure of a generated event against a direct computation, on
SQLite and PostgreSQL; the CSV export; who may read and change what."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Wall
from tests.wallserver.generated_event import START, Made, expected, generated_wall, load
from tests.wallserver.test_lifecycle import ingest, moved


@pytest.mark.parametrize("window", [10, 3])
async def test_every_figure_of_a_generated_event_matches_a_direct_count(
    any_wall: Wall, window: int
) -> None:
    """On SQLite and PostgreSQL alike, each figure equals the count made from the generated
    posts themselves (people joined across networks, minutes in UTC, nearest-rank percentiles)."""
    made = await generated_wall(any_wall)
    got = await any_wall.client.get(
        f"/api/events/{any_wall.event.slug}/analytics",
        params={"window": window},
        headers=any_wall.auth("moderator"),
    )
    assert got.status_code == 200, got.text
    figures = got.json()
    want = expected(made, window)
    assert figures["totals"] == want["totals"]
    assert figures["totals"]["contributors"] == 640
    assert figures["totals"]["ambassadors"] == 40
    assert figures["timeline"] == want["timeline"]
    assert figures["busiest_minutes"] == want["busiest_minutes"]
    assert figures["hashtags"] == want["hashtags"]
    assert figures["screens"] == want["screens"]
    assert figures["swarm"]["set_off"] == want["swarm"]["set_off"] > 0
    assert figures["swarm"]["top_ambassadors"] == want["swarm"]["top_ambassadors"]
    assert figures["swarm"]["multiplier"] == want["swarm"]["multiplier"]
    assert figures["window_minutes"] == window
    assert len(figures["swarm"]["listed"]) == 40


def read_csv(text: str) -> dict[str, Any]:
    """The JSON figures back from the CSV export (strips the formula guard ``'``)."""

    def cell(v: str) -> str:
        return v[1:] if v.startswith("'") else v

    def num(v: str) -> int | float | None:
        if v == "":
            return None
        return float(v) if "." in v else int(v)

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "detail", "value"]
    out: dict[str, Any] = {
        "totals": {"by_status": {}},
        "timeline": [],
        "busiest_minutes": [],
        "hashtags": [],
        "screens": [],
        "swarm": {"listed": [], "top_ambassadors": [], "multiplier": []},
    }
    points: dict[str, dict[str, Any]] = {}
    for section, key, detail, value in rows[1:]:
        if section == "meta":
            out[key] = int(value) if key == "window_minutes" else value
        elif section == "totals":
            out["totals"][key] = num(value)
        elif section == "status":
            out["totals"]["by_status"][key] = int(value)
        elif section == "timeline":
            out["timeline"].append({"minute": key, "source": cell(detail), "posts": int(value)})
        elif section == "busiest_minute":
            out["busiest_minutes"].append({"minute": key, "posts": int(value)})
        elif section == "hashtag":
            out["hashtags"].append({"tag": cell(key), "posts": int(value)})
        elif section == "screen":
            out["screens"].append({"screen": key, "posts": int(value)})
        elif section == "swarm":
            out["swarm"][key] = int(value)
        elif section == "listed":
            out["swarm"]["listed"].append(cell(key))
        elif section == "top_ambassador":
            out["swarm"]["top_ambassadors"].append(
                {"ambassador": cell(key), "first_posts": int(value)}
            )
        elif section == "multiplier":
            if key not in points:
                points[key] = {"minute": key}
                out["swarm"]["multiplier"].append(points[key])
            points[key][detail] = num(value)
        else:
            raise AssertionError(f"unknown section {section!r}")
    return out


async def test_the_csv_export_reads_back_as_the_json(wall: Wall) -> None:
    """Parsing the CSV gives the JSON figures back, number for number."""
    await generated_wall(wall)
    url = f"/api/events/{wall.event.slug}/analytics"
    figures = (await wall.client.get(url, headers=wall.auth("moderator"))).json()
    got = await wall.client.get(f"{url}.csv", headers=wall.auth("moderator"))
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    back = read_csv(got.text)
    back["generated_at"] = figures["generated_at"]  # two requests, two clocks
    assert back == {**figures, "generated_at": figures["generated_at"]}


async def test_text_that_a_spreadsheet_would_run_is_guarded_and_read_back(wall: Wall) -> None:
    """An ambassador named "=HYPERLINK(...)" is written as text in the CSV, and reads back."""
    await load(
        wall,
        [Made(1, True, "", "web", "", "=HYPERLINK(evil)", START, "#tag hi", False, "approved")],
    )
    await wall.client.put(
        f"/api/events/{wall.event.slug}/ambassadors",
        json={"handles": ["=HYPERLINK(evil)"]},
        headers=wall.auth("admin"),
    )
    await load_one_guest(wall)
    url = f"/api/events/{wall.event.slug}/analytics"
    figures = (await wall.client.get(url, headers=wall.auth("moderator"))).json()
    text = (await wall.client.get(f"{url}.csv", headers=wall.auth("moderator"))).text
    assert figures["swarm"]["top_ambassadors"] == [
        {"ambassador": "=HYPERLINK(evil)", "first_posts": 1}
    ]
    assert "\r\ntop_ambassador,'=HYPERLINK(evil),," in text
    assert read_csv(text)["swarm"]["top_ambassadors"] == figures["swarm"]["top_ambassadors"]


async def load_one_guest(wall: Wall) -> None:
    later = START + timedelta(minutes=2)
    guest = Made(2, False, "", "instagram", "someone", "", later, "hi", False, "pending")
    await load(wall, [guest], screens=False, first=1)


async def test_an_event_without_posts_has_empty_figures(wall: Wall) -> None:
    """No posts: zeros and empty lists, no rate and no decision times (not a 500)."""
    got = await wall.client.get(
        f"/api/events/{wall.event.slug}/analytics", headers=wall.auth("admin")
    )
    assert got.status_code == 200
    figures = got.json()
    assert figures["totals"]["posts"] == 0
    assert figures["totals"]["approval_rate"] is None
    assert figures["totals"]["median_decision_seconds"] is None
    assert figures["timeline"] == [] and figures["swarm"]["multiplier"] == []
    assert figures["screens"] == [{"screen": "main", "posts": 0}]


async def test_staff_read_the_figures_and_only_admins_set_ambassadors(wall: Wall) -> None:
    """Strangers get 401, the display token 403; moderators read, only admins change the list."""
    slug = wall.event.slug
    assert (await wall.client.get(f"/api/events/{slug}/analytics")).status_code == 401
    display = await wall.client.get(
        f"/api/events/{slug}/analytics.csv", headers=wall.auth("display")
    )
    assert display.status_code == 403
    put = await wall.client.put(
        f"/api/events/{slug}/ambassadors", json={"handles": ["x"]}, headers=wall.auth("moderator")
    )
    assert put.status_code == 403
    ok = await wall.client.put(
        f"/api/events/{slug}/ambassadors",
        json={"handles": [" @Anna ", "anna", "BOB"]},
        headers=wall.auth("admin"),
    )
    assert ok.json()["handles"] == ["anna", "bob"]
    read = await wall.client.get(f"/api/events/{slug}/ambassadors", headers=wall.auth("moderator"))
    assert read.json() == {"handles": ["anna", "bob"], "trusted_authors": []}


@pytest.mark.parametrize(
    ("query", "status"), [("window=0", 422), ("window=241", 422), ("window=x", 422)]
)
async def test_a_bad_window_is_a_clear_4xx(wall: Wall, query: str, status: int) -> None:
    """The window is whole minutes from 1 to 240."""
    got = await wall.client.get(
        f"/api/events/{wall.event.slug}/analytics?{query}", headers=wall.auth("admin")
    )
    assert got.status_code == status
    assert "window" in got.text


async def test_bad_ambassador_lists_are_refused(wall: Wall) -> None:
    """Not a list of strings, or too long a handle: 422 with the JSON error shape."""
    for body in ({"handles": "anna"}, {"handles": [1]}, {"handles": ["x" * 201]}, {}):
        got = await wall.client.put(
            f"/api/events/{wall.event.slug}/ambassadors", json=body, headers=wall.auth("admin")
        )
        assert got.status_code == 422, body
        assert "error" in got.json()


async def test_the_page_sends_strangers_to_log_in(wall: Wall) -> None:
    """Without a session the page redirects to the login form; an unknown event is a 404."""
    got = await wall.client.get("/admin/xmas/analytics")
    assert got.status_code == 303
    assert got.headers["location"].startswith("/login?next=")
    assert (await wall.client.get("/admin/nope/analytics")).status_code == 404


async def test_minutes_split_at_the_same_instant_on_both_databases(any_wall: Wall) -> None:
    """A post a microsecond before a full minute and one on it land in different minutes, on
    SQLite and PostgreSQL alike (SQLite's strftime alone rounds to milliseconds and would put
    both in 18:01); waits are differences of floored seconds."""
    edge = datetime(2026, 11, 20, 18, 1, 0, tzinfo=UTC)
    before = Made(
        1, False, "", "web", "a", "", edge - timedelta(microseconds=1), "x", False, "approved"
    )
    on = Made(2, False, "", "web", "b", "", edge, "y", False, "rejected")
    before.decisions.append(("mia", "approve", before.at + timedelta(seconds=0.9)))
    on.decisions.append(("mia", "reject", on.at + timedelta(seconds=1)))
    await load(any_wall, [before, on])
    got = await any_wall.client.get(
        f"/api/events/{any_wall.event.slug}/analytics", headers=any_wall.auth("admin")
    )
    figures = got.json()
    assert figures["timeline"] == [
        {"minute": "2026-11-20T18:00:00Z", "source": "web", "posts": 1},
        {"minute": "2026-11-20T18:01:00Z", "source": "web", "posts": 1},
    ]
    # whole seconds are floored at each end: 18:00:59.999999 is :59, 0.9 s later is 18:01:00
    assert figures["totals"]["median_decision_seconds"] == 1
    assert figures["totals"]["p90_decision_seconds"] == 1


async def test_rehearsal_test_posts_are_not_counted(wall: Wall) -> None:
    """A test post sent while the event rehearses is in no figure, then or after go-live; a real
    post after go-live is."""
    wall.event = await wall.store.events.create("gala", "Gala", ["gala"], state="draft")
    url = f"/api/events/{wall.event.slug}/analytics"

    async def posts() -> int:
        got = await wall.client.get(url, headers=wall.auth("admin"))
        assert got.status_code == 200, got.text
        return int(got.json()["totals"]["posts"])

    await moved(wall, "rehearsal")
    assert (await ingest(wall, "t1", "#gala TEST")).status_code == 202
    assert await posts() == 0
    await moved(wall, "live")
    assert await posts() == 0
    assert (await ingest(wall, "r1", "#gala real")).status_code == 202
    assert await posts() == 1
