"""Claims: one holder per post until it is released or expires; renewing keeps it."""

from __future__ import annotations

from moderation.claims import ClaimBook


def test_a_claimed_post_is_not_given_to_another() -> None:
    """The second moderator is told who holds the post, and gets the free ones."""
    book = ClaimBook(ttl=60)
    got, taken = book.claim([1, 2], "ada", now=0)
    assert [c.post_id for c in got] == [1, 2] and taken == []
    got, taken = book.claim([2, 3], "bo", now=1)
    assert [c.post_id for c in got] == [3]
    assert [(c.post_id, c.holder) for c in taken] == [(2, "ada")]


def test_claims_expire_and_renew() -> None:
    """A claim lapses after its time unless its holder renews it."""
    book = ClaimBook(ttl=60)
    book.claim([1], "ada", now=0)
    book.claim([1], "ada", now=50)  # renewed until 110
    assert book.holder(1, now=100) == "ada"
    assert book.holder(1, now=110) is None
    got, _ = book.claim([1], "bo", now=111)
    assert [c.holder for c in got] == ["bo"]


def test_only_the_holder_releases() -> None:
    """Releasing someone else's claim does nothing; one's own frees the post."""
    book = ClaimBook()
    book.claim([1], "ada", now=0)
    assert book.release([1], "bo", now=1) == []
    assert book.release([1], "ada", now=1) == [1]
    assert book.active(now=1) == {}


def test_figures_median_and_p90_per_moderator() -> None:
    """Nearest-rank p90 and the median, per moderator, busiest first."""
    from moderation.figures import Decided, per_moderator

    rows = per_moderator(
        [Decided("ada", s) for s in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)] + [Decided("bo", 4)]
    )
    assert rows == [
        {"moderator": "ada", "decisions": 10, "median_s": 5.5, "p90_s": 9},
        {"moderator": "bo", "decisions": 1, "median_s": 4, "p90_s": 4},
    ]
