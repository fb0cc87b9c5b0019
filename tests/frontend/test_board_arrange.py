"""The big screen's masonry board (frontend/static/wall/board-arrange.js), without a browser.

What the audience would notice: every column reaches the bottom of the screen (no empty band), no
two cards overlap, cards on screen stay in their column and their order, a new card takes the
place it was meant for when it fits there, and no column stays bare while another has two cards.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frontend.js import call, load

CTX = load("wall/board-arrange.js")


def text(height: int, column: int | None = None, shown: bool = False) -> dict[str, Any]:
    return {"natural": height, "least": height, "most": height, "column": column, "shown": shown}


def photo(
    height: int, image: int, column: int | None = None, shown: bool = False
) -> dict[str, Any]:
    return {
        "natural": height,
        "least": height - image / 2,
        "most": height + image,
        "column": column,
        "shown": shown,
    }


def arrange(cards: list[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    return call(CTX, f"arrangeCards({json.dumps(cards)}, {json.dumps(options)})")


def bottoms(cards: list[dict[str, Any]], placed: dict[str, Any]) -> dict[int, float]:
    ends: dict[int, float] = {}
    for slot in placed["slots"]:
        if slot["visible"]:
            ends[slot["column"]] = max(ends.get(slot["column"], 0), slot["y"] + slot["height"])
    return ends


def test_columns_reach_the_bottom_photos_first() -> None:
    cards = [text(200, 0, True), photo(500, 300, 0, True), text(300, 1, True)]
    placed = arrange(cards, {"columns": 2, "gap": 10, "limit": 1000})
    heights = [round(s["height"]) for s in placed["slots"]]
    assert heights[0] == 200  # the text card keeps its height: the photo takes the rest
    assert heights[1] == 1000 - 10 - 200
    assert heights[2] == 1000  # alone with no photo: it stretches
    assert bottoms(cards, placed) == {0: 1000, 1: 1000}


def test_a_new_card_takes_the_place_it_was_meant_for() -> None:
    board = [text(300, 0, True), text(300, 0, True), text(300, 1, True)]
    successor = text(250, 0)  # where a card just left, between the two of column 0
    placed = arrange([board[0], successor, board[1], board[2]], {"columns": 2, "limit": 1000})
    assert [s["column"] for s in placed["slots"]] == [0, 0, 0, 1]
    ys = [s["y"] for s in placed["slots"][:3]]
    assert ys == sorted(ys)


def test_cards_on_screen_go_before_a_newcomer_that_does_not_fit() -> None:
    board = [text(450, 0, True), text(450, 0, True)]
    newcomer = text(400, 0)  # meant for column 0, but only column 1 has room
    placed = arrange([newcomer, *board], {"columns": 2, "gap": 0, "limit": 1000})
    assert [s["column"] for s in placed["slots"]] == [1, 0, 0]
    assert placed["hidden"] == 0


def test_a_card_that_fits_nowhere_is_hidden() -> None:
    board = [text(600, 0, True), text(600, 1, True)]
    placed = arrange([*board, text(500)], {"columns": 2, "gap": 0, "limit": 1000})
    assert placed["slots"][2] == {"column": None, "y": 0, "height": 0, "visible": False}
    assert placed["hidden"] == 1


def test_no_column_stays_bare_while_another_has_two() -> None:
    cards = [text(200, 0, True), text(200, 0, True), text(200, 0, True)]
    placed = arrange(cards, {"columns": 3, "gap": 0, "limit": 1000})
    assert sorted(s["column"] for s in placed["slots"]) == [0, 1, 2]


cards_st = st.lists(
    st.builds(
        lambda h, img, col, shown: {  # a photo's height is part of its card's
            "natural": h + img,
            "least": h + img / 2,
            "most": h + 2 * img,
            "column": col,
            "shown": shown,
        },
        st.integers(min_value=60, max_value=900),
        st.sampled_from([0, 0, 200, 400]),
        st.none() | st.integers(min_value=0, max_value=9),
        st.booleans(),
    ),
    max_size=30,
)
options_st = st.fixed_dictionaries(
    {
        "columns": st.integers(min_value=1, max_value=8),
        "gap": st.integers(min_value=0, max_value=30),
        "limit": st.integers(min_value=300, max_value=2200),
    }
)


@settings(max_examples=150, deadline=None)
@given(cards_st, options_st)
def test_every_column_with_cards_is_covered_without_overlap(
    cards: list[dict[str, Any]], options: dict[str, Any]
) -> None:
    placed = arrange(cards, options)
    by_column: dict[int, list[tuple[float, float]]] = {}
    for slot in placed["slots"]:
        if slot["visible"]:
            assert 0 <= slot["column"] < options["columns"]
            by_column.setdefault(slot["column"], []).append((slot["y"], slot["y"] + slot["height"]))
    for spans in by_column.values():
        spans.sort()
        assert spans[0][0] == 0
        assert abs(spans[-1][1] - options["limit"]) < 0.01  # down to the bottom edge
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert abs(start - end - options["gap"]) < 0.01  # no overlap, no hole
    visible = sum(1 for s in placed["slots"] if s["visible"])
    assert len(by_column) == min(options["columns"], visible)  # no bare column beside a full one
    assert placed["hidden"] == len(cards) - visible


@settings(max_examples=150, deadline=None)
@given(cards_st, options_st)
def test_cards_on_screen_keep_their_column_and_order(
    cards: list[dict[str, Any]], options: dict[str, Any]
) -> None:
    first = arrange(cards, options)
    board = [
        {**card, "column": slot["column"], "shown": True}
        for card, slot in zip(cards, first["slots"], strict=True)
        if slot["visible"]
    ]
    again = arrange(board, options)
    before = [s for s in first["slots"] if s["visible"]]
    assert [s["column"] for s in again["slots"]] == [s["column"] for s in before]
    assert again["hidden"] == 0
