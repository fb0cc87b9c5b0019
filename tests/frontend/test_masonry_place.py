"""Masonry placement (frontend/static/wall/masonry-place.js) as pure arithmetic, without a browser.

What staff would notice: no two cards overlap, nothing visible crosses the bottom of the screen,
a new post moves only the column it lands in, and the board only takes one more post when a trial
layout says every card will still be visible (so cards do not blink off and on).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frontend.js import call, load

CTX = load("wall/masonry-place.js")
heights_st = st.lists(st.integers(min_value=40, max_value=900), max_size=40)
layout_st = st.fixed_dictionaries(
    {
        "columns": st.integers(min_value=1, max_value=8),
        "gap": st.integers(min_value=0, max_value=30),
        "limit": st.integers(min_value=200, max_value=2200),
    }
)


def new(*heights: int) -> list[dict[str, Any]]:
    return [{"height": h, "column": None} for h in heights]


def place(cards: list[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    return call(CTX, f"placeCards({json.dumps(cards)}, {json.dumps(options)})")


def kept(cards: list[dict[str, Any]], placed: dict[str, Any]) -> list[dict[str, Any]]:
    """The cards as the board remembers them after a layout: each with the column it got."""
    return [
        {"height": c["height"], "column": s["column"]}
        for c, s in zip(cards, placed["slots"], strict=True)
    ]


def test_new_cards_go_to_the_least_filled_column_leftmost_first() -> None:
    placed = place(new(100, 300, 100, 50), {"columns": 2, "gap": 10, "limit": 1000})
    assert [(s["column"], s["y"]) for s in placed["slots"]] == [(0, 0), (1, 0), (0, 110), (0, 220)]
    assert placed["hidden"] == 0


def test_a_new_card_moves_only_its_own_column() -> None:
    opts = {"columns": 3, "gap": 10, "limit": 1000}
    board = kept(new(200, 300, 400), place(new(200, 300, 400), opts))
    before = place(board, opts)["slots"]
    after = place([*new(150), *board], opts)["slots"]
    assert after[0] == {"column": 0, "y": 0, "visible": True}  # the least filled column's top
    assert after[1] == {"column": 0, "y": 160, "visible": True}  # its card slid down
    assert after[2:] == before[1:]  # the other columns did not move


def test_a_new_card_goes_where_it_fits_not_where_it_would_push_others_off() -> None:
    # The README's case: a pinned note and three photo cards on a 4-column board 808 px high.
    opts = {"columns": 4, "gap": 14, "limit": 808}
    board = kept(new(346, 549, 549, 549), place(new(346, 549, 549, 549), opts))
    assert call(CTX, f"fitsOneMore({json.dumps(board)}, 267, 1, {json.dumps(opts)})") is True
    assert call(CTX, f"fitsOneMore({json.dumps(board)}, 549, 1, {json.dumps(opts)})") is False
    placed = place([board[0], *new(267), *board[1:]], opts)
    assert placed["slots"][1]["column"] == 0 and placed["hidden"] == 0


def test_a_card_that_fits_nowhere_is_hidden_and_a_smaller_one_takes_the_room() -> None:
    placed = place(new(500, 500, 400, 100), {"columns": 2, "gap": 0, "limit": 800})
    assert [s["visible"] for s in placed["slots"]] == [True, True, False, True]
    assert placed["hidden"] == 1 and placed["slots"][2]["column"] is None


def test_an_empty_column_takes_a_card_taller_than_the_screen() -> None:
    assert place(new(1500), {"columns": 3, "gap": 0, "limit": 800})["slots"][0]["visible"] is True


def test_a_card_that_grew_past_the_bottom_is_hidden_and_loses_its_column() -> None:
    opts = {"columns": 1, "gap": 0, "limit": 800}
    placed = place([{"height": 400, "column": 0}, {"height": 500, "column": 0}], opts)
    assert placed["slots"][1] == {"column": None, "y": 0, "visible": False}


@settings(max_examples=150, deadline=None)
@given(heights_st, layout_st, st.lists(st.integers(min_value=-1, max_value=9), max_size=40))
def test_visible_cards_never_overlap_and_stay_on_screen(
    heights: list[int], opts: dict, columns: list[int]
) -> None:
    cards = [
        {"height": h, "column": (c if c >= 0 else None)}
        for h, c in zip(heights, columns + [-1] * len(heights), strict=False)
    ]
    slots = place(cards, opts)["slots"]
    by_column: dict[int, list[tuple[int, int]]] = {}
    for card, slot in zip(cards, slots, strict=True):
        if not slot["visible"]:
            assert slot["column"] is None
            continue
        top, bottom = slot["y"], slot["y"] + card["height"]
        assert 0 <= slot["column"] < opts["columns"]
        assert top == 0 or bottom <= opts["limit"]
        by_column.setdefault(slot["column"], []).append((top, bottom))
    for spans in by_column.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end + opts["gap"]


@settings(max_examples=150, deadline=None)
@given(heights_st, st.integers(min_value=40, max_value=900), layout_st, st.data())
def test_one_more_fits_exactly_when_the_trial_layout_hides_nothing(
    heights: list[int], height: int, opts: dict, data: st.DataObject
) -> None:
    board = kept(new(*heights), place(new(*heights), opts))
    at = data.draw(st.integers(min_value=0, max_value=len(board)))
    fits = call(CTX, f"fitsOneMore({json.dumps(board)}, {height}, {at}, {json.dumps(opts)})")
    trial = [*board[:at], *new(height), *board[at:]]
    assert fits == (place(trial, opts)["hidden"] == 0)


@settings(max_examples=100, deadline=None)
@given(heights_st, layout_st)
def test_a_laid_out_board_lays_out_the_same_again(heights: list[int], opts: dict) -> None:
    first = place(new(*heights), opts)
    assert place(kept(new(*heights), first), opts)["slots"] == first["slots"]


def test_typical_height_is_the_median() -> None:
    assert call(CTX, "typicalHeight(" + json.dumps(new(300, 100, 200)) + ")") == 200
    assert call(CTX, "typicalHeight([])") == 0
