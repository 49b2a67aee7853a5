"""The moderation tables (migration 002) on the `SqliteStore`'s connection and write lock."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from bot.core.debates.model import ChannelRef
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.moderation.rules import BOOKKEEPING_CHUNK, Discussion, Mute, Strike
from bot.core.moderation.rules import MODERATION_GENERATION as MODERATION
from bot.storage.sqlite_connection import SqliteConnection, _at, _insert_rows, _ts, bump_generation

log = logging.getLogger(__name__)

insert_strike = """
INSERT INTO strikes (platform, workspace, user_id, at, reason, by_user, debate_id) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
select_strikes = """
SELECT * FROM strikes WHERE platform = ? AND workspace = ? AND user_id = ? AND at > ? ORDER BY at
"""
upsert_mute = """
INSERT INTO mutes (platform, workspace, user_id, until, reason, by_user, channel) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, workspace, user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason,
    by_user = excluded.by_user, channel = excluded.channel
"""
delete_mute = "DELETE FROM mutes WHERE platform = ? AND workspace = ? AND user_id = ?"
select_mutes = "SELECT * FROM mutes"
insert_removal = """
INSERT OR IGNORE INTO removals (scope, user_id, platform, workspace, at, reason) VALUES (?, ?, ?, ?, ?, ?)
"""
select_removals = "SELECT scope, user_id FROM removals"
delete_removals = "DELETE FROM removals WHERE scope = ?"
insert_filter_word = """
INSERT OR IGNORE INTO filter_words (platform, workspace, word, allowed, added_by, at) VALUES (?, ?, ?, ?, ?, ?)
"""
delete_filter_word = "DELETE FROM filter_words WHERE platform = ? AND workspace = ? AND word = ? AND allowed = ?"
select_filter_words = "SELECT word, allowed FROM filter_words WHERE platform = ? AND workspace = ? ORDER BY word"
insert_role = "INSERT OR IGNORE INTO moderator_roles (platform, workspace, role) VALUES (?, ?, ?)"
delete_role = "DELETE FROM moderator_roles WHERE platform = ? AND workspace = ? AND role = ?"
select_roles = "SELECT role FROM moderator_roles WHERE platform = ? AND workspace = ? ORDER BY role"
upsert_log_channel = """
INSERT INTO log_channels (platform, workspace, channel) VALUES (?, ?, ?)
ON CONFLICT (platform, workspace) DO UPDATE SET channel = excluded.channel
"""
delete_log_channel = "DELETE FROM log_channels WHERE platform = ? AND workspace = ?"
select_log_channels = "SELECT * FROM log_channels"
upsert_slowmode = """
INSERT INTO slowmodes (scope, seconds) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET seconds = excluded.seconds
"""
delete_slowmode = "DELETE FROM slowmodes WHERE scope = ?"
select_slowmodes = "SELECT scope, seconds FROM slowmodes"
insert_discussion = """
INSERT INTO discussions (platform, workspace, channel, parent_channel, topic, language, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
update_discussion_channel = "UPDATE discussions SET channel = ? WHERE id = ?"
close_discussion = "UPDATE discussions SET closed_at = ? WHERE id = ?"
select_open_discussions = "SELECT * FROM discussions WHERE closed_at IS NULL ORDER BY id"
# Both are append-only logs (migration 004): the bot writes each row once; reading deduplicates.
insert_vote_flags_head = "INSERT INTO vote_flags (debate_id, voter, reason, stage, at)"
select_vote_flags = "SELECT DISTINCT debate_id, voter, reason FROM vote_flags"
select_open_vote_flags = """
SELECT DISTINCT f.debate_id, f.voter, f.reason FROM vote_flags f JOIN debates d ON d.id = f.debate_id
WHERE d.state != 'ended'
"""
select_flagged_voters = "SELECT DISTINCT voter FROM vote_flags WHERE debate_id = ?"
insert_late_join = "INSERT OR IGNORE INTO late_joins (debate_id, user_id, at) VALUES (?, ?, ?)"
select_late_joins = """
SELECT l.debate_id, l.user_id FROM late_joins l JOIN debates d ON d.id = l.debate_id WHERE d.state != 'ended'
"""
delete_late_joins = "DELETE FROM late_joins WHERE debate_id = ?"
insert_members_head = "INSERT INTO members_seen (platform, workspace, member, first_seen)"
select_members = "SELECT platform, workspace, member, first_seen FROM members_seen"
select_latest_members = """
SELECT platform, workspace, member, MIN(first_seen) AS first_seen FROM members_seen
GROUP BY platform, workspace, member ORDER BY first_seen DESC LIMIT ?
"""


def _flag_values(rows: list[tuple[int, str, str, str, datetime]]) -> list[object]:
    values: list[object] = []
    for d, v, r, s, at in rows:
        values += (d, v, r, s, _ts(at))
    return values


def _member_values(rows: list[tuple[str, str, str, datetime]]) -> list[object]:
    values: list[object] = []
    for p, w, m, at in rows:
        values += (p, w, m, _ts(at))
    return values


def _write_flags_here(conn: sqlite3.Connection, rows: list[tuple[int, str, str, str, datetime]]) -> None:
    # not padded: in a log a copied row would be stored twice
    _insert_rows(conn, insert_vote_flags_head, "", 5, _flag_values(rows), False)


def _write_members_here(conn: sqlite3.Connection, rows: list[tuple[str, str, str, datetime]]) -> None:
    _insert_rows(conn, insert_members_head, "", 4, _member_values(rows), False)


class ModerationStore:
    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    @property
    def db(self):
        return self.store.db

    async def _write(self, sql: str, params: tuple) -> int:
        """A change of state that every process enforces: counted in the "moderation" generation,
        so other processes reload it (see `ModerationService.refresh`)."""
        return await self.store.write_bumping(sql, params, MODERATION)

    # --- strikes and mutes ---

    async def add_strike(self, platform: str, workspace: str, s: Strike) -> int:
        return await self.store.write(
            insert_strike, (platform, workspace, s.user_id, _ts(s.at), s.reason, s.by, s.debate_id))

    async def strikes_since(self, platform: str, workspace: str, user_id: str, since: datetime) -> list[Strike]:
        rows = await self.db.execute_fetchall(select_strikes, (platform, workspace, user_id, _ts(since)))
        return [Strike(r["id"], r["user_id"], _at(r["at"]), r["reason"], r["by_user"], r["debate_id"]) for r in rows]

    async def save_mute(self, m: Mute) -> None:
        await self._write(
            upsert_mute, (m.platform, m.workspace, m.user_id, _ts(m.until), m.reason, m.by, m.channel))

    async def delete_mute(self, platform: str, workspace: str, user_id: str) -> None:
        await self._write(delete_mute, (platform, workspace, user_id))

    async def mutes(self) -> list[Mute]:
        """Every stored mute, ended or not (the service ends the ended ones on its first run)."""
        rows = await self.db.execute_fetchall(select_mutes)
        return [Mute(r["platform"], r["workspace"], r["user_id"], _at(r["until"]), r["reason"], r["by_user"],
                     r["channel"]) for r in rows]

    # --- removals ---

    async def add_removal(self, scope: str, user_id: str, platform: str, workspace: str, at: datetime,
                          reason: str) -> None:
        await self._write(insert_removal, (scope, user_id, platform, workspace, _ts(at), reason))

    async def removals(self) -> list[tuple[str, str]]:
        rows = await self.db.execute_fetchall(select_removals)
        return [(r["scope"], r["user_id"]) for r in rows]

    async def drop_scope(self, scope: str) -> None:
        """A debate ended or a discussion closed: its removals and slow mode go."""
        async with self.store.lock:
            await self.db.execute(delete_removals, (scope,))
            await self.db.execute(delete_slowmode, (scope,))
            await self.db.execute(bump_generation, (MODERATION,))
            await self.db.commit()

    # --- word list, roles, log channel, slow mode ---

    async def add_filter_word(self, platform: str, workspace: str, word: str, allowed: bool, by: str,
                              at: datetime) -> None:
        await self._write(insert_filter_word, (platform, workspace, word, int(allowed), by, _ts(at)))

    async def remove_filter_word(self, platform: str, workspace: str, word: str, allowed: bool) -> None:
        await self._write(delete_filter_word, (platform, workspace, word, int(allowed)))

    async def filter_words(self, platform: str, workspace: str) -> tuple[list[str], list[str]]:
        """The workspace's (blocked, allowed) words."""
        rows = await self.db.execute_fetchall(select_filter_words, (platform, workspace))
        blocked = [r["word"] for r in rows if not r["allowed"]]
        allowed = [r["word"] for r in rows if r["allowed"]]
        return blocked, allowed

    async def add_role(self, platform: str, workspace: str, role: str) -> None:
        await self._write(insert_role, (platform, workspace, role))

    async def remove_role(self, platform: str, workspace: str, role: str) -> None:
        await self._write(delete_role, (platform, workspace, role))

    async def roles(self, platform: str, workspace: str) -> list[str]:
        rows = await self.db.execute_fetchall(select_roles, (platform, workspace))
        return [r["role"] for r in rows]

    async def set_log_channel(self, platform: str, workspace: str, channel: str | None) -> None:
        if channel is None:
            await self._write(delete_log_channel, (platform, workspace))
        else:
            await self._write(upsert_log_channel, (platform, workspace, channel))

    async def log_channels(self) -> dict[tuple[str, str], str]:
        rows = await self.db.execute_fetchall(select_log_channels)
        return {(r["platform"], r["workspace"]): r["channel"] for r in rows}

    async def set_slowmode(self, scope: str, seconds: int) -> None:
        if seconds > 0:
            await self._write(upsert_slowmode, (scope, seconds))
        else:
            await self._write(delete_slowmode, (scope,))

    async def slowmodes(self) -> dict[str, int]:
        rows = await self.db.execute_fetchall(select_slowmodes)
        return {r["scope"]: r["seconds"] for r in rows}

    # --- discussions ---

    async def create_discussion(self, d: Discussion) -> int:
        return await self._write(insert_discussion, (
            d.space.platform, d.space.workspace, d.space.channel, d.parent.channel, d.topic, d.language,
            d.created_by, _ts(d.created_at)))

    async def set_discussion_channel(self, discussion_id: int, channel: str) -> None:
        await self._write(update_discussion_channel, (channel, discussion_id))

    async def close_discussion(self, discussion_id: int, at: datetime) -> None:
        await self._write(close_discussion, (_ts(at), discussion_id))

    async def open_discussions(self) -> list[Discussion]:
        rows = await self.db.execute_fetchall(select_open_discussions)
        return [Discussion(r["id"], ChannelRef(r["platform"], r["workspace"], r["channel"]),
                           ChannelRef(r["platform"], r["workspace"], r["parent_channel"]), r["topic"],
                           r["language"], r["created_by"], _at(r["created_at"])) for r in rows]

    # --- vote signals ---

    async def add_vote_flags(self, rows: list[tuple[int, str, str, str, datetime]]) -> None:
        """Flags (debate_id, voter, reason, stage, at), in short transactions."""
        await self._write_chunks(insert_vote_flags_head, 5, _flag_values(rows))

    async def drain_vote_flags(self, writer: GroupCommitWriter) -> None:
        """The flag writer's drain (see `SqliteStore.drain`): after the votes in every round."""
        await self.store.drain(writer, _write_flags_here, priority=1)

    async def _write_chunks(self, head: str, columns: int, values: list[object]) -> None:
        """Bookkeeping rows in transactions of BOOKKEEPING_CHUNK rows, each one statement: between
        two of them the vote writer gets the store's lock, so a large batch never holds votes up
        for long. Not padded: in a log a copied row would be stored twice."""
        step = BOOKKEEPING_CHUNK * columns
        for i in range(0, len(values), step):
            await self.store.insert_rows(head, "", columns, values[i : i + step], pad=False)

    async def vote_flags(self) -> list[tuple[int, str, str]]:
        rows = await self.db.execute_fetchall(select_vote_flags)
        return [(r["debate_id"], r["voter"], r["reason"]) for r in rows]

    async def open_vote_flags(self) -> list[tuple[int, str, str]]:
        """The flags of the debates that have not ended (what the service keeps in memory)."""
        rows = await self.db.execute_fetchall(select_open_vote_flags)
        return [(r["debate_id"], r["voter"], r["reason"]) for r in rows]

    async def flagged_voters(self, debate_id: int) -> set[str]:
        rows = await self.db.execute_fetchall(select_flagged_voters, (debate_id,))
        return {r["voter"] for r in rows}

    async def add_late_join(self, debate_id: int, user_id: str, at: datetime) -> None:
        await self.store.write(insert_late_join, (debate_id, user_id, _ts(at)))

    async def late_joins(self) -> list[tuple[int, str]]:
        rows = await self.db.execute_fetchall(select_late_joins)
        return [(r["debate_id"], r["user_id"]) for r in rows]

    async def drop_late_joins(self, debate_id: int) -> None:
        await self.store.write(delete_late_joins, (debate_id,))

    async def members_seen(self) -> dict[tuple[str, str, str], datetime]:
        """Every (platform, workspace, member hash) with its first-seen time (the earliest, should
        the log hold a member twice)."""
        seen: dict[tuple[str, str, str], datetime] = {}
        for r in await self.db.execute_fetchall(select_members):
            key, at = (r["platform"], r["workspace"], r["member"]), _at(r["first_seen"])
            if key not in seen or at < seen[key]:
                seen[key] = at
        return seen

    async def latest_members(self, limit: int) -> list[tuple[tuple[str, str, str], datetime]]:
        """The `limit` members first seen last, with their (earliest) first sighting, oldest first."""
        rows = await self.db.execute_fetchall(select_latest_members, (limit,))
        return [((r["platform"], r["workspace"], r["member"]), _at(r["first_seen"])) for r in reversed(rows)]

    async def add_members(self, rows: list[tuple[str, str, str, datetime]]) -> None:
        """First sightings (platform, workspace, member hash, first_seen), in short transactions."""
        await self._write_chunks(insert_members_head, 4, _member_values(rows))

    async def drain_members(self, writer: GroupCommitWriter) -> None:
        """The first-sighting writer's drain (see `SqliteStore.drain`): after the votes in every round."""
        await self.store.drain(writer, _write_members_here, priority=2)
