"""The SQLite store (aiosqlite), the default: `SqliteStore`, what the core's `Store` port sees.

It is its connection (`bot.storage.sqlite_connection`) with the queries on top: the debates'
in `bot.storage.debate_store`, polls, moderation, installations, screens and claims in their
own modules, and here the audit log, deliveries, message edits and channel settings.
All SQL of the project lives in this package, as named query strings with `?` parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import aiosqlite

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
from bot.core.ports import (
    CHANNEL_GENERATION,
    ClaimStorage,
    InstallationStorage,
    ModerationStorage,
    PollStorage,
    ScreenStorage,
)
from bot.storage.claim_store import ClaimStore
from bot.storage.debate_store import DebateStore
from bot.storage.install_store import InstallStore
from bot.storage.moderation_store import ModerationStore
from bot.storage.poll_store import PollStore
from bot.storage.screen_store import ScreenStore
from bot.storage.sqlite_connection import SqliteConnection, _at, _dt, _ts

select_generations = "SELECT name, value FROM generations"
insert_audit = """
INSERT INTO audit (platform, workspace, at, actor, action, target, reason, debate_id, details)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
select_audit = """
SELECT * FROM audit WHERE platform = ? AND workspace = ? AND (? = '' OR actor = ? OR target = ?)
ORDER BY id DESC LIMIT ?
"""
insert_delivery = "INSERT INTO deliveries (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
prune_deliveries = "DELETE FROM deliveries WHERE at < ?"
select_edit = "SELECT at FROM message_edits WHERE message = ?"
upsert_edit = """
INSERT INTO message_edits (message, at) VALUES (?, ?)
ON CONFLICT (message) DO UPDATE SET at = MAX(message_edits.at, excluded.at)
"""
# The edit's turn: taken when the message was never edited, or last edited at or before `?` (now
# less the interval); a row changed means the turn is ours.
claim_edit = """
INSERT INTO message_edits (message, at) VALUES (?, ?)
ON CONFLICT (message) DO UPDATE SET at = excluded.at WHERE message_edits.at <= ?
"""
prune_edits = "DELETE FROM message_edits WHERE at < ?"
select_language = "SELECT language FROM channel_settings WHERE platform = ? AND workspace = ? AND channel = ?"
select_timezone = "SELECT timezone FROM channel_settings WHERE platform = ? AND workspace = ? AND channel = ?"
upsert_language = """
INSERT INTO channel_settings (platform, workspace, channel, language) VALUES (?, ?, ?, ?)
ON CONFLICT (platform, workspace, channel) DO UPDATE SET language = excluded.language
"""
upsert_timezone = """
INSERT INTO channel_settings (platform, workspace, channel, timezone) VALUES (?, ?, ?, ?)
ON CONFLICT (platform, workspace, channel) DO UPDATE SET timezone = excluded.timezone
"""


KEEP_DELIVERIES = timedelta(days=1)  # a platform retries within minutes; a day is plenty
PRUNE_EVERY = 1000  # deliveries claimed between two prunes


class SqliteStore(SqliteConnection):
    """The default store. Open it with `await SqliteStore.open(path)`; `:memory:` works for tests."""

    versioned_ballots = False  # ballots are stored whatever the debate's version

    def __init__(self, db: aiosqlite.Connection) -> None:
        super().__init__(db)
        # typed as the ports: the `Store` protocol declares them as attributes, which are invariant
        self.polls: PollStorage = PollStore(self)
        self.moderation: ModerationStorage = ModerationStore(self)
        self.installations: InstallationStorage = InstallStore(self)
        self.screens: ScreenStorage = ScreenStore(self)
        self.claims: ClaimStorage = ClaimStore(self)
        self._debates = DebateStore(self)
        self._claims = 0

    # --- debates (see `DebateStore`) ---

    async def create_debate(self, d: Debate) -> int:
        return await self._debates.create_debate(d)

    async def delete_debate(self, debate_id: int) -> None:
        await self._debates.delete_debate(debate_id)

    async def save_debate(self, d: Debate) -> None:
        await self._debates.save_debate(d)

    async def debate_versions(self, also: Iterable[int] = ()) -> dict[int, tuple[int, int]]:
        return await self._debates.debate_versions(also)

    async def debate_version(self, debate_id: int) -> tuple[int, int] | None:
        return await self._debates.debate_version(debate_id)

    async def stage_votes(self, debate_id: int, stage: Stage) -> dict[str, Choice]:
        return await self._debates.stage_votes(debate_id, stage)

    async def load_open_debates(self) -> list[Debate]:
        return await self._debates.load_open_debates()

    async def load_owed_debates(self) -> list[Debate]:
        return await self._debates.load_owed_debates()

    async def load_debate(self, debate_id: int) -> Debate | None:
        return await self._debates.load_debate(debate_id)

    async def last_debate_in(self, ref: ChannelRef) -> int | None:
        return await self._debates.last_debate_in(ref)

    async def ended_debates(self, platform: str, workspace: str, limit: int = 10) -> list[int]:
        return await self._debates.ended_debates(platform, workspace, limit)

    async def save_participant(self, debate_id: int, p: Participant) -> None:
        await self._debates.save_participant(debate_id, p)

    async def remove_participant(self, debate_id: int, user_id: str) -> None:
        await self._debates.remove_participant(debate_id, user_id)

    async def add_speech(self, debate_id: int, s: Speech) -> int:
        return await self._debates.add_speech(debate_id, s)

    async def add_question(self, debate_id: int, q: Question) -> int:
        return await self._debates.add_question(debate_id, q)

    async def save_question(self, q: Question) -> None:
        await self._debates.save_question(q)

    async def write_votes(self, rows: list[VoteRow]) -> None:
        await self._debates.write_votes(rows)

    async def drain_votes(self, writer: GroupCommitWriter[VoteRow]) -> None:
        await self._debates.drain_votes(writer)

    # --- shared state ---

    async def generations(self) -> dict[str, int]:
        """How often each kind of shared state changed (see `bump`)."""
        return {r["name"]: r["value"] for r in await self.db.execute_fetchall(select_generations)}

    # --- audit and settings ---

    async def add_audit(self, e: AuditEntry) -> int:
        return await self.write(
            insert_audit,
            (e.platform, e.workspace, _ts(e.at), e.actor, e.action, e.target, e.reason, e.debate_id, e.details),
        )

    async def add_audits(self, entries: list[AuditEntry]) -> None:
        """Many audit entries in one transaction (the core's audit writer)."""
        await self.write_many(insert_audit, [
            (e.platform, e.workspace, _ts(e.at), e.actor, e.action, e.target, e.reason, e.debate_id, e.details)
            for e in entries])

    async def audit_entries(self, platform: str, workspace: str, user: str = "", limit: int = 20) -> list[AuditEntry]:
        rows = await self.db.execute_fetchall(select_audit, (platform, workspace, user, user, user, limit))
        return [
            AuditEntry(r["platform"], r["workspace"], _at(r["at"]), r["actor"], r["action"], r["target"],
                       r["reason"], r["debate_id"], r["details"])
            for r in rows
        ]

    # --- what a restart or another process must not forget ---

    async def claim_delivery(self, key: str, at: datetime) -> bool:
        """True the first time `key` is seen (insert-if-absent); every PRUNE_EVERY claims, keys
        older than KEEP_DELIVERIES go."""
        async with self.lock:
            cur = await self.db.execute(insert_delivery, (key, _ts(at)))
            fresh = cur.rowcount == 1
            self._claims += 1
            if self._claims % PRUNE_EVERY == 1:
                await self.db.execute(prune_deliveries, (_ts(at - KEEP_DELIVERIES),))
                await self.db.execute(prune_edits, (_ts(at - KEEP_DELIVERIES),))
            await self.db.commit()
        return fresh

    async def last_edit(self, message_key: str) -> datetime | None:
        rows = list(await self.db.execute_fetchall(select_edit, (message_key,)))
        return _dt(rows[0]["at"]) if rows else None

    async def claim_edit(self, message_key: str, at: datetime, interval: float) -> datetime | None:
        """Take the message's next edit at `at` if its last edit, by any process, is at least
        `interval` seconds before; None when taken, else the time of that last edit."""
        async with self.lock:
            cur = await self.db.execute(claim_edit, (message_key, _ts(at), _ts(at - timedelta(seconds=interval))))
            taken = cur.rowcount == 1
            await self.db.commit()
        return None if taken else await self.last_edit(message_key)

    async def record_edit(self, message_key: str, at: datetime) -> None:
        await self.write(upsert_edit, (message_key, _ts(at)))

    async def get_language(self, ref: ChannelRef) -> str | None:
        rows = list(await self.db.execute_fetchall(select_language, (ref.platform, ref.workspace, ref.channel)))
        return rows[0]["language"] if rows else None

    async def set_language(self, ref: ChannelRef, language: str) -> None:
        await self.write_bumping(upsert_language, (ref.platform, ref.workspace, ref.channel, language),
                                 CHANNEL_GENERATION)

    async def get_timezone(self, ref: ChannelRef) -> str | None:
        rows = list(await self.db.execute_fetchall(select_timezone, (ref.platform, ref.workspace, ref.channel)))
        return rows[0]["timezone"] if rows else None

    async def set_timezone(self, ref: ChannelRef, zone: str | None) -> None:
        await self.write_bumping(upsert_timezone, (ref.platform, ref.workspace, ref.channel, zone),
                                 CHANNEL_GENERATION)
