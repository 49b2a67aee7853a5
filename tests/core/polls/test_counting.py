"""Counting tests: hand-counted examples (arithmetic in the comments) and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.polls.counting import (
    PollCount,
    RunoffRound,
    count_multi,
    count_poll,
    count_ranked,
    count_single,
)

DRINKS = ["tea", "coffee", "water"]
A, B, C, D, E, F = range(6)


def ballots(*groups: tuple[int, list[int]]) -> list[list[int]]:
    """Expand (how many, ranking) pairs into a ballot list."""
    return [list(ranking) for times, ranking in groups for _ in range(times)]


# --- single choice ----------------------------------------------------------------------


def test_single_choice() -> None:
    # tea: ballots 1, 3, 5 -> 3; coffee: ballot 2 -> 1; water: ballot 4 -> 1. Tea wins 3 > 1.
    result = count_single(DRINKS, [0, 1, 0, 2, 0])
    assert result == PollCount("single", DRINKS, [3, 1, 1], 5, [0], [])


def test_single_choice_tie() -> None:
    # tea: ballots 1, 4 -> 2; coffee: ballots 2, 3 -> 2; water: ballot 5 -> 1. Tea = coffee = 2.
    result = count_single(DRINKS, [0, 1, 1, 0, 2])
    assert result.counts == [2, 2, 1]
    assert result.winners == [0, 1]
    assert result.ballots == 5


def test_single_choice_through_dispatch() -> None:
    result = count_poll("single", DRINKS, [[2], [2], [1]])
    # water 2, coffee 1, tea 0
    assert (result.mode, result.counts, result.winners) == ("single", [0, 1, 2], [2])


@pytest.mark.parametrize("ballot", [3, -1])
def test_single_rejects_unknown_option(ballot: int) -> None:
    with pytest.raises(ValueError, match="no option"):
        count_single(DRINKS, [0, ballot])


def test_single_ballot_in_dispatch_names_one_option() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        count_poll("single", DRINKS, [[0, 1]])


# --- multiple choice --------------------------------------------------------------------


def test_multi_choice() -> None:
    # ballots {tea, coffee} {coffee} {coffee, water} {tea, water, coffee}
    # tea: 1st + 4th = 2; coffee: all four = 4; water: 3rd + 4th = 2. Coffee wins with 4.
    result = count_multi(DRINKS, [[0, 1], [1], [1, 2], [0, 2, 1]])
    assert result == PollCount("multi", DRINKS, [2, 4, 2], 4, [1], [])
    assert count_poll("multi", DRINKS, [[0, 1], [1], [1, 2], [0, 2, 1]]) == result


def test_multi_choice_tie() -> None:
    # tea: 1st + 2nd = 2; water: 1st + 2nd = 2; coffee: 0.
    assert count_multi(DRINKS, [[0, 2], [2, 0]]).winners == [0, 2]


@pytest.mark.parametrize("bad", [[], [0, 0], [5]])
def test_multi_rejects_bad_ballots(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        count_multi(DRINKS, [[0], bad])


# --- ranked: instant runoff -------------------------------------------------------------


def test_ranked_first_round_majority() -> None:
    # 5 ballots, none exhausted: a strict majority is more than 5 / 2 = 2.5 votes.
    # Round 1: A = 3, B = 1, C = 1. A has 3 > 2.5 and wins at once.
    votes = ballots((3, [A, B]), (1, [B]), (1, [C, B]))
    result = count_ranked(["A", "B", "C"], votes)
    assert result.counts == [3, 1, 1]
    assert result.winners == [A]
    assert result.rounds == [RunoffRound({A: 3, B: 1, C: 1}, [], 0)]


def test_ranked_three_rounds_with_transfers() -> None:
    # 10 ballots; majority needs more than 10 / 2 = 5 while no ballot is exhausted.
    votes = ballots((4, [A, B, C]), (3, [B, C]), (2, [C, B]), (1, [D, B]))
    result = count_ranked(["A", "B", "C", "D"], votes)
    assert result.counts == [4, 3, 2, 1]
    assert result.rounds == [
        # Round 1: A 4, B 3, C 2, D 1 -> nobody > 5; D is lowest and out; its ballot goes to B.
        RunoffRound({A: 4, B: 3, C: 2, D: 1}, [D], 0),
        # Round 2: A 4, B 3 + 1 = 4, C 2 -> C out; both its ballots go to B.
        RunoffRound({A: 4, B: 4, C: 2}, [C], 0),
        # Round 3: A 4, B 4 + 2 = 6 > 5 -> B wins though A led on first preferences.
        RunoffRound({A: 4, B: 6}, [], 0),
    ]
    assert result.winners == [B]


def test_ranked_elimination_tie_broken_by_first_preferences() -> None:
    votes = ballots((6, [A]), (3, [B, C]), (4, [C]), (1, [D, B]))
    result = count_ranked(["A", "B", "C", "D"], votes)
    assert result.rounds == [
        # 14 ballots. Round 1: A 6, B 3, C 4, D 1 -> no majority (> 7); D out, to B.
        RunoffRound({A: 6, B: 3, C: 4, D: 1}, [D], 0),
        # Round 2: A 6, B 3 + 1 = 4, C 4 -> B and C tie for fewest at 4.
        # First preferences: B 3 < C 4, so B goes. Its 3 ballots move on to C; the D, B
        # ballot has nobody left and is exhausted.
        RunoffRound({A: 6, B: 4, C: 4}, [B], 0),
        # Round 3: A 6, C 4 + 3 = 7, exhausted 1 -> 13 active, 7 > 6.5 -> C wins.
        RunoffRound({A: 6, C: 7}, [], 1),
    ]
    assert result.winners == [C]


def test_ranked_elimination_tie_broken_by_earlier_rounds() -> None:
    names = ["A", "B", "X", "Y", "Z", "W"]
    X, Y, Z, W = C, D, E, F
    votes = ballots(
        (6, [A]), (6, [B]), (3, [X, A]), (3, [Y, A]), (1, [Z, X]), (1, [W, Y]), (1, [W])
    )
    result = count_ranked(names, votes)
    assert result.rounds == [
        # 21 ballots. Round 1: A 6, B 6, X 3, Y 3, Z 1, W 2 -> Z out (fewest), to X.
        RunoffRound({A: 6, B: 6, X: 3, Y: 3, Z: 1, W: 2}, [Z], 0),
        # Round 2: X 3 + 1 = 4, Y 3, W 2 -> W out: one ballot to Y, one exhausted.
        RunoffRound({A: 6, B: 6, X: 4, Y: 3, W: 2}, [W], 0),
        # Round 3: X 4, Y 3 + 1 = 4 tie for fewest; first preferences tie too (3 and 3);
        # going back, round 2 had X 4 > Y 3, so Y goes. Its 3 Y, A ballots go to A; the
        # W, Y ballot is now exhausted as well.
        RunoffRound({A: 6, B: 6, X: 4, Y: 4}, [Y], 1),
        # Round 4: A 6 + 3 = 9, B 6, X 4; exhausted 2 -> 19 active, 9 is not > 9.5; X out.
        # Its 3 X, A ballots go to A; the Z, X ballot is exhausted.
        RunoffRound({A: 9, B: 6, X: 4}, [X], 2),
        # Round 5: A 9 + 3 = 12, B 6; exhausted 3 -> 18 active, 12 > 9 -> A wins.
        RunoffRound({A: 12, B: 6}, [], 3),
    ]
    assert result.winners == [A]


def test_ranked_tie_eliminates_two_together() -> None:
    votes = ballots((5, [A]), (4, [B]), (2, [C, B]), (2, [D, B]))
    result = count_ranked(["A", "B", "C", "D"], votes)
    assert result.rounds == [
        # 13 ballots, majority > 6.5. Round 1: A 5, B 4, C 2, D 2. C and D tie for fewest,
        # with equal first preferences (2 and 2) and no earlier round: both go together.
        RunoffRound({A: 5, B: 4, C: 2, D: 2}, [C, D], 0),
        # Round 2: A 5, B 4 + 2 + 2 = 8 > 6.5 -> B wins.
        RunoffRound({A: 5, B: 8}, [], 0),
    ]
    assert result.winners == [B]


def test_ranked_zero_vote_options_go_together_in_round_one() -> None:
    votes = ballots((2, [A, B]), (2, [B]), (1, [C, A]))
    result = count_ranked(["A", "B", "C", "D", "E"], votes)
    # 5 ballots, majority > 2.5. Round 1: A 2, B 2, C 1, D 0, E 0 -> D and E out together.
    # Round 2: A 2, B 2, C 1 -> C out, to A. Round 3: A 3 > 2.5 -> A wins.
    assert [r.eliminated for r in result.rounds] == [[D, E], [C], []]
    assert result.rounds[-1] == RunoffRound({A: 3, B: 2}, [], 0)
    assert result.winners == [A]


def test_ranked_exhausted_ballots_with_partial_rankings() -> None:
    votes = ballots((5, [A]), (3, [B]), (4, [C]), (1, [D, B]))
    result = count_ranked(["A", "B", "C", "D"], votes)
    assert result.rounds == [
        # 13 ballots. Round 1: A 5, B 3, C 4, D 1 -> no majority (> 6.5); D out, to B.
        RunoffRound({A: 5, B: 3, C: 4, D: 1}, [D], 0),
        # Round 2: A 5, B 4, C 4 -> B and C tie; first preferences B 3 < C 4, B goes.
        # All 4 of B's ballots rank nobody else: they are exhausted.
        RunoffRound({A: 5, B: 4, C: 4}, [B], 0),
        # Round 3: A 5, C 4, exhausted 4 -> 9 active; 5 > 4.5 -> A wins with 5 of 13.
        RunoffRound({A: 5, C: 4}, [], 4),
    ]
    assert result.winners == [A]


def test_ranked_final_two_way_tie() -> None:
    votes = ballots((3, [A]), (2, [B]), (1, [C, B]))
    result = count_ranked(["A", "B", "C"], votes)
    assert result.rounds == [
        # 6 ballots. Round 1: A 3, B 2, C 1 -> 3 is not > 3; C out, to B.
        RunoffRound({A: 3, B: 2, C: 1}, [C], 0),
        # Round 2: A 3, B 3 -> two options left with equal votes: a tie, both win
        # (even though A had more first preferences).
        RunoffRound({A: 3, B: 3}, [], 0),
    ]
    assert result.winners == [A, B]


def test_ranked_all_tied_means_all_win() -> None:
    # One first preference each, no further preferences: eliminating the fewest would
    # eliminate all three, so all three are the tied winners.
    result = count_ranked(["A", "B", "C"], [[A], [B], [C]])
    assert result.rounds == [RunoffRound({A: 1, B: 1, C: 1}, [], 0)]
    assert result.winners == [A, B, C]


def test_ranked_no_ballots() -> None:
    result = count_ranked(["A", "B", "C"], [])
    assert result == PollCount("ranked", ["A", "B", "C"], [0, 0, 0], 0, [], [])
    assert count_poll("ranked", ["A", "B", "C"], []) == result


@pytest.mark.parametrize("bad", [[], [A, A], [A, 3]])
def test_ranked_rejects_bad_ballots(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        count_ranked(["A", "B", "C"], [[A, B], bad])


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown poll mode"):
        count_poll("approval", DRINKS, [[0]])


def test_no_ballots_in_any_mode_has_no_winner() -> None:
    for mode in ("single", "multi", "ranked"):
        result = count_poll(mode, DRINKS, [])
        assert (result.ballots, result.counts, result.winners) == (0, [0, 0, 0], [])


# --- properties -------------------------------------------------------------------------


@st.composite
def polls(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    n = draw(st.integers(min_value=1, max_value=6))
    ranking = st.permutations(list(range(n))).flatmap(
        lambda perm: st.integers(min_value=1, max_value=n).map(lambda k: list(perm[:k]))
    )
    return n, draw(st.lists(ranking, max_size=40))


@given(polls())
def test_ranked_properties(poll: tuple[int, list[list[int]]]) -> None:
    n, votes = poll
    result = count_ranked([f"o{i}" for i in range(n)], votes)

    assert result.ballots == len(votes)
    assert sum(result.counts) == len(votes)
    assert bool(result.winners) == bool(votes)
    assert result.winners == sorted(set(result.winners))
    if not votes:
        assert result.rounds == []
        return

    assert result.rounds[0].counts == dict(enumerate(result.counts))
    assert result.rounds[-1].eliminated == []
    assert set(result.winners) <= set(result.rounds[-1].counts)
    gone: set[int] = set()
    for rnd in result.rounds:
        assert sum(rnd.counts.values()) + rnd.exhausted == len(votes)
        assert not gone & set(rnd.counts), "an eliminated option came back"
        assert set(rnd.eliminated) <= set(rnd.counts)
        gone |= set(rnd.eliminated)
    assert not gone & set(result.winners)
    # every round but the last eliminates someone, so the count always ends
    assert all(rnd.eliminated for rnd in result.rounds[:-1])


@given(polls())
def test_single_and_multi_properties(poll: tuple[int, list[list[int]]]) -> None:
    n, votes = poll
    options = [f"o{i}" for i in range(n)]

    single = count_poll("single", options, [v[:1] for v in votes])
    assert sum(single.counts) == single.ballots == len(votes)
    assert bool(single.winners) == bool(votes)

    multi = count_multi(options, votes)
    assert sum(multi.counts) == sum(len(v) for v in votes)
    assert multi.ballots == len(votes)
    assert bool(multi.winners) == bool(votes)
    for result in (single, multi):
        top = max(result.counts)
        assert all(result.counts[w] == top for w in result.winners)
        assert result.rounds == []
