"""Dry run: how a proposed rule set would decide the current queue and the latest posts.

Nothing is saved. Each post is judged as ingest would have judged it on arrival (same candidate,
same history of the author before it, its arrival time as "now"), so the result for the rules in
force matches what they actually decided.
"""

from __future__ import annotations

from typing import Any

from moderation import RuleSet, evaluate, initial_status
from wallserver.posts import judge as candidates
from wallserver.posts.records import PostRecord
from wallserver.store import EventInfo, Store

RECENT = 500
QUEUE = 1000


async def dry_run(
    store: Store, event: EventInfo, rules: RuleSet, recent: int = RECENT
) -> dict[str, Any]:
    queue = (await store.posts.page(event.id, ["pending"], QUEUE, None, oldest_first=True)).posts
    latest = (await store.posts.page(event.id, None, recent, None)).posts
    histories = candidates.Histories(store, rules, [*queue, *latest])
    judged: dict[int, dict[str, Any]] = {}
    for post in (*queue, *latest):
        if post.id not in judged:
            judged[post.id] = await _judge(histories, event, rules, post)
    return {
        "queue": [judged[p.id] for p in queue],
        "recent": [judged[p.id] for p in latest],
        "summary": {
            "queue": _count(judged[p.id] for p in queue),
            "recent": _count(judged[p.id] for p in latest),
        },
    }


async def _judge(
    histories: candidates.Histories, event: EventInfo, rules: RuleSet, post: PostRecord
) -> dict[str, Any]:
    decision = evaluate(rules, await candidates.of_record(histories, post))
    status = initial_status(decision, event.moderation)
    proposed = {
        "status": status.value,
        "verdict": decision.verdict.value if decision and decision.verdict else None,
        "rule": decision.rule if decision else "",
        "reason": decision.reason if decision else "",
    }
    return {
        "id": post.id,
        "author": post.author_handle or post.author_name,
        "text": post.text[:200],
        "status": post.status,
        "rule": post.rule,
        "rule_reason": post.rule_reason,
        "proposed": proposed,
        "changed": status.value != post.status,
    }


def _count(items: Any) -> dict[str, int]:
    counts = {"approved": 0, "pending": 0, "rejected": 0, "changed": 0}
    for item in items:
        counts[item["proposed"]["status"]] += 1
        counts["changed"] += bool(item["changed"])
    return counts
