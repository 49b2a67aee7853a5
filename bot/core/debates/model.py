"""Domain types of the debate core: plain data, no platform objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple


class Side(StrEnum):
    PRO = "pro"
    CON = "con"
    BOTH = "both"


class Role(StrEnum):
    """What a participant does in a debate."""

    PRO = "pro"
    CON = "con"
    AUDIENCE = "audience"


class PhaseKind(StrEnum):
    PRE_VOTE = "pre_vote"
    SPEECH = "speech"
    CROSS = "cross"
    OPEN_FLOOR = "open_floor"
    POST_VOTE = "post_vote"


class Stage(StrEnum):
    PRE = "pre"
    POST = "post"


class Choice(StrEnum):
    PRO = "pro"
    CON = "con"
    UNDECIDED = "undecided"


class DebateState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


SPEAKING_KINDS = frozenset({PhaseKind.SPEECH, PhaseKind.CROSS, PhaseKind.OPEN_FLOOR})
# Stored in place of the time of a row that must not carry one (ballots and flags of anonymous
# debates and polls, the audience of an anonymous debate): a time there could name the voter.
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Phase:
    id: str
    kind: PhaseKind
    side: Side
    seconds: int
    max_chars: int
    speakers: int
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.id

    @cached_property  # read on every ballot
    def stage(self) -> Stage | None:
        if self.kind is PhaseKind.PRE_VOTE:
            return Stage.PRE
        if self.kind is PhaseKind.POST_VOTE:
            return Stage.POST
        return None


@dataclass(frozen=True)
class Format:
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    phases: tuple[Phase, ...]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.id

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""


@dataclass(frozen=True)
class Evidence:
    claim: str
    figure: str
    source: str
    link: str


@dataclass(frozen=True)
class MotionText:
    title: str
    motion: str
    brief: str
    pro: tuple[str, ...]
    con: tuple[str, ...]
    questions: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Motion:
    id: str
    default: bool
    texts: dict[str, MotionText]

    def text(self, lang: str) -> MotionText:
        return self.texts.get(lang) or self.texts["en"]


class ChannelRef(NamedTuple):
    """Where something is said: platform, workspace (guild / team) and channel or thread id.

    A named tuple (as are Actor and VoteRow): every command makes one or looks one up, and a
    tuple is built and hashed in C where a frozen dataclass runs Python for both.
    """

    platform: str
    workspace: str
    channel: str


class Actor(NamedTuple):
    """Who acts. `is_admin` is the platform's own verdict (Manage Messages, Slack admin, console list)."""

    platform: str
    workspace: str
    user_id: str
    name: str
    is_admin: bool = False
    roles: tuple[str, ...] = ()


@dataclass
class Participant:
    user_id: str
    name: str
    role: Role
    joined_at: datetime


@dataclass
class Speech:
    id: int
    phase_index: int
    user_id: str
    name: str
    side: str
    text: str
    at: datetime


@dataclass
class Question:
    id: int
    user_id: str
    name: str
    text: str
    status: str  # pending | approved | rejected
    at: datetime
    reason: str = ""


@dataclass
class Debate:
    """A debate as the core keeps it; `votes[stage][voter] = choice` holds committed ballots only."""

    id: int
    space: ChannelRef
    parent: ChannelRef
    motion_id: str
    motion_title: str
    motion_text: str
    format_id: str
    language: str
    created_by: str
    created_at: datetime
    phase_index: int = 0
    state: DebateState = DebateState.RUNNING
    deadline: datetime | None = None
    paused_remaining: float | None = None
    anonymous: bool = False
    ended_at: datetime | None = None
    opening_message_id: str = ""
    participants: dict[str, Participant] = field(default_factory=dict)
    speeches: list[Speech] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    votes: dict[Stage, dict[str, Choice]] = field(
        default_factory=lambda: {Stage.PRE: {}, Stage.POST: {}}
    )
    tally_message_ids: dict[Stage, str] = field(default_factory=dict)
    version: int = 0  # changes of its own row, as the store counted them when it was read
    touched: int = 0  # changes of its people, speeches and questions, likewise
    announced: int = -1  # phases announced up to this index; past the last one: the result too
    # Everyone who held pro or con here, also after leaving: they neither vote nor change sides.
    sides_held: dict[str, Role] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.state is not DebateState.ENDED

    def role_of(self, user_id: str) -> Role | None:
        p = self.participants.get(user_id)
        return p.role if p else None


class VoteRow(NamedTuple):
    """One ballot on its way to the store (the row the vote writer commits)."""

    debate_id: int
    stage: str
    voter: str
    choice: str
    at: datetime
    # the debate's version the ballot was cast against: a shared store leaves the ballot out if the
    # debate has moved on since (another process changed it); None stores it whatever the version
    version: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    platform: str
    workspace: str
    at: datetime
    actor: str
    action: str
    target: str = ""
    reason: str = ""
    debate_id: int | None = None
    details: str = ""
