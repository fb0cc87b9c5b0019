"""Every kind of rule, and reading one rule from its JSON form ``{"kind": ..., ...}``."""

from __future__ import annotations

from typing import Any, Protocol

from moderation.chain import Rule, RuleError
from moderation.rulebook.authors import BannedAuthors, BannedDomains, TrustedAuthors
from moderation.rulebook.config import Config
from moderation.rulebook.content import Hashtags, Links, MediaRule
from moderation.rulebook.language import LanguageAllowlist
from moderation.rulebook.pace import NearDuplicate, RateCap
from moderation.rulebook.words import Blocklist, Regex


class _Readable(Protocol):
    @classmethod
    def from_config(cls, c: Config) -> Rule: ...


KINDS: dict[str, Any] = {
    k.kind: k
    for k in (
        TrustedAuthors,
        BannedAuthors,
        BannedDomains,
        Blocklist,
        Regex,
        Hashtags,
        Links,
        MediaRule,
        RateCap,
        NearDuplicate,
        LanguageAllowlist,
    )
}


def parse_rule(data: Any, position: int) -> Rule:
    """One rule from its JSON form; :class:`RuleError` says what is wrong and where."""
    if not isinstance(data, dict):
        raise RuleError(f"rule {position + 1}: must be an object with a 'kind'")
    kind = data.get("kind")
    if kind not in KINDS:
        raise RuleError(f"rule {position + 1}: unknown kind {kind!r} ({', '.join(sorted(KINDS))})")
    config = Config(kind, data)
    try:
        rule: Rule = KINDS[kind].from_config(config)
        config.done()
    except RuleError as exc:
        raise RuleError(f"rule {position + 1}: {exc}") from None
    return rule


__all__ = [
    "KINDS",
    "BannedAuthors",
    "BannedDomains",
    "Blocklist",
    "Hashtags",
    "LanguageAllowlist",
    "Links",
    "MediaRule",
    "NearDuplicate",
    "RateCap",
    "Regex",
    "TrustedAuthors",
    "parse_rule",
]
