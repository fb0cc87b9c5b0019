"""A generated event for the analytics tests: 40 ambassadors posting through a three-hour
evening, 600 guests most of whom join minutes after some ambassador's post, and every figure
counted straight from that ground truth (``expected``), to compare with what the server says."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import col

from tests.conftest import Wall
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
