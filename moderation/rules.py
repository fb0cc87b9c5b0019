"""An event's rule set: the ordered chain as stored with the event, and where a post starts.

Two JSON shapes are read:

- the chain, ``{"chain": [{"kind": "trusted_authors", "authors": [...]}, ...]}``, in order;
- the original shape ``{"trusted_authors": [...], "banned_authors": [...], "blocklist": [...]}``,
  read as the chain banned authors → blocklist → trusted authors (what it always meant).

:meth:`RuleSet.to_dict` always writes the chain shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from moderation.chain import Candidate, Decision, Rule, RuleError, Verdict, handle_of, run
from moderation.queue import Status
from moderation.rulebook import BannedAuthors, Hashtags, TrustedAuthors, parse_rule
from moderation.rulebook.content import spelled, tag_key

LEGACY_KEYS = ("trusted_authors", "banned_authors", "blocklist")
MAX_RULES = 50
HISTORY_KINDS = frozenset({"rate", "duplicates"})


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RuleSet:
        """Read and validate a rule set; :class:`RuleError` explains what is wrong.

        Parsed once per distinct rule set: the pipeline asks for every post, and folding a long
        blocklist takes long enough to stall the event loop."""
        data = data or {}
        if not isinstance(data, dict):
            raise RuleError("rules must be an object")
        return _parse(json.dumps(data, sort_keys=True, ensure_ascii=False))

    @classmethod
    def _from_plain(cls, data: dict[str, Any]) -> RuleSet:
        if "chain" in data:
            unknown = sorted(set(data) - {"chain"})
            if unknown:
                raise RuleError(f"unknown key next to 'chain': {', '.join(unknown)}")
            return cls.from_chain(data["chain"])
        unknown = sorted(set(data) - set(LEGACY_KEYS))
        if unknown:
            raise RuleError(f"unknown rules key {', '.join(map(repr, unknown))}")
        if not data:  # no rules at all (a new event's): an empty chain, not three empty lists
            return cls()
        legacy = [
            {"kind": "banned_authors", "authors": data.get("banned_authors", [])},
            {"kind": "blocklist", "words": data.get("blocklist", [])},
            {"kind": "trusted_authors", "authors": data.get("trusted_authors", [])},
        ]
        return cls.from_chain(legacy)

    @classmethod
    def from_chain(cls, chain: Any) -> RuleSet:
        if not isinstance(chain, list):
            raise RuleError("chain must be a list of rules")
        if len(chain) > MAX_RULES:
            raise RuleError(f"at most {MAX_RULES} rules")
        return cls(tuple(parse_rule(item, i) for i, item in enumerate(chain)))

    @property
    def needs_history(self) -> bool:
        """Whether a rule reads the author's recent posts (so the caller must supply them)."""
        return any(rule.kind in HISTORY_KINDS for rule in self.rules)

    def with_author(self, action: str, author: str) -> RuleSet:
        """The rules with ``author`` trusted (``action="trust"``) or banned (``"ban"``), and taken
        off the other list. An existing rule of that kind is extended; otherwise bans go first
        in the chain and trust goes last, where the original shape had them."""
        key = handle_of(author)
        if not key or action not in ("trust", "ban"):
            raise RuleError("say 'trust' or 'ban' and name an author")
        add, drop = (
            (TrustedAuthors, BannedAuthors)
            if action == "trust"
            else (BannedAuthors, TrustedAuthors)
        )
        rules: list[Rule] = []
        added = False
        for rule in self.rules:
            if isinstance(rule, drop):
                rule = drop(rule.authors - {key})
            elif isinstance(rule, add) and not added:
                rule, added = add(rule.authors | {key}), True
            rules.append(rule)
        if not added:
            fresh = add(frozenset({key}))
            rules = [fresh, *rules] if add is BannedAuthors else [*rules, fresh]
        return RuleSet(tuple(rules))

    @property
    def foreign_hashtags(self) -> tuple[str, ...]:
        """The tags the (first) hijacked-hashtag rule holds posts for."""
        return next((r.foreign for r in self.rules if isinstance(r, Hashtags)), ())

    def with_foreign_hashtags(self, tags: Iterable[str]) -> RuleSet:
        """The rules with ``tags`` among the hijacked-hashtag rule's foreign tags. Without such a
        rule, a new one (it holds the post) goes before the trusted authors, or last, as in the
        example chain of docs/api.md; with nothing to add, the rules stay as they are."""
        tags = list(tags)
        rules = list(self.rules)
        for i, rule in enumerate(rules):
            if isinstance(rule, Hashtags):
                rules[i] = rule.adding(tags)
                return RuleSet(tuple(rules))
        if not tags:
            return self
        if len(rules) >= MAX_RULES:
            raise RuleError(f"at most {MAX_RULES} rules: no room for a hashtags rule")
        at = next((i for i, r in enumerate(rules) if isinstance(r, TrustedAuthors)), len(rules))
        rules.insert(at, Hashtags(()).adding(tags))
        return RuleSet(tuple(rules))

    def with_foreign_renamed(
        self,
        old: Iterable[str],
        new: Iterable[str],
        own: Iterable[str] = (),
        shared: Iterable[str] = (),
    ) -> RuleSet:
        """The rules after another event's hashtags changed from ``old`` to ``new``: when the
        hijacked-hashtag rule holds any of ``old`` (it guards against that event), the dropped
        ones leave it and the new ones join it, except this event's ``own`` tags (never
        foreign) and, among the dropped, tags a third event still uses (``shared``). A rule
        that holds none of ``old`` was not made against that event and stays as it is."""
        old_keys = {tag_key(t) for t in old}
        new = list(new)
        new_keys = {tag_key(t) for t in new}
        own_keys = {tag_key(t) for t in own}
        staying = new_keys | {tag_key(t) for t in shared}
        rules = list(self.rules)
        for i, rule in enumerate(rules):
            if isinstance(rule, Hashtags):
                if not old_keys & set(rule.keys):
                    return self
                kept = [t for t in rule.foreign if tag_key(t) not in old_keys - staying]
                added = [t for t in new if tag_key(t) not in own_keys]
                rules[i] = Hashtags(spelled([*kept, *added]), rule.max_tags, rule.verdict)
                return RuleSet(tuple(rules))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"chain": [rule.to_dict() for rule in self.rules]}


@lru_cache(maxsize=32)
def _parse(canonical: str) -> RuleSet:
    return RuleSet._from_plain(json.loads(canonical))


def evaluate(rules: RuleSet, post: Candidate) -> Decision | None:
    """The first decisive rule's decision, or ``None`` when no rule has an opinion."""
    return run(rules.rules, post)


def initial_status(decision: Decision | None, mode: str) -> Status:
    """Where a new post starts in the queue: the first decisive verdict, else the event's mode."""
    if decision is None or decision.verdict is Verdict.HOLD:
        if decision is None and mode == "post":
            return Status.APPROVED
        return Status.PENDING
    return Status.APPROVED if decision.verdict is Verdict.APPROVE else Status.REJECTED
