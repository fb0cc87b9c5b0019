"""The rule chain: bans and blocked words reject, trusted authors approve, with reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation import Candidate, RuleSet, Status, Verdict, evaluate, initial_status
from moderation.rulebook.content import foreign_tags, tag_key

RULES = RuleSet.from_dict(
    {
        "trusted_authors": ["@Anna", "bob"],
        "banned_authors": ["@troll"],
        "blocklist": ["crap", "ass", "Scheiße"],
    }
)


def post(text: str = "Merry Christmas", handle: str = "guest", name: str = "") -> Candidate:
    return Candidate(source="test", author_name=name, author_handle=handle, text=text)


def test_trusted_author_is_approved_with_a_reason() -> None:
    """A trusted ambassador's post is approved, and the reason names them."""
    decision = evaluate(RULES, post(handle="@ANNA"))
    assert decision is not None
    assert decision.verdict is Verdict.APPROVE
    assert decision.rule == "trusted_author"
    assert "@anna" in decision.reason


def test_banned_author_is_rejected_even_when_trusted() -> None:
    """A ban wins over trust, and the reason names the author."""
    rules = RuleSet.from_dict({"trusted_authors": ["troll"], "banned_authors": ["troll"]})
    decision = evaluate(rules, post(handle="troll"))
    assert decision is not None
    assert (decision.verdict, decision.rule) == (Verdict.REJECT, "banned_author")
    assert "@troll" in decision.reason


def test_author_name_is_used_when_there_is_no_handle() -> None:
    """Direct uploads have only a name; trust and bans apply to it."""
    decision = evaluate(RULES, post(handle="", name="Bob"))
    assert decision is not None and decision.verdict is Verdict.APPROVE


def test_blocked_word_in_disguise_is_rejected_with_the_word() -> None:
    """A blocked word in leetspeak still rejects, and the reason says which word."""
    decision = evaluate(RULES, post("what a cr@p party"))
    assert decision is not None
    assert (decision.verdict, decision.rule) == (Verdict.REJECT, "blocklist")
    assert "crap" in decision.reason


def test_blocked_word_before_punctuation_is_rejected() -> None:
    """ "Scheiße!" is as blocked as "Scheiße"."""
    for text in ("So eine Scheiße!", "total crap!!!", "crap|"):
        decision = evaluate(RULES, post(text))
        assert decision is not None and decision.verdict is Verdict.REJECT, text


def test_stretched_blocked_word_is_rejected() -> None:
    """Repeating letters ("craaaap", "asssss") does not get past the blocklist."""
    for text in ("craaaaap", "you asssss"):
        decision = evaluate(RULES, post(text))
        assert decision is not None and decision.verdict is Verdict.REJECT, text


@pytest.mark.parametrize("text", ["as soon as we can", "a good party", "pas de problème"])
def test_ordinary_words_are_not_mistaken_for_blocked_ones(text: str) -> None:
    """Squeezing repeats must not turn "as" into the blocked "ass": the post is not rejected."""
    assert evaluate(RULES, post(text)) is None


def test_blocked_word_in_the_author_name_is_rejected() -> None:
    """The author's display name is checked like the text."""
    decision = evaluate(RULES, post(handle="", name="Mr Crap"))
    assert decision is not None and decision.verdict is Verdict.REJECT


def test_no_rule_leaves_the_mode_to_decide() -> None:
    """With no verdict, pre-moderation holds the post and post-moderation shows it."""
    assert evaluate(RULES, post()) is None
    assert initial_status(None, "pre") is Status.PENDING
    assert initial_status(None, "post") is Status.APPROVED


def test_decisive_verdicts_override_the_mode() -> None:
    """Trusted authors skip pre-moderation; blocked posts never reach a post-moderated wall."""
    approve = evaluate(RULES, post(handle="anna"))
    reject = evaluate(RULES, post("crap"))
    assert initial_status(approve, "pre") is Status.APPROVED
    assert initial_status(reject, "post") is Status.REJECTED


def test_stored_rules_are_parsed_once() -> None:
    """Rules loaded afresh for every post (as the pipeline does) are folded only the first time."""
    stored = {"trusted_authors": ["anna"], "banned_authors": [], "blocklist": ["crap"] * 3}
    copy = {key: list(values) for key, values in stored.items()}
    assert RuleSet.from_dict(copy) is RuleSet.from_dict(stored)
    assert RuleSet.from_dict({**stored, "blocklist": ["other"]}) is not RuleSet.from_dict(stored)


def test_other_events_tags_leave_out_this_events_own() -> None:
    """Other events' tags, once each, as they spell them; a tag this event shares is not foreign."""
    others = [
        "NYE2027",
        "dabei",
        "#SummerFest",
        "summerfest",
        "\uff24abei",
    ]  # a full-width D folds to D
    assert foreign_tags(["XmasParty", "#Dabei"], others) == ["NYE2027", "SummerFest"]


def test_foreign_tags_go_into_the_hashtags_rule_before_trusted_authors() -> None:
    """Without a hashtags rule, a holding one is made before the trusted authors, so a trusted
    author's post under another event's tag waits too; an existing rule keeps its settings."""
    trusted = {"kind": "trusted_authors", "authors": ["anna"]}
    rules = RuleSet.from_dict({"chain": [trusted]}).with_foreign_hashtags(["NYE2027"])
    assert rules.to_dict() == {
        "chain": [
            {"kind": "hashtags", "foreign": ["NYE2027"], "max_tags": 0, "verdict": "hold"},
            trusted,
        ]
    }
    decision = evaluate(rules, post("Frohes neues #nye2027", handle="anna"))
    assert decision is not None and (decision.verdict, decision.rule) == (
        Verdict.HOLD,
        "foreign_hashtag",
    )
    strict = {"kind": "hashtags", "foreign": ["Other"], "max_tags": 4, "verdict": "reject"}
    merged = RuleSet.from_dict({"chain": [strict]}).with_foreign_hashtags(["NYE2027", "other"])
    assert merged.to_dict()["chain"] == [{**strict, "foreign": ["NYE2027", "Other"]}]
    assert RuleSet().with_foreign_hashtags([]) == RuleSet()  # nothing to add: no empty rule


def test_another_events_fixed_tag_replaces_its_typo_in_the_foreign_list() -> None:
    """The other party fixed #NYEParyt to #NYEParty and added #Sekt: posts with the fixed tags
    are held here now, the typo no longer; a tag this event uses itself or a third event still
    uses is kept out or kept in; a rule made against nobody's tags stays as it was."""
    rule = {"kind": "hashtags", "foreign": ["NYEParyt", "Summer"], "max_tags": 3, "verdict": "hold"}
    rules = RuleSet.from_dict({"chain": [rule]})
    fixed = rules.with_foreign_renamed(
        ["NYEParyt"], ["NYEParty", "Sekt", "XmasParty"], ["XmasParty"]
    )
    assert fixed.to_dict()["chain"] == [{**rule, "foreign": ["NYEParty", "Sekt", "Summer"]}]
    decision = evaluate(fixed, post("Prost #nyeparty"))
    assert decision is not None and decision.rule == "foreign_hashtag"
    assert evaluate(fixed, post("Prost #NYEParyt")) is None
    shared = rules.with_foreign_renamed(["NYEParyt", "Summer"], ["NYEParty"], (), ["summer"])
    assert shared.to_dict()["chain"][0]["foreign"] == ["NYEParty", "Summer"]
    assert rules.with_foreign_renamed(["Other"], ["New"]) is rules
    assert RuleSet().with_foreign_renamed(["NYEParyt"], ["NYEParty"]) == RuleSet()


tags = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)


@given(
    existing=st.lists(tags, max_size=5),
    added=st.lists(tags, max_size=5),
    trusted=st.booleans(),
)
def test_added_foreign_tags_are_kept_once_and_hold_their_posts(
    existing: list[str], added: list[str], trusted: bool
) -> None:
    """Whatever the tags, the result is a valid rule set that reads back the same, holds each
    tag once, and holds a post that carries any of them."""
    chain: list[dict[str, object]] = []
    if existing:
        chain.append({"kind": "hashtags", "foreign": existing})
    if trusted:
        chain.append({"kind": "trusted_authors", "authors": ["guest"]})
    rules = RuleSet.from_dict({"chain": chain}).with_foreign_hashtags(added)
    again = RuleSet.from_dict(rules.to_dict())
    assert again.to_dict() == rules.to_dict()
    keys = [tag_key(t) for t in again.foreign_hashtags]
    assert len(keys) == len(set(keys))
    assert set(keys) == {tag_key(t) for t in existing + added}
    for tag in added:
        decision = evaluate(again, post(f"Party! #{tag}"))
        assert decision is not None and decision.rule == "foreign_hashtag", tag
