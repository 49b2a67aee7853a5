"""Argument maps: the claim tree of a debate or discussion and the rules of changing it.

A claim is for (`pro`) or against (`con`) its parent: another claim, or the thesis (the motion
or the discussion topic) when it has none. Plain data and pure functions; the service
(`claim_service.py`) does the I/O. Impact is Kialo's 0–4 scale: how much the claim, if true,
strengthens or weakens its parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.kernel.errors import RuleError

SIDES = ("pro", "con")
MIN_IMPACT, MAX_IMPACT = 0, 4
STRONGEST_MIN_RATINGS = 3  # the result card names a claim only when this many rated it
THESIS = 0  # `parent:0` names the thesis (the motion or the topic)


@dataclass
class Claim:
    """One claim. `space` is `debate:<id>` or `discuss:<id>`; `parent_id` None: on the thesis."""

    id: int
    space: str
    platform: str
    workspace: str
    parent_id: int | None
    side: str  # pro | con
    text: str
    author_id: str
    author_name: str
    created_at: datetime
    edited_at: datetime | None = None
    removed_at: datetime | None = None
    removed_by: str = ""
    channel: str = ""  # where its card was posted
    message_id: str = ""


@dataclass(frozen=True)
class Impact:
    """The mean impact of a claim and how many rated it."""

    mean: float | None
    n: int


Ratings = Mapping[int, Mapping[str, int]]  # claim id -> rater -> impact


def visible(claims: Iterable[Claim]) -> dict[int, Claim]:
    """The claims that are shown: not removed, and no ancestor removed (a removal hides the
    subtree). Claims come in any order; a claim whose parent is unknown is not shown."""
    by_id = {c.id: c for c in claims}
    shown: dict[int, bool] = {}

    def seen(c: Claim) -> bool:
        path: list[Claim] = []
        node: Claim | None = c
        result = True
        while node is not None:
            if node.id in shown:
                result = shown[node.id]
                break
            if node.removed_at is not None or node.id in {p.id for p in path}:
                result = False
                break
            path.append(node)
            if node.parent_id is None:
                break
            node = by_id.get(node.parent_id)
            if node is None:
                result = False
        for p in path:
            shown[p.id] = result
        return result

    return {c.id: c for c in by_id.values() if seen(c)}


def children_of(tree: Mapping[int, Claim]) -> dict[int | None, list[Claim]]:
    """Each visible claim's visible children (None: the thesis's), in order of their ids."""
    out: dict[int | None, list[Claim]] = {}
    for c in sorted(tree.values(), key=lambda c: c.id):
        out.setdefault(c.parent_id, []).append(c)
    return out


def impact(ratings: Mapping[str, int] | None) -> Impact:
    if not ratings:
        return Impact(None, 0)
    return Impact(sum(ratings.values()) / len(ratings), len(ratings))


def check_impact(value: int) -> int:
    if not MIN_IMPACT <= value <= MAX_IMPACT:
        raise RuleError("claim.error.impact_range", "usage.claim.rate", option="impact", value=value, min=MIN_IMPACT,
                        max=MAX_IMPACT)
    return value


def parent_of(tree: Mapping[int, Claim], parent: int | None, usage: str) -> int | None:
    """The parent a new or moved claim hangs from: None for the thesis (`parent:0` or none),
    else a visible claim of this tree (a removed one, or one of another debate, is refused)."""
    if parent is None or parent == THESIS:
        return None
    if parent not in tree:
        raise RuleError("claim.error.unknown_parent", usage, id=parent)
    return parent


def descendants(tree: Mapping[int, Claim], claim_id: int) -> set[int]:
    """The ids below `claim_id` (not itself)."""
    kids = children_of(tree)
    out: set[int] = set()
    stack = [claim_id]
    while stack:
        for child in kids.get(stack.pop(), ()):
            if child.id not in out:
                out.add(child.id)
                stack.append(child.id)
    return out


def check_move(tree: Mapping[int, Claim], claim_id: int, parent: int | None) -> int | None:
    """Where `claim_id` may move: refused when the new parent is the claim or lies below it."""
    new_parent = parent_of(tree, parent, "usage.claim.move")
    if new_parent is not None and (new_parent == claim_id or new_parent in descendants(tree, claim_id)):
        raise RuleError("claim.error.cycle", "usage.claim.move", id=claim_id, parent=new_parent)
    return new_parent


def check_edit(tree: Mapping[int, Claim], claim: Claim, user_id: str, rated: bool) -> None:
    """Only its author edits a claim, and only until it has children or ratings."""
    if claim.author_id != user_id:
        raise RuleError("claim.error.not_author", "usage.claim.edit", id=claim.id)
    if any(c.parent_id == claim.id for c in tree.values()):
        raise RuleError("claim.error.has_children", id=claim.id)
    if rated:
        raise RuleError("claim.error.has_ratings", id=claim.id)


def sort_key(c: Claim, ratings: Ratings, by_impact: bool) -> tuple[float, ...]:
    """Siblings by mean impact (highest first, then more ratings, then older), or by id."""
    if not by_impact:
        return (c.id,)
    i = impact(ratings.get(c.id))
    return (-(i.mean if i.mean is not None else -1.0), -i.n, c.id)


def outline(tree: Mapping[int, Claim], ratings: Ratings, *, root: int | None = None, depth: int | None = None,
            by_impact: bool = True) -> list[tuple[int, Claim]]:
    """The tree in reading order, (level, claim) with level 0 for the root's children (or for
    the root claim itself when `root` names one); `depth` levels at most."""
    kids = children_of(tree)
    out: list[tuple[int, Claim]] = []

    def walk(parent: int | None, level: int) -> None:
        if depth is not None and level >= depth:
            return
        for c in sorted(kids.get(parent, ()), key=lambda c: sort_key(c, ratings, by_impact)):
            out.append((level, c))
            walk(c.id, level + 1)

    if root is None:
        walk(None, 0)
    else:
        out.append((0, tree[root]))
        walk(root, 1)
    return out


def strongest(tree: Mapping[int, Claim], ratings: Ratings, side: str,
              min_ratings: int = STRONGEST_MIN_RATINGS) -> tuple[Claim, Impact] | None:
    """The claim on the thesis for `side` with the highest mean impact among those with at
    least `min_ratings` ratings (the older one on a tie); None when no claim qualifies."""
    best: tuple[Claim, Impact] | None = None
    for c in sorted(tree.values(), key=lambda c: c.id):
        if c.parent_id is not None or c.side != side:
            continue
        i = impact(ratings.get(c.id))
        if i.n >= min_ratings and i.mean is not None and (best is None or i.mean > (best[1].mean or 0)):
            best = (c, i)
    return best
