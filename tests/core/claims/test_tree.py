"""The claim tree's rules and its layout, without I/O: visibility, edit and move rules, ordering,
the strongest claims, and the tidy layout of the picture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.claims.layout import tidy
from bot.core.claims.tree import (
    Claim,
    check_edit,
    check_impact,
    check_move,
    outline,
    parent_of,
    strongest,
    visible,
)
from bot.core.kernel.errors import RuleError

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def claim(cid: int, parent: int | None, side: str = "pro", author: str = "amy", removed: bool = False) -> Claim:
    return Claim(cid, "debate:1", "test", "w1", parent, side, f"claim {cid}", author, author.title(), AT,
                 removed_at=AT if removed else None)


TREE = [claim(1, None), claim(2, 1, "con"), claim(3, 2), claim(4, None, "con"), claim(5, 4)]


def test_a_removed_claim_hides_its_whole_subtree():
    claims = [*TREE[:1], claim(2, 1, "con", removed=True), *TREE[2:]]
    assert sorted(visible(claims)) == [1, 4, 5]
    assert sorted(visible(TREE)) == [1, 2, 3, 4, 5]


def test_a_parent_must_be_a_visible_claim_of_this_map():
    tree = visible(TREE)
    assert parent_of(tree, None, "u") is None and parent_of(tree, 0, "u") is None  # the thesis
    assert parent_of(tree, 3, "u") == 3
    with pytest.raises(RuleError) as err:
        parent_of(tree, 99, "usage.claim.pro")
    assert err.value.key == "claim.error.unknown_parent" and err.value.usage == "usage.claim.pro"


def test_move_refuses_a_cycle_and_itself():
    tree = visible(TREE)
    for target in (1, 2, 3):  # itself, its child, its grandchild
        with pytest.raises(RuleError) as err:
            check_move(tree, 1, target)
        assert err.value.key == "claim.error.cycle"
    assert check_move(tree, 3, 4) == 4
    assert check_move(tree, 3, 0) is None


def test_only_the_author_edits_and_only_until_answers_or_ratings():
    tree = visible(TREE)
    check_edit(tree, tree[3], "amy", rated=False)
    with pytest.raises(RuleError, match="claim.error.not_author"):
        check_edit(tree, tree[3], "ben", rated=False)
    with pytest.raises(RuleError, match="claim.error.has_children"):
        check_edit(tree, tree[2], "amy", rated=False)
    with pytest.raises(RuleError, match="claim.error.has_ratings"):
        check_edit(tree, tree[3], "amy", rated=True)


@pytest.mark.parametrize("value", [-1, 5, 100])
def test_impact_is_zero_to_four(value):
    with pytest.raises(RuleError) as err:
        check_impact(value)
    assert err.value.key == "claim.error.impact_range" and err.value.usage == "usage.claim.rate"
    assert [check_impact(v) for v in range(5)] == [0, 1, 2, 3, 4]


def test_outline_sorts_siblings_by_mean_impact_and_keeps_children_under_parents():
    tree = visible(TREE)
    ratings = {1: {"a": 1}, 4: {"a": 4, "b": 3}, 2: {"a": 2}}
    assert [(lvl, c.id) for lvl, c in outline(tree, ratings)] == [(0, 4), (1, 5), (0, 1), (1, 2), (2, 3)]
    assert [c.id for _, c in outline(tree, ratings, by_impact=False)] == [1, 2, 3, 4, 5]
    assert [(lvl, c.id) for lvl, c in outline(tree, ratings, root=2)] == [(0, 2), (1, 3)]
    assert [c.id for _, c in outline(tree, ratings, depth=1)] == [4, 1]


def test_the_strongest_claim_needs_three_ratings():
    tree = visible(TREE)
    ratings = {1: {"a": 4, "b": 4}, 4: {"a": 2, "b": 3, "c": 1}, 3: {"a": 4, "b": 4, "c": 4}}
    assert strongest(tree, ratings, "pro") is None  # #1 has two; #3 is not on the thesis
    found = strongest(tree, ratings, "con")
    assert found is not None and found[0].id == 4 and found[1].mean == 2.0 and found[1].n == 3


# --- the layout of the picture ---

@st.composite
def trees(draw) -> dict[int, list[int]]:
    n = draw(st.integers(1, 40))
    kids: dict[int, list[int]] = {i: [] for i in range(n)}
    for i in range(1, n):
        kids[draw(st.integers(0, i - 1))].append(i)
    return kids


@given(trees())
def test_tidy_layout_never_overlaps_and_centres_parents(kids):
    places = tidy(0, lambda i: kids[i])
    assert set(places) == set(kids)
    rows: dict[int, list[float]] = {}
    for node, (x, depth) in places.items():
        rows.setdefault(depth, []).append(x)
        if kids[node]:
            xs = [places[k][0] for k in kids[node]]
            assert xs == sorted(xs)  # siblings keep their order
            assert x == pytest.approx((xs[0] + xs[-1]) / 2)
            assert all(places[k][1] == depth + 1 for k in kids[node])
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= 1 - 1e-9 for a, b in zip(xs, xs[1:], strict=False))
    assert min(x for x, _ in places.values()) == 0


def test_tidy_layout_of_a_small_tree():
    kids = {0: [1, 2], 1: [3, 4], 2: [], 3: [], 4: []}
    # #2 sits one gap right of #1 (its subtree is a leaf); the root is centred over both
    assert tidy(0, lambda i: kids[i]) == {0: (1.0, 0), 1: (0.5, 1), 2: (1.5, 1), 3: (0.0, 2), 4: (1.0, 2)}
