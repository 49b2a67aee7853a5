from __future__ import annotations

from bot.core.debates.model import Choice
from bot.core.debates.voting import (
    BEFORE_POST_VOTE,
    EMPTY_POST_VOTE,
    MIN_PAIRED,
    movement,
    oxford_result,
    tally,
)

P, C, U = Choice.PRO, Choice.CON, Choice.UNDECIDED


def test_the_side_that_gains_more_wins():
    # pre: 2 pro, 4 con, 4 undecided (20/40/40 %); post: 5 pro, 4 con, 1 undecided (50/40/10 %)
    pre = {"a": P, "b": P, "c": C, "d": C, "e": C, "f": C, "g": U, "h": U, "i": U, "j": U}
    post = {"a": P, "b": P, "c": C, "d": C, "e": C, "f": C, "g": P, "h": P, "i": P, "j": U}
    r = oxford_result(pre, post)
    assert r.swing == {"pro": 30.0, "con": 0.0}
    assert r.winner == "pro"
    assert r.pre == {"pro": 2, "con": 4, "undecided": 4}
    assert r.turnout == {"pre": 10, "post": 10, "both": 10}


def test_con_can_win_while_still_behind():
    # pre 6 pro / 2 con / 2 undecided; post 6 pro / 4 con: con gains 20 points, pro none
    pre = {**{f"p{i}": P for i in range(6)}, "c1": C, "c2": C, "u1": U, "u2": U}
    post = {**{f"p{i}": P for i in range(6)}, "c1": C, "c2": C, "u1": C, "u2": C}
    r = oxford_result(pre, post)
    assert r.winner == "con"
    assert r.swing["con"] == 20.0


def test_equal_gains_are_a_tie():
    pre = {"a": U, "b": U}
    post = {"a": P, "b": C}
    r = oxford_result(pre, post)
    assert r.swing == {"pro": 50.0, "con": 50.0}
    assert r.winner == "tie"


def test_no_votes_is_no_result_not_an_error():
    r = oxford_result({}, {})
    assert (r.winner, r.reason, r.indicative) == (None, EMPTY_POST_VOTE, False)
    assert r.movement == []


def test_without_a_post_vote_there_is_no_winner_and_the_reason_says_why():
    ended_early = oxford_result({"a": P}, {}, post_vote_held=False)
    assert (ended_early.winner, ended_early.reason) == (None, BEFORE_POST_VOTE)
    assert ended_early.pre == {"pro": 1, "con": 0, "undecided": 0}  # the pre-vote is still there
    assert oxford_result({"a": P}, {}).reason == EMPTY_POST_VOTE


def test_a_winner_on_fewer_paired_voters_than_the_minimum_is_indicative():
    few = {f"v{i}": U for i in range(MIN_PAIRED - 1)}
    r = oxford_result(few, {**{v: P for v in few}, "new1": C, "new2": C})
    assert r.winner == "pro" and r.turnout["both"] == MIN_PAIRED - 1 and r.indicative and r.reason == ""
    enough = {f"v{i}": U for i in range(MIN_PAIRED)}
    assert not oxford_result(enough, {v: P for v in enough}).indicative


def test_moved_leaves_out_those_who_kept_their_ballot():
    r = oxford_result({"a": P, "b": C, "c": P}, {"a": P, "b": P})
    assert r.moved == [("con", "pro", 1), ("pro", "none", 1)]
    assert ("pro", "pro", 1) in r.movement  # the movement table itself is unchanged


def test_movement_pairs_each_voters_two_ballots():
    pre = {"a": U, "b": U, "c": U, "d": C, "e": P}
    post = {"a": P, "b": P, "c": U, "d": P, "f": C}
    assert movement(pre, post) == [
        ("undecided", "pro", 2),
        ("con", "pro", 1),
        ("none", "con", 1),
        ("pro", "none", 1),
        ("undecided", "undecided", 1),
    ]


def test_tally_counts_every_choice():
    assert tally({"a": P, "b": P, "c": U}) == {"pro": 2, "con": 0, "undecided": 1}
