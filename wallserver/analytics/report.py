"""The figures as the API sends them: SQL's counts (``Gathered``) shaped into one JSON document.

Shape (docs/analytics.md has the meaning of each figure)::

    {"event", "generated_at", "window_minutes",
     "totals": {"posts", "by_status", "approval_rate", "decided", "median_decision_seconds",
                "p90_decision_seconds", "contributors", "ambassadors", "guests"},
     "timeline": [{"minute", "source", "posts"}], "busiest_minutes": [{"minute", "posts"}],
     "hashtags": [{"tag", "posts"}], "screens": [{"screen", "posts"}],
     "swarm": {"listed", "set_off", "top_ambassadors": [{"ambassador", "first_posts"}],
               "multiplier": [{"minute", "ambassadors", "guests", "ratio"}]}}

Minutes are ISO 8601 UTC strings of the minute's start (``2026-12-03T14:05:00Z``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from moderation import RuleError, RuleSet
from wallserver.analytics.swarm import swarm
from wallserver.store.analytics import Gathered

TOP_TAGS = 10
HASHTAG = re.compile(r"#(\w+)")


def minute_iso(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:00Z")


def trusted_authors(rules: dict[str, Any]) -> list[str]:
    """The authors of the event's trusted-authors rules (ambassadors by the rules)."""
    try:
        chain = RuleSet.from_dict(rules).to_dict().get("chain", [])
    except RuleError:
        return []
    return [a for rule in chain if rule.get("kind") == "trusted_authors" for a in rule["authors"]]


def hashtags(texts: Iterable[str]) -> list[tuple[str, int]]:
    """Tags by the number of posts that carry them (case-folded; a tag counts once a post)."""
    counted: Counter[str] = Counter()
    for text in texts:
        counted.update({m.casefold() for m in HASHTAG.findall(text)})
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TAGS]


def shows(config: dict[str, Any], source: str, visual: bool, has_text: bool) -> bool:
    """Whether a screen with ``config`` shows a post (the wall page's ``matches``, wall.js)."""
    filters = config.get("filters") or {}
    kind = filters.get("media", "any")
    if kind == "photos" and not visual:
        return False
    if kind == "text" and (visual or not has_text):
        return False
    sources = filters.get("sources") or []
    return not sources or source in sources


def report(slug: str, got: Gathered, listed: list[str], window_minutes: int) -> dict[str, Any]:
    s = swarm(got.found, got.ambassador_posts, window_minutes * 60)
    by_status = dict(sorted(got.statuses.items()))
    approved = by_status.get("approved", 0) + by_status.get("hidden", 0)
    decided = approved + by_status.get("rejected", 0)
    screens = got.screens or [("main", {})]
    ambassadors = sum(p.ambassador for p in s.people)
    return {
        "event": slug,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "window_minutes": window_minutes,
        "totals": {
            "posts": sum(by_status.values()),
            "by_status": by_status,
            "approval_rate": round(approved / decided, 4) if decided else None,
            "decided": got.decisions,
            "median_decision_seconds": got.percentiles[50],
            "p90_decision_seconds": got.percentiles[90],
            "contributors": len(s.people),
            "ambassadors": ambassadors,
            "guests": len(s.people) - ambassadors,
        },
        "timeline": [
            {"minute": minute_iso(m), "source": src, "posts": n} for m, src, n in got.per_minute
        ],
        "busiest_minutes": [{"minute": minute_iso(m), "posts": n} for m, n in got.busiest],
        "hashtags": [{"tag": t, "posts": n} for t, n in hashtags(got.tagged_texts)],
        "screens": [
            {
                "screen": name,
                "posts": sum(n for src, vis, txt, n in got.shown if shows(config, src, vis, txt)),
            }
            for name, config in screens
        ],
        "swarm": {
            "listed": sorted(set(listed)),
            "set_off": s.set_off,
            "top_ambassadors": [{"ambassador": a, "first_posts": n} for a, n in s.credits],
            "multiplier": [
                {
                    "minute": minute_iso(p.minute),
                    "ambassadors": p.ambassadors,
                    "guests": p.guests,
                    "ratio": round(p.guests / p.ambassadors, 3) if p.ambassadors else None,
                }
                for p in s.multiplier
            ],
        },
    }
