"""Each rule of the chain, their order, and the validation of stored rule sets."""

from __future__ import annotations

from typing import Any

import pytest

from moderation import Candidate, RuleError, RuleSet, Status, Verdict, evaluate, initial_status
from moderation.rulebook.language import guess

NOW = 1_800_000_000.0


def post(text: str = "Merry Christmas", handle: str = "guest", **kw: Any) -> Candidate:
    return Candidate(source="test", author_name="", author_handle=handle, text=text, now=NOW, **kw)


def decide(chain: list[dict[str, Any]], candidate: Candidate) -> tuple[str, str, str] | None:
    decision = evaluate(RuleSet.from_dict({"chain": chain}), candidate)
    if decision is None:
        return None
    assert decision.verdict is not None
    return decision.verdict.value, decision.rule, decision.reason


def test_first_decisive_rule_wins() -> None:
    """Order matters: trust before the blocklist approves, after it rejects."""
    trust = {"kind": "trusted_authors", "authors": ["@anna"]}
    block = {"kind": "blocklist", "words": ["crap"]}
    crappy = post("crap", handle="anna")
    assert decide([trust, block], crappy) == (
        "approve",
        "trusted_author",
        "@anna is a trusted ambassador",
    )
    assert decide([block, trust], crappy) == ("reject", "blocklist", "blocked word: crap")


def test_no_opinion_falls_through_to_the_mode() -> None:
    """Rules without an opinion leave the post to the event's mode."""
    chain = [{"kind": "banned_authors", "authors": ["troll"]}, {"kind": "links", "other": "hold"}]
    assert decide(chain, post()) is None
    assert initial_status(None, "pre") is Status.PENDING
    assert initial_status(None, "post") is Status.APPROVED


def test_hold_keeps_a_post_off_a_post_moderated_wall() -> None:
    """A hold verdict sends the post to the queue even in post-moderation."""
    decision = evaluate(RuleSet.from_dict({"chain": [{"kind": "links"}]}), post("see https://x.io"))
    assert decision is not None and decision.verdict is Verdict.HOLD
    assert initial_status(decision, "post") is Status.PENDING


def test_banned_domains_in_links_and_fediverse_handles() -> None:
    """A banned domain rejects links to it or its subdomains, and authors from that instance."""
    chain = [{"kind": "banned_domains", "domains": ["spam.example", "https://www.bad.social/"]}]
    assert decide(chain, post("deals at https://shop.spam.example/x"))[:2] == (
        "reject",
        "banned_domain",
    )  # type: ignore[index]
    assert decide(chain, post("visit spam.example today")) is not None
    assert decide(chain, post("hi", handle="@mia@bad.social")) is not None
    assert decide(chain, post("see notspam.example")) is None


def test_regex_rule_and_invalid_patterns() -> None:
    """Regexes match case-insensitively; an invalid pattern is a RuleError naming it."""
    chain = [{"kind": "regex", "patterns": [r"\b(buy|sale)\b"], "verdict": "reject"}]
    assert decide(chain, post("Big SALE now")) == ("reject", "regex", r"matches /\b(buy|sale)\b/")
    with pytest.raises(RuleError, match=r"'\(unclosed' is not a valid regular expression"):
        RuleSet.from_dict({"chain": [{"kind": "regex", "patterns": ["(unclosed"]}]})


def test_hashtag_rule_foreign_and_too_many() -> None:
    """Another event's tag, or too many tags, holds the post."""
    chain = [{"kind": "hashtags", "foreign": ["#OtherParty"], "max_tags": 3}]
    assert decide(chain, post("#xmas #otherparty")) == (
        "hold",
        "foreign_hashtag",
        "another event's tag: #OtherParty",  # as the rule spells it
    )
    assert decide(chain, post("#a #b #c #d"))[1] == "too_many_hashtags"  # type: ignore[index]
    assert decide(chain, post("#a #b #c")) is None


def test_links_rule_allows_listed_domains() -> None:
    """Allowed domains have no opinion; other links get the configured verdict."""
    chain = [{"kind": "links", "allow": ["example.com"], "other": "reject"}]
    assert decide(chain, post("photos at https://pics.example.com/1")) is None
    assert decide(chain, post("go to www.elsewhere.net")) == (
        "reject",
        "link",
        "links to elsewhere.net",
    )


def test_media_required_and_text_only() -> None:
    """A photo wall refuses text posts; a text wall refuses photos."""
    photo = [{"kind": "media", "require": "media"}]
    text = [{"kind": "media", "require": "text_only", "verdict": "hold"}]
    assert decide(photo, post())[:2] == ("reject", "media_required")  # type: ignore[index]
    assert decide(photo, post(has_media=True)) is None
    assert decide(text, post(has_media=True))[:2] == ("hold", "text_only")  # type: ignore[index]


def test_rate_cap_counts_the_window_only() -> None:
    """One post per 120 s: a second within the window is held, one after it passes."""
    chain = [{"kind": "rate", "posts": 1, "seconds": 120}]
    assert decide(chain, post(recent_times=(NOW - 30,)))[:2] == ("hold", "rate_cap")  # type: ignore[index]
    assert decide(chain, post(recent_times=(NOW - 130,))) is None
    assert decide(chain, post()) is None


def test_near_duplicate_of_own_recent_text() -> None:
    """The same text again, give or take case and a letter, is rejected; a new text is not."""
    chain = [{"kind": "duplicates", "threshold": 0.85}]
    earlier = ("Best party ever!!! #xmas",)
    assert (
        decide(chain, post("best party ever! #Xmas", recent_texts=earlier))[1] == "near_duplicate"
    )  # type: ignore[index]
    assert decide(chain, post("The band is great tonight", recent_texts=earlier)) is None


def test_language_allowlist_holds_clear_other_languages_only() -> None:
    """A clearly French post is held on a de/en wall; short or unclear posts are left alone."""
    chain = [{"kind": "language", "allow": ["de", "en"]}]
    assert guess("Das ist eine super Feier mit dem Team") == "de"
    assert guess("This is the best party of the year") == "en"
    assert decide(chain, post("Joyeux Noël à tous, merci pour cette soirée"))[:2] == (
        "hold",
        "language",
    )  # type: ignore[index]
    assert decide(chain, post("Frohe Weihnachten an alle und danke")) is None
    assert decide(chain, post("🎄🎉 #xmas")) is None


def test_legacy_shape_is_the_old_chain() -> None:
    """The original three lists still work: ban, then blocklist, then trust."""
    rules = RuleSet.from_dict(
        {"trusted_authors": ["troll"], "banned_authors": ["troll"], "blocklist": ["crap"]}
    )
    assert [r.kind for r in rules.rules] == ["banned_authors", "blocklist", "trusted_authors"]
    again = RuleSet.from_dict(rules.to_dict())
    assert again == rules


def test_round_trip_of_every_kind() -> None:
    """to_dict and from_dict are inverse for every kind of rule."""
    chain = [
        {"kind": "trusted_authors", "authors": ["anna"]},
        {"kind": "banned_authors", "authors": ["troll"]},
        {"kind": "banned_domains", "domains": ["spam.example"]},
        {"kind": "blocklist", "words": ["crap"], "lists": ["de"], "verdict": "hold"},
        {"kind": "regex", "patterns": ["x+"], "verdict": "hold"},
        {"kind": "hashtags", "foreign": ["other"], "max_tags": 5, "verdict": "hold"},
        {"kind": "links", "allow": ["example.com"], "other": "reject"},
        {"kind": "media", "require": "media", "verdict": "reject"},
        {"kind": "rate", "posts": 2, "seconds": 60.0, "verdict": "hold"},
        {"kind": "duplicates", "threshold": 0.9, "verdict": "reject"},
        {"kind": "language", "allow": ["de", "en"], "verdict": "hold"},
    ]
    rules = RuleSet.from_dict({"chain": chain})
    assert rules.to_dict() == {"chain": chain}
    assert rules.needs_history


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        ([{"kind": "nope"}], "unknown kind 'nope'"),
        ([{"kind": "rate", "posts": 0}], "rate.posts must be between"),
        ([{"kind": "blocklist", "words": "crap"}], "blocklist.words must be a list of strings"),
        ([{"kind": "blocklist", "lists": ["xx"]}], "no shipped list 'xx'"),
        ([{"kind": "links", "other": "maybe"}], "links.other must be one of"),
        ([{"kind": "trusted_authors", "authrs": []}], "unknown setting 'authrs'"),
        ([{"kind": "language", "allow": ["klingon"]}], "language.allow: choose from"),
        ("x", "chain must be a list"),
    ],
)
def test_invalid_rule_sets_say_what_is_wrong(chain: Any, message: str) -> None:
    """Every invalid setting raises a RuleError a person can act on."""
    with pytest.raises(RuleError, match=message):
        RuleSet.from_dict({"chain": chain})


def test_trust_and_ban_from_a_post_edit_the_chain() -> None:
    """Banning adds to the ban rule (or puts one first) and drops the author's trust; trusting
    the reverse, with the trust rule last when there was none."""
    rules = RuleSet.from_dict({"trusted_authors": ["@Mia"], "blocklist": ["crap"]})
    banned = rules.with_author("ban", "@MIA")
    assert evaluate(banned, post(handle="mia")).verdict is Verdict.REJECT  # type: ignore[union-attr]
    assert {"kind": "trusted_authors", "authors": []} in banned.to_dict()["chain"]
    fresh = RuleSet.from_dict({"chain": [{"kind": "blocklist", "words": ["crap"]}]})
    trusted = fresh.with_author("trust", "kim")
    assert [r.kind for r in trusted.rules] == ["blocklist", "trusted_authors"]
    assert [r.kind for r in fresh.with_author("ban", "kim").rules] == [
        "banned_authors",
        "blocklist",
    ]
    with pytest.raises(RuleError):
        fresh.with_author("ban", "  ")
