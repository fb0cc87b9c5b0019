"""The swarm in numbers: every figure of a generated event against a direct computation, on
SQLite and PostgreSQL; the CSV export; who may read and change what."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, insert
from sqlmodel import col

from tests.conftest import Wall
from wallserver.analytics.people import Identity, handle_key, name_key, people
from wallserver.db.models import Decision, Post, Screen, WallEntry

START = datetime(2026, 11, 20, 18, 0, 0, 250_000, tzinfo=UTC)
SOURCES = ("instagram", "mastodon", "web")
TAGS = ("XmasParty", "Dabei", "Glühwein", "Stage2", "Tombola", "Photobooth", "Santa")
SCREENS = {
    "main": {},
    "photos": {"filters": {"media": "photos", "sources": []}},
    "insta": {"filters": {"media": "any", "sources": ["instagram"]}},
    "words": {"filters": {"media": "text", "sources": []}},
}


@dataclass
class Made:
    """One generated post and the ground truth about it."""

    person: int
    ambassador: bool
    label: str
    source: str
    handle: str
    name: str
    at: datetime
    text: str
    visual: bool
    status: str
    decisions: list[tuple[str, str, datetime]] = field(default_factory=list)
    shown: bool = False
    emoji: bool = False  # a custom emoji in the media list: media, but no photo


def secs(at: datetime) -> int:
    return math.floor(at.timestamp())


def generate(seed: int = 14) -> tuple[list[Made], list[str], list[str]]:
    """40 ambassadors posting through a three-hour evening and 600 guests, most of whom join
    a few minutes after some ambassador's post; people post under several identities that the
    swarm must join (handle in another case, the same name without a handle, accents)."""
    rnd = random.Random(seed)
    made: list[Made] = []
    trusted = [f"@Amb{i:02d}" for i in range(20)]  # through the rules
    team = [f"amb{i:02d}" for i in range(20, 40)]  # through the team's list
    amb_times: list[datetime] = []
    for i in range(40):
        main = (rnd.choice(SOURCES[:2]), f"amb{i:02d}", f"Ambassador Nr {i}")
        alt = ("mastodon", f"@AMB{i:02d}", "")  # same handle, another case: the same person
        for k in range(rnd.randint(4, 8)):
            source, handle, name = alt if k == 0 else main
            at = START + timedelta(seconds=rnd.uniform(0, 3 * 3600))
            amb_times.append(at)
            made.append(_post(rnd, i, True, f"@amb{i:02d}", source, handle, name, at))
    amb_times.sort()
    for g in range(600):
        person = 100 + g
        name = f"Gäste Person {g}"
        handle = f"guest{g}"
        if rnd.random() < 0.8:
            first = rnd.choice(amb_times) + timedelta(seconds=rnd.expovariate(1 / 300))
        else:
            first = START + timedelta(seconds=rnd.uniform(-600, 3 * 3600 + 600))
        for k in range(rnd.choice((1, 1, 1, 2, 3))):
            at = first + timedelta(seconds=k * rnd.uniform(30, 2400))
            if k == 1 and g % 3 == 0:  # the posting page: no handle, the name without accents
                made.append(
                    _post(rnd, person, False, f"@{handle}", "web", "", f"gaste person {g}", at)
                )
            elif k == 2:
                made.append(
                    _post(
                        rnd, person, False, f"@{handle}", "mastodon", f"@{handle.upper()}", "", at
                    )
                )
            else:
                made.append(_post(rnd, person, False, f"@{handle}", "instagram", handle, name, at))
    return made, trusted, team


def _post(
    rnd: random.Random,
    person: int,
    amb: bool,
    label: str,
    source: str,
    handle: str,
    name: str,
    at: datetime,
) -> Made:
    tags = rnd.sample(TAGS, rnd.randint(0, 2))
    words = "Hello from the party" if rnd.random() < 0.8 else ""
    text = " ".join([words, *(f"#{t.upper() if rnd.random() < 0.3 else t}" for t in tags)]).strip()
    visual = rnd.random() < 0.5 or not text
    status = rnd.choices(("approved", "rejected", "pending", "hidden"), (6, 2, 1, 1))[0]
    m = Made(person, amb, label, source, handle, name, at, text, visual, status)
    if amb and status == "approved" and rnd.random() < 0.5:
        m.decisions.append(("rule:trusted_authors", "approve", at))
    elif status != "pending":
        moderator = rnd.choice(("mia", "tom"))
        first_at = at + timedelta(seconds=rnd.lognormvariate(3.5, 1.0))
        m.decisions.append((moderator, "reject" if status == "rejected" else "approve", first_at))
        if status == "hidden":
            m.decisions.append(("tom", "hide", first_at + timedelta(seconds=rnd.uniform(5, 900))))
    m.shown = status in ("approved", "hidden")
    m.emoji = not visual and rnd.random() < 0.3
    return m


def media_of(m: Made, n: int) -> list[dict[str, Any]]:
    if m.visual:
        kind = "video" if n % 7 == 0 else "image"
        return [{"url": f"/media/{n:032x}.jpg", "kind": kind, "alt": 'an "image"'}]
    if m.emoji:
        return [
            {"kind": "emoji", "shortcode": "image", "url": "https://x.test/e.png", "alt": ":image:"}
        ]
    return []


async def load(wall: Wall, made: list[Made], screens: bool = True, first: int = 0) -> None:
    event_id = wall.event.id

    def work(conn: Connection) -> None:
        posts = [
            {
                "event_id": event_id,
                "source": m.source,
                "source_id": f"s{first + n}",
                "author_name": m.name,
                "author_handle": m.handle,
                "author_avatar_url": "",
                "text": m.text,
                "media": media_of(m, n),
                "url": "",
                "created_at": m.at,
                "received_at": m.at,
                "status": m.status,
                "pinned": False,
                "version": 1,
                "rule": "",
                "rule_reason": "",
                "consent": False,
                "contact": "",
            }
            for n, m in enumerate(made)
        ]
        returning = insert(Post).returning(col(Post.id), sort_by_parameter_order=True)
        ids = conn.execute(returning, posts).scalars().all()
        decisions = [
            {
                "post_id": post_id,
                "event_id": event_id,
                "actor": actor,
                "action": action,
                "from_status": "pending",
                "from_pinned": False,
                "to_status": m.status,
                "to_pinned": False,
                "reason": "",
                "at": at,
            }
            for post_id, m in zip(ids, made, strict=True)
            for actor, action, at in m.decisions
        ]
        if decisions:
            conn.execute(insert(Decision), decisions)
        shown = [
            {
                "event_id": event_id,
                "seq": first + n + 1,
                "type": "post.show",
                "post_id": post_id,
                "message": "{}",
                "at": m.at,
            }
            for n, (post_id, m) in enumerate(zip(ids, made, strict=True))
            if m.shown
        ]
        if shown:
            conn.execute(insert(WallEntry), shown)
        for name, config in SCREENS.items() if screens else ():
            conn.execute(
                insert(Screen).values(
                    event_id=event_id,
                    name=name,
                    config=config,
                    state={},
                    version=1,
                    created_at=START,
                    updated_at=START,
                )
            )

    await wall.store.db.batch_write(work)


def minute_iso(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:00Z")


def nearest_rank(values: list[int], percent: int) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(len(ordered) * percent / 100) - 1]


def expected(made: list[Made], window: int) -> dict[str, Any]:
    """Every figure, computed straight from the generated ground truth."""
    statuses = Counter(m.status for m in made)
    ok = statuses["approved"] + statuses["hidden"]
    waits = [
        secs(min(at for a, act, at in m.decisions if not a.startswith("rule:"))) - secs(m.at)
        for m in made
        if any(not a.startswith("rule:") for a, _, _ in m.decisions)
    ]
    per_minute = Counter((secs(m.at) // 60, m.source) for m in made)
    minutes = Counter(secs(m.at) // 60 for m in made)
    tags: Counter[str] = Counter()
    for m in made:
        tags.update({w[1:].casefold() for w in m.text.split() if w.startswith("#")})
    first: dict[int, int] = {}
    for m in made:
        first[m.person] = min(first.get(m.person, secs(m.at)), secs(m.at))
    amb = {m.person for m in made if m.ambassador}
    label = {m.person: m.label for m in made}
    amb_posts = sorted((secs(m.at), m.label) for m in made if m.ambassador)
    credits: Counter[str] = Counter()
    for person, t in first.items():
        if person in amb:
            continue
        before = [(a, lab) for a, lab in amb_posts if a <= t and t - a <= window * 60]
        if before:
            latest = max(a for a, _ in before)
            credits[min(lab for a, lab in before if a == latest)] += 1
    arrivals = Counter((t // 60, p in amb) for p, t in first.items())
    multiplier, a_n, g_n = [], 0, 0
    for minute in sorted({t // 60 for t in first.values()}):
        a_n += arrivals[(minute, True)]
        g_n += arrivals[(minute, False)]
        multiplier.append(
            {
                "minute": minute_iso(minute),
                "ambassadors": a_n,
                "guests": g_n,
                "ratio": round(g_n / a_n, 3) if a_n else None,
            }
        )

    def shows(config: dict[str, Any], m: Made) -> bool:
        f = config.get("filters", {})
        if f.get("media") == "photos" and not m.visual:
            return False
        if f.get("media") == "text" and (m.visual or not m.text):
            return False
        return not f.get("sources") or m.source in f["sources"]

    return {
        "totals": {
            "posts": len(made),
            "by_status": dict(sorted(statuses.items())),
            "approval_rate": round(ok / (ok + statuses["rejected"]), 4),
            "decided": len(waits),
            "median_decision_seconds": nearest_rank(waits, 50),
            "p90_decision_seconds": nearest_rank(waits, 90),
            "contributors": len(first),
            "ambassadors": len(amb),
            "guests": len(first) - len(amb),
        },
        "timeline": [
            {"minute": minute_iso(mi), "source": s, "posts": n}
            for (mi, s), n in sorted(per_minute.items())
        ],
        "busiest_minutes": [
            {"minute": minute_iso(mi), "posts": n}
            for mi, n in sorted(minutes.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        ],
        "hashtags": [
            {"tag": t, "posts": n}
            for t, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
        "screens": [
            {"screen": name, "posts": sum(m.shown and shows(SCREENS[name], m) for m in made)}
            for name in sorted(SCREENS)
        ],
        "swarm": {
            "set_off": sum(credits.values()),
            "top_ambassadors": [
                {"ambassador": lab, "first_posts": n}
                for lab, n in sorted(credits.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
            ],
            "multiplier": multiplier,
        },
        "label": label,
    }


async def generated_wall(wall: Wall) -> list[Made]:
    made, trusted, team = generate()
    await load(wall, made)
    admin = wall.auth("admin")
    rules = await wall.client.put(
        f"/api/events/{wall.event.slug}/rules", json={"trusted_authors": trusted}, headers=admin
    )
    assert rules.status_code == 200, rules.text
    listed = await wall.client.put(
        f"/api/events/{wall.event.slug}/ambassadors", json={"handles": team}, headers=admin
    )
    assert listed.status_code == 200, listed.text
    return made


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


# --- who is one person ---------------------------------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(names)
def test_name_keys_ignore_case_accents_spacing_and_punctuation(name: str) -> None:
    """A name written in capitals, with extra spaces or punctuation has the same key; a key is
    its own key."""
    key = name_key(name)
    assert name_key(key) == key
    assert name_key(f"  {name.upper()}  !") == name_key(name.upper())
    assert key == "" or len(key) >= 3


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "anna", "@Anna", "bob", "cara"]),
            st.sampled_from(["", "Anna B", "anna  b!", "Bob", "Cara C", "Dan D"]),
        ),
        max_size=12,
    )
)
def test_people_join_identities_that_share_a_handle_or_a_name(pairs: list[tuple[str, str]]) -> None:
    """Two identities sharing a handle key or a name key are one person; the persons are the
    connected groups of that relation, numbered from 0."""
    ids = [Identity(h, n) for h, n in pairs]
    number = people(ids)
    for a in number:
        for b in number:
            if (handle_key(a.handle) and handle_key(a.handle) == handle_key(b.handle)) or (
                name_key(a.name) and name_key(a.name) == name_key(b.name)
            ):
                assert number[a] == number[b]
    assert sorted(set(number.values())) == list(range(len(set(number.values()))))
    assert all(handle_key(i.handle) or name_key(i.name) for i in number)
    # connectedness: two identities with one number are linked by a chain of shared keys
    for a in number:
        group = {i for i in number if number[i] == number[a]}
        reached, frontier = {a}, [a]
        while frontier:
            x = frontier.pop()
            for y in group - reached:
                if (handle_key(x.handle) and handle_key(x.handle) == handle_key(y.handle)) or (
                    name_key(x.name) and name_key(x.name) == name_key(y.name)
                ):
                    reached.add(y)
                    frontier.append(y)
        assert reached == group


def test_name_keys_of_one_name_written_differently_are_equal() -> None:
    """Accents, case and spacing do not make another person; very short names join nobody."""
    assert name_key("  José  Ñúñez!") == name_key("jose nunez") == "jose nunez"
    assert name_key("Gäste Person 3") == name_key("gaste person 3")
    assert name_key("JB") == ""
    assert handle_key(" @Anna ") == handle_key("anna") == "anna"


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
