"""The store: the single source of truth behind the services (SQLite or PostgreSQL, see bot/storage)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from bot.core.claims.tree import Claim
from bot.core.debates.model import (
    AuditEntry,
    ChannelRef,
    Choice,
    Debate,
    Participant,
    Question,
    Speech,
    Stage,
    VoteRow,
)
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.moderation.rules import Discussion, Mute, Strike
from bot.core.polls.model import BallotRow, Poll

CHANNEL_GENERATION = "channels"  # the store's count of changes to channel settings (language, zone)


class StaleDebate(Exception):
    """Another process (or a request in this one) changed the debate since it was read: nothing
    was stored; read it again and decide again."""

    def __init__(self, debate_id: int) -> None:
        super().__init__(f"debate {debate_id} changed since it was read")
        self.debate_id = debate_id


class PollStorage(Protocol):
    """What the poll service needs from storage."""

    async def create(self, poll: Poll) -> int: ...

    async def save(self, poll: Poll) -> None: ...

    async def close(self, poll: Poll) -> bool:
        """Store it closed unless it already is (compare-and-set): True when this call closed it."""
        ...

    async def open_ids(self) -> list[int]: ...

    async def closed_ids(self, platform: str, workspace: str, limit: int) -> list[int]:
        """The last `limit` polls closed in a workspace, newest first."""
        ...

    async def load(self, poll_id: int) -> Poll | None: ...

    async def load_open(self) -> list[Poll]: ...

    async def load_owed(self) -> list[Poll]:
        """Closed polls whose result was never posted."""
        ...

    async def claim_owed(self, poll_id: int) -> bool:
        """Take the posting of an owed result (compare-and-set): True for the one that takes it."""
        ...

    async def in_channel(self, ref: ChannelRef, limit: int = 15) -> list[Poll]: ...

    async def write_ballots(self, rows: list[BallotRow]) -> None: ...

    async def drain_ballots(self, writer: GroupCommitWriter[BallotRow]) -> None:
        """A `bot.core.kernel.writer.Drain`; raises NotImplementedError where the store has none."""
        ...


class ModerationStorage(Protocol):
    """What moderation needs from storage: discipline, the word list, roles, discussions and
    the bookkeeping behind the vote signals, each keyed by platform and workspace."""

    async def add_strike(self, platform: str, workspace: str, strike: Strike) -> int: ...

    async def strikes_since(self, platform: str, workspace: str, user_id: str, since: datetime) -> list[Strike]: ...

    async def save_mute(self, mute: Mute) -> None: ...

    async def delete_mute(self, platform: str, workspace: str, user_id: str) -> None: ...

    async def mutes(self) -> list[Mute]: ...

    async def add_removal(self, scope: str, user_id: str, platform: str, workspace: str, at: datetime,
                          reason: str) -> None: ...

    async def removals(self) -> list[tuple[str, str]]: ...

    async def drop_scope(self, scope: str) -> None: ...

    async def add_filter_word(self, platform: str, workspace: str, word: str, allowed: bool, by: str,
                              at: datetime) -> None: ...

    async def remove_filter_word(self, platform: str, workspace: str, word: str, allowed: bool) -> None: ...

    async def filter_words(self, platform: str, workspace: str) -> tuple[list[str], list[str]]: ...

    async def add_role(self, platform: str, workspace: str, role: str) -> None: ...

    async def remove_role(self, platform: str, workspace: str, role: str) -> None: ...

    async def roles(self, platform: str, workspace: str) -> list[str]: ...

    async def set_log_channel(self, platform: str, workspace: str, channel: str | None) -> None: ...

    async def log_channels(self) -> dict[tuple[str, str], str]: ...

    async def set_slowmode(self, scope: str, seconds: int) -> None: ...

    async def slowmodes(self) -> dict[str, int]: ...

    async def create_discussion(self, discussion: Discussion) -> int: ...

    async def set_discussion_channel(self, discussion_id: int, channel: str) -> None: ...

    async def close_discussion(self, discussion_id: int, at: datetime) -> None: ...

    async def open_discussions(self) -> list[Discussion]: ...

    async def add_vote_flags(self, rows: list[tuple[int, str, str, str, datetime]]) -> None: ...

    async def drain_vote_flags(self, writer: GroupCommitWriter[tuple[int, str, str, str, datetime]]) -> None: ...

    async def vote_flags(self) -> list[tuple[int, str, str]]: ...

    async def open_vote_flags(self) -> list[tuple[int, str, str]]: ...

    async def flagged_voters(self, debate_id: int) -> set[str]: ...

    async def latest_members(self, limit: int) -> list[tuple[tuple[str, str, str], datetime]]: ...

    async def add_late_join(self, debate_id: int, user_id: str, at: datetime) -> None: ...

    async def late_joins(self) -> list[tuple[int, str]]: ...

    async def drop_late_joins(self, debate_id: int) -> None: ...

    async def members_seen(self) -> dict[tuple[str, str, str], datetime]: ...

    async def add_members(self, rows: list[tuple[str, str, str, datetime]]) -> None: ...

    async def drain_members(self, writer: GroupCommitWriter[tuple[str, str, str, datetime]]) -> None: ...


class InstallationStorage(Protocol):
    """Installations of an app in many workspaces (Slack's OAuth install), one per workspace, and
    the one-time `state` values of installs under way. An installation arrives sealed (encrypted
    by the adapter): the store never sees a token."""

    async def save(self, platform: str, enterprise: str, workspace: str, user_id: str, sealed: bytes,
                   at: datetime) -> None:
        """Keep this as the workspace's installation (a re-install replaces the one before)."""
        ...

    async def find(self, platform: str, enterprise: str, workspace: str) -> tuple[str, bytes] | None:
        """(installer's user id, sealed installation), or None when the workspace has none."""
        ...

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        """Forget the workspace's installation; True if there was one."""
        ...

    async def workspaces(self, platform: str) -> list[str]:
        """Every workspace with an installation."""
        ...

    async def issue_state(self, state: str, expires: datetime, now: datetime) -> None:
        """Remember a new `state` until `expires` (and forget those expired by `now`)."""
        ...

    async def consume_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued and not expired by `now`; it is gone afterwards."""
        ...


class ScreenStorage(Protocol):
    """The generation of each debate's and poll's classroom-screen links (`bot.core.screens.tokens`)."""

    async def link_generation(self, kind: str, target: int) -> int:
        """0 until the links of (kind, target) were first revoked."""
        ...

    async def revoke_links(self, kind: str, target: int, at: datetime) -> int:
        """Count the generation up (every older link stops working); returns the new one."""
        ...


class ClaimStorage(Protocol):
    """What argument maps need from storage: claims by their space (`debate:<id>`, `discuss:<id>`),
    one impact rating per (claim, rater), and which maps a moderator revealed."""

    async def add(self, claim: Claim) -> int: ...

    async def save(self, claim: Claim) -> None:
        """Store its parent, text, removal and message (the rest never changes)."""
        ...

    async def load(self, claim_id: int) -> Claim | None: ...

    async def in_space(self, space: str, platform: str, workspace: str) -> list[Claim]:
        """Every claim of the map, removed ones too, oldest first."""
        ...

    async def rate(self, claim_id: int, rater: str, impact: int, at: datetime) -> int | None:
        """Store the rater's impact for the claim; the one it replaced, None for a first rating."""
        ...

    async def ratings(self, space: str, platform: str, workspace: str) -> dict[int, dict[str, int]]: ...

    async def reveal(self, space: str, by: str, at: datetime) -> None: ...

    async def revealed(self, space: str) -> bool: ...


class Store(Protocol):
    """The single source of truth: everything the services keep, on one engine (SQLite or
    PostgreSQL). Nothing here names an engine; `bot/app.py` picks the implementation."""

    polls: PollStorage
    moderation: ModerationStorage
    installations: InstallationStorage
    screens: ScreenStorage
    claims: ClaimStorage
    shared: bool  # other processes use this store too: count from it, and follow their changes
    # `write_votes` leaves out ballots cast against an older version of their debate; a shared
    # store without it has the debate read again before every ballot
    versioned_ballots: bool

    async def close(self) -> None: ...

    # debates
    async def create_debate(self, debate: Debate) -> int: ...

    async def delete_debate(self, debate_id: int) -> None: ...

    async def save_debate(self, debate: Debate) -> None:
        """Compare-and-set on `debate.version`: stored and counted (`version` + 1), or StaleDebate."""
        ...

    async def debate_versions(self, also: Iterable[int] = ()) -> dict[int, tuple[int, int]]:
        """(version, touched) of every open debate and of those `also` names."""
        ...

    async def debate_version(self, debate_id: int) -> tuple[int, int] | None:
        """(version, touched) of one debate; None if there is no such debate."""
        ...

    async def stage_votes(self, debate_id: int, stage: Stage) -> dict[str, Choice]: ...

    async def generations(self) -> dict[str, int]:
        """How often each kind of shared state (e.g. "moderation") has changed."""
        ...

    async def load_open_debates(self) -> list[Debate]: ...

    async def load_debate(self, debate_id: int) -> Debate | None: ...

    async def load_owed_debates(self) -> list[Debate]:
        """Ended debates that still owe their result (`announced` not past their phase)."""
        ...

    async def last_debate_in(self, ref: ChannelRef) -> int | None: ...

    async def ended_debates(self, platform: str, workspace: str, limit: int = 10) -> list[int]:
        """Ids of the workspace's last `limit` ended debates, newest first."""
        ...

    async def save_participant(self, debate_id: int, participant: Participant) -> None: ...

    async def remove_participant(self, debate_id: int, user_id: str) -> None: ...

    async def add_speech(self, debate_id: int, speech: Speech) -> int: ...

    async def add_question(self, debate_id: int, question: Question) -> int: ...

    async def save_question(self, question: Question) -> None: ...

    # votes (the group-commit writer's)
    async def write_votes(self, rows: list[VoteRow]) -> list[VoteRow] | None:
        """Store a batch of ballots in one transaction; return those left out because their
        debate moved on since they were cast (with `versioned_ballots`, by `VoteRow.version`)."""

    async def drain_votes(self, writer: GroupCommitWriter[VoteRow]) -> None: ...

    # audit and channel settings
    async def add_audit(self, entry: AuditEntry) -> int: ...

    async def add_audits(self, entries: list[AuditEntry]) -> None: ...

    async def audit_entries(self, platform: str, workspace: str, user: str = "", limit: int = 20) -> list[AuditEntry]: ...

    async def get_language(self, ref: ChannelRef) -> str | None: ...

    async def set_language(self, ref: ChannelRef, language: str) -> None: ...

    async def get_timezone(self, ref: ChannelRef) -> str | None:
        """The channel's own time zone (an IANA name), None when it has not chosen one."""
        ...

    async def set_timezone(self, ref: ChannelRef, zone: str | None) -> None:
        """Give the channel its own time zone, or None to follow BOT_TIMEZONE again; its language
        is kept."""
        ...

    # what several processes (and a restart) must agree on
    async def claim_delivery(self, key: str, at: datetime) -> bool:
        """Record a platform delivery (interaction id, Slack event or action); True the first
        time `key` is seen, False for a retry. Keys older than a day are pruned."""
        ...

    async def last_edit(self, message_key: str) -> datetime | None:
        """When a live tally message was last edited, by any process."""
        ...

    async def claim_edit(self, message_key: str, at: datetime, interval: float) -> datetime | None:
        """Take a tally message's next edit at `at` if its last edit, by any process, lies at least
        `interval` seconds before; None when taken, else the time of that last edit."""
        ...

    async def record_edit(self, message_key: str, at: datetime) -> None:
        """The edit landed at `at` (the later of this and the stored time is kept)."""
        ...
