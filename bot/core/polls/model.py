"""A standalone poll as the core keeps it: plain data, committed ballots only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.debates.model import ChannelRef

MIN_OPTIONS = 2
MAX_OPTIONS = 10


@dataclass
class Poll:
    """One poll. `ballots[voter]` holds option indices (0-based), in order of preference.

    `voter` is the platform user id, or in an anonymous poll the keyed hash of it.
    `max_choices` is how many options one ballot may name (1 for single choice).
    """

    id: int
    channel: ChannelRef
    question: str
    options: list[str]
    mode: str
    max_choices: int
    anonymous: bool
    tally: str  # live | hidden
    language: str
    created_by: str
    created_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str = ""  # "deadline" or "moderator" once closed
    message_id: str = ""
    announced: bool = False  # its result was posted (a closed poll with False still owes it)
    ballots: dict[str, tuple[int, ...]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # voter -> display name; never in anonymous polls

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def hidden(self) -> bool:
        """The counts are not shown while the poll is open."""
        return self.tally == "hidden" and self.open


@dataclass(frozen=True)
class BallotRow:
    """One write for the group-commit writer: a ballot, or `choices=None` to withdraw it."""

    poll_id: int
    voter: str
    choices: tuple[int, ...] | None
    at: datetime
    name: str = ""  # the voter's display name; always "" in an anonymous poll
