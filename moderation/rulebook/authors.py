"""Rules about who posted: trusted ambassadors, banned authors, banned domains."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from moderation.chain import Candidate, Decision, Verdict, author_key, handle_of
from moderation.rulebook.config import Config

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,24}\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TrustedAuthors:
    kind: ClassVar[str] = "trusted_authors"
    authors: frozenset[str]

    @classmethod
    def from_config(cls, c: Config) -> TrustedAuthors:
        return cls(frozenset(handle_of(a) for a in c.strings("authors")))

    def check(self, post: Candidate) -> Decision | None:
        key = author_key(post)
        if key and key in self.authors:
            return Decision(Verdict.APPROVE, "trusted_author", f"@{key} is a trusted ambassador")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "authors": sorted(self.authors)}


@dataclass(frozen=True, slots=True)
class BannedAuthors:
    kind: ClassVar[str] = "banned_authors"
    authors: frozenset[str]

    @classmethod
    def from_config(cls, c: Config) -> BannedAuthors:
        return cls(frozenset(handle_of(a) for a in c.strings("authors")))

    def check(self, post: Candidate) -> Decision | None:
        key = author_key(post)
        if key and key in self.authors:
            return Decision(Verdict.REJECT, "banned_author", f"@{key} is banned for this event")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "authors": sorted(self.authors)}


def domain_of(value: str) -> str:
    value = value.strip().casefold()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    return value.strip(".").removeprefix("www.")


def linked_domains(post: Candidate) -> list[str]:
    """Every host a post points at: links in the text, its own URL and media, a fediverse handle."""
    found = [domain_of(u) for u in _URL.findall(post.text)]
    found += [domain_of(m.group(0)) for m in _BARE_DOMAIN.finditer(_URL.sub(" ", post.text))]
    found += [domain_of(u) for u in (post.url, *post.media_urls) if u.startswith("http")]
    return [d for d in dict.fromkeys(found) if d]


def matches(domain: str, listed: frozenset[str]) -> str | None:
    """The listed domain ``domain`` is, or is a subdomain of."""
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in listed:
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class BannedDomains:
    kind: ClassVar[str] = "banned_domains"
    domains: frozenset[str]

    @classmethod
    def from_config(cls, c: Config) -> BannedDomains:
        return cls(frozenset(domain_of(d) for d in c.strings("domains") if domain_of(d)))

    def check(self, post: Candidate) -> Decision | None:
        handle = post.author_handle.strip().lstrip("@")
        hosts = linked_domains(post)
        if "@" in handle:
            hosts.append(domain_of(handle.rsplit("@", 1)[1]))
        for host in hosts:
            hit = matches(host, self.domains)
            if hit:
                return Decision(Verdict.REJECT, "banned_domain", f"{hit} is banned for this event")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "domains": sorted(self.domains)}
