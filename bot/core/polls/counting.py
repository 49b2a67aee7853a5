"""Counting poll ballots: single choice, multiple choice and ranked (instant runoff).

Pure functions, no I/O. A ballot names options by their index in ``options``.

* **single**: each ballot is one index. The option(s) with the most votes win.
* **multi**: each ballot is a non-empty set of distinct indices; every index named gets one
  vote. The option(s) with the most votes win. How many choices a voter may make is the
  caller's rule, not the counter's.
* **ranked**: each ballot is a non-empty ordered list of distinct indices, most preferred
  first. Partial rankings are allowed. Counted by instant runoff:

  1. Each round counts every ballot for its highest-ranked *continuing* option. A ballot
     with no continuing option left is *exhausted* for that round; exhausted ballots are
     counted per round, and ``sum(counts) + exhausted == ballots`` in every round.
  2. If one option has a strict majority of the non-exhausted ballots
     (``2 * votes > ballots - exhausted``), it wins and counting stops.
  3. If exactly two options remain with equal votes, both win (a tie) and counting stops.
  4. Otherwise the option(s) with the fewest votes are eliminated. A tie for fewest is
     broken, in order, by fewer first-preference votes, then by fewer votes in the earlier
     rounds, going backwards from the round before the current one. Options still tied
     after that are eliminated together — unless that would eliminate every continuing
     option, in which case those options are the (tied) winners. Options with zero votes
     all tie for fewest in the first round, so they are eliminated together there.
  5. The ballots of eliminated options move to their next continuing preference in the
     next round.

Every ballot names at least one option, so there is always a winner when there is at
least one ballot; with no ballots there is no winner (``winners == []``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

MODES = ("single", "multi", "ranked")


@dataclass(frozen=True)
class RunoffRound:
    """One round of an instant-runoff count."""

    counts: dict[int, int]
    """Option index -> votes this round, for the continuing options only."""
    eliminated: list[int]
    """Option indices eliminated at the end of this round ([] in the final round)."""
    exhausted: int
    """Ballots with no continuing preference this round."""


@dataclass(frozen=True)
class PollCount:
    """The result of counting a poll."""

    mode: str
    """"single", "multi" or "ranked"."""
    options: list[str]
    counts: list[int]
    """Votes per option; for ranked polls the first-preference votes."""
    ballots: int
    """Number of ballots counted."""
    winners: list[int]
    """Winning option indices, ascending; several when tied; [] when there are no ballots."""
    rounds: list[RunoffRound]
    """The instant-runoff rounds (ranked only; [] otherwise)."""


def count_single(options: list[str], ballots: Iterable[int]) -> PollCount:
    """Count a single-choice poll: one option index per ballot.

    Raises:
        ValueError: a ballot names an option that does not exist.
    """
    counts = [0] * len(options)
    total = 0
    for choice in ballots:
        _check_index(choice, len(options))
        counts[choice] += 1
        total += 1
    return PollCount("single", list(options), counts, total, _most_votes(counts, total), [])


def count_multi(options: list[str], ballots: Iterable[Sequence[int]]) -> PollCount:
    """Count a multiple-choice poll: each ballot is a non-empty set of distinct indices.

    Raises:
        ValueError: a ballot is empty, repeats an option, or names one that does not exist.
    """
    counts = [0] * len(options)
    total = 0
    for ballot in ballots:
        for choice in _check_ballot(ballot, len(options)):
            counts[choice] += 1
        total += 1
    return PollCount("multi", list(options), counts, total, _most_votes(counts, total), [])


def count_ranked(options: list[str], ballots: Iterable[Sequence[int]]) -> PollCount:
    """Count a ranked poll by instant runoff (rules in the module docstring).

    Each ballot is a non-empty ordered list of distinct indices, most preferred first.

    Raises:
        ValueError: a ballot is empty, repeats an option, or names one that does not exist.
    """
    n = len(options)
    ranked = [_check_ballot(ballot, n) for ballot in ballots]
    first = [0] * n
    for ballot in ranked:
        first[ballot[0]] += 1
    if not ranked:
        return PollCount("ranked", list(options), first, 0, [], [])

    continuing = set(range(n))
    rounds: list[RunoffRound] = []
    while True:
        counts = {i: 0 for i in sorted(continuing)}
        exhausted = 0
        for ballot in ranked:
            choice = next((i for i in ballot if i in continuing), None)
            if choice is None:
                exhausted += 1
            else:
                counts[choice] += 1
        active = len(ranked) - exhausted

        majority = [i for i, votes in counts.items() if 2 * votes > active]
        if majority:
            rounds.append(RunoffRound(counts, [], exhausted))
            winners = majority
            break
        if len(counts) == 2 and len(set(counts.values())) == 1:
            rounds.append(RunoffRound(counts, [], exhausted))
            winners = sorted(counts)
            break

        lowest = _lowest(counts, first, rounds)
        if len(lowest) == len(continuing):
            rounds.append(RunoffRound(counts, [], exhausted))
            winners = lowest
            break
        rounds.append(RunoffRound(counts, lowest, exhausted))
        continuing.difference_update(lowest)

    return PollCount("ranked", list(options), first, len(ranked), winners, rounds)


def count_poll(mode: str, options: list[str], ballots: Iterable[Sequence[int]]) -> PollCount:
    """Count ballots of any mode; single-choice ballots are given as ``[i]``.

    Raises:
        ValueError: unknown mode, or a ballot that is not valid for the mode.
    """
    if mode == "single":
        return count_single(options, (_only_choice(ballot) for ballot in ballots))
    if mode == "multi":
        return count_multi(options, ballots)
    if mode == "ranked":
        return count_ranked(options, ballots)
    raise ValueError(f"unknown poll mode {mode!r} (expected one of {', '.join(MODES)})")


def _lowest(counts: dict[int, int], first: list[int], rounds: list[RunoffRound]) -> list[int]:
    """The options to eliminate this round, after the tie-breaks."""
    fewest = min(counts.values())
    tied = [i for i, votes in counts.items() if votes == fewest]
    tiebreaks = [first] + [earlier.counts for earlier in reversed(rounds)]
    for earlier in tiebreaks:
        if len(tied) == 1:
            break
        fewest = min(earlier[i] for i in tied)
        tied = [i for i in tied if earlier[i] == fewest]
    return tied


def _most_votes(counts: list[int], ballots: int) -> list[int]:
    if ballots == 0:
        return []
    top = max(counts)
    return [i for i, votes in enumerate(counts) if votes == top]


def _check_index(choice: object, n: int) -> None:
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < n:
        raise ValueError(f"no option {choice!r} (there are {n} options)")


def _check_ballot(ballot: Sequence[int], n: int) -> tuple[int, ...]:
    choices = tuple(ballot)
    if not choices:
        raise ValueError("empty ballot")
    for choice in choices:
        _check_index(choice, n)
    if len(set(choices)) != len(choices):
        raise ValueError(f"ballot names an option twice: {list(choices)}")
    return choices


def _only_choice(ballot: Sequence[int]) -> int:
    choices = tuple(ballot)
    if len(choices) != 1:
        raise ValueError(f"a single-choice ballot names exactly one option, got {list(choices)}")
    return choices[0]
