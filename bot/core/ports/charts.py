"""The result pictures: what the core asks to be drawn, and the port that draws it as PNG.

The core says what a picture shows (texts already in the channel's language, the numbers);
`bot/charts` draws it with matplotlib. Drawing is slow and synchronous: the core calls the port
in a worker thread, and sends its result without a picture when there is no port or it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.polls.counting import RunoffRound

MAP_NODES = 24  # claims drawn on an argument map at most (in map order); the rest are counted in `note`


@dataclass(frozen=True)
class DebateChart:
    """Pre vs post vote shares per side and who moved (see bot/charts/debate.py)."""

    title: str
    labels: dict[str, str]  # "pro", "con", "undecided", "none", "pre", "post"
    pre: dict[str, int]
    post: dict[str, int]
    movement: list[tuple[str, str, int]]  # (from, to, voters)
    verdict: str = ""
    winner: str | None = None
    swing: str = ""


@dataclass(frozen=True)
class PollChart:
    """A poll's bars, and for a ranked poll its runoff rounds (see bot/charts/poll.py)."""

    title: str
    options: list[str]
    counts: list[int]
    winners: list[int]
    rounds: list[RunoffRound] | None
    labels: dict[str, str]  # "votes", "round", "eliminated", "winner", "exhausted"


@dataclass(frozen=True)
class MapNode:
    """One box of an argument map: `parent` None for the thesis (id 0)."""

    id: int
    parent: int | None
    side: str  # pro | con | thesis
    heading: str  # "#12 Pro", bold
    detail: str  # its impact, under the heading
    text: str


@dataclass(frozen=True)
class MapChart:
    """The thesis and its claims, each under its parent (see bot/charts/claim_map.py)."""

    nodes: list[MapNode]
    note: str = ""  # under the picture: how many claims were left out


class Charts(Protocol):
    """Draws a picture and gives its PNG bytes; may raise (the core then leaves the picture out)."""

    def debate(self, chart: DebateChart) -> bytes: ...

    def poll(self, chart: PollChart) -> bytes: ...

    def claim_map(self, chart: MapChart) -> bytes: ...
