"""Pure vote arithmetic: tallies, the Oxford result and the movement between pre and post ballots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.debates.model import Choice

NONE = "none"  # a voter who did not vote in that stage
SIDES = (Choice.PRO, Choice.CON)
# Why a result has no winner (`Result.reason`): the debate ended before its post-vote (or, still
# running, has not reached it); or the post-vote was held, or is open, without a ballot.
BEFORE_POST_VOTE = "before_post_vote"
EMPTY_POST_VOTE = "empty_post_vote"
# A winner that stands on fewer voters than this who voted in both votes is indicative only.
MIN_PAIRED = 5


def tally(ballots: Mapping[str, Choice]) -> dict[str, int]:
    counts = Counter(ballots.values())
    return {c.value: counts.get(c, 0) for c in Choice}


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (100.0 * v / total if total else 0.0) for k, v in counts.items()}


@dataclass(frozen=True)
class Result:
    pre: dict[str, int]
    post: dict[str, int]
    pre_share: dict[str, float]
    post_share: dict[str, float]
    swing: dict[str, float]  # post share minus pre share, in percentage points, for pro and con
    winner: str | None  # "pro" | "con" | "tie"; None: no result without a post-vote (see `reason`)
    movement: list[tuple[str, str, int]]  # (from, to, count), largest first
    turnout: dict[str, int]  # pre, post, both
    reason: str = ""  # why `winner` is None: BEFORE_POST_VOTE or EMPTY_POST_VOTE; "" with a winner
    indicative: bool = False  # a winner from fewer than MIN_PAIRED voters in both votes

    @property
    def moved(self) -> list[tuple[str, str, int]]:
        """The movement of those who changed their ballot (a missing ballot counts as a change)."""
        return [m for m in self.movement if m[0] != m[1]]


def signed_points(points: float) -> str:
    """A swing as shown, to one decimal with its sign: `+2.5`, `-1.0`, and `+0.0` for any swing
    that rounds to nothing (formatting a tiny negative swing as it is would show `-0.0`)."""
    return f"{rounded(points, 1):+.1f}"


def rounded(points: float, digits: int) -> float:
    """`round`, with a result of zero always +0.0 (a tiny negative swing rounds to -0.0)."""
    return round(points, digits) + 0.0


def movement(pre: Mapping[str, Choice], post: Mapping[str, Choice]) -> list[tuple[str, str, int]]:
    """Pairs each voter's pre and post ballots; a missing ballot counts as "none"."""
    moves: Counter[tuple[str, str]] = Counter()
    for voter in pre.keys() | post.keys():
        before = pre[voter].value if voter in pre else NONE
        after = post[voter].value if voter in post else NONE
        moves[(before, after)] += 1
    return sorted(((a, b, n) for (a, b), n in moves.items()), key=lambda m: (-m[2], m[0], m[1]))


def oxford_result(pre: Mapping[str, Choice], post: Mapping[str, Choice], post_vote_held: bool = True) -> Result:
    """The side whose share grew more between the two votes wins; equal gains are a tie.

    Without a post-vote ballot there is no winner: `post_vote_held` says whether the debate
    reached its post-vote (`reason` EMPTY_POST_VOTE) or ended before it (BEFORE_POST_VOTE).
    A winner from fewer than MIN_PAIRED voters who voted in both votes is `indicative`.
    """
    pre_counts, post_counts = tally(pre), tally(post)
    pre_share, post_share = shares(pre_counts), shares(post_counts)
    swing = {s.value: round(post_share[s.value] - pre_share[s.value], 6) for s in SIDES}
    both = len(pre.keys() & post.keys())
    winner: str | None
    reason = ""
    if not post:
        winner, reason = None, EMPTY_POST_VOTE if post_vote_held else BEFORE_POST_VOTE
    elif abs(swing["pro"] - swing["con"]) < 1e-9:
        winner = "tie"
    else:
        winner = "pro" if swing["pro"] > swing["con"] else "con"
    return Result(
        pre=pre_counts,
        post=post_counts,
        pre_share=pre_share,
        post_share=post_share,
        swing=swing,
        winner=winner,
        movement=movement(pre, post),
        turnout={"pre": len(pre), "post": len(post), "both": both},
        reason=reason,
        indicative=winner is not None and both < MIN_PAIRED,
    )
