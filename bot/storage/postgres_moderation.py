"""The moderation tables (migration 002) on the `PostgresStore`'s pool (the same behaviour as
`ModerationStore`). Lists come in SQLite's order: by key, comparing text as SQLite does ("C")."""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from bot.core.debates.model import ChannelRef
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.moderation.rules import MODERATION_GENERATION as MODERATION
from bot.core.moderation.rules import Discussion, Mute, Strike
from bot.storage.postgres_connection import PostgresConnection, bump_generation, columns

log = logging.getLogger(__name__)

insert_strike = """
INSERT INTO strikes (platform, workspace, user_id, at, reason, by_user, debate_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""
select_strikes = """
SELECT * FROM strikes WHERE platform = $1 AND workspace = $2 AND user_id = $3 AND at > $4 ORDER BY at, id
"""
upsert_mute = """
INSERT INTO mutes (platform, workspace, user_id, until, reason, by_user, channel) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (platform, workspace, user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason,
    by_user = excluded.by_user, channel = excluded.channel
"""
delete_mute = "DELETE FROM mutes WHERE platform = $1 AND workspace = $2 AND user_id = $3"
select_mutes = 'SELECT * FROM mutes ORDER BY platform COLLATE "C", workspace COLLATE "C", user_id COLLATE "C"'
insert_removal = """
INSERT INTO removals (scope, user_id, platform, workspace, at, reason) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (scope, user_id) DO NOTHING
"""
select_removals = 'SELECT scope, user_id FROM removals ORDER BY scope COLLATE "C", user_id COLLATE "C"'
delete_removals = "DELETE FROM removals WHERE scope = $1"
insert_filter_word = """
INSERT INTO filter_words (platform, workspace, word, allowed, added_by, at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (platform, workspace, word, allowed) DO NOTHING
"""
delete_filter_word = "DELETE FROM filter_words WHERE platform = $1 AND workspace = $2 AND word = $3 AND allowed = $4"
select_filter_words = """
SELECT word, allowed FROM filter_words WHERE platform = $1 AND workspace = $2 ORDER BY word COLLATE "C", allowed
"""
insert_role = """
INSERT INTO moderator_roles (platform, workspace, role) VALUES ($1, $2, $3) ON CONFLICT (platform, workspace, role) DO NOTHING
"""
delete_role = "DELETE FROM moderator_roles WHERE platform = $1 AND workspace = $2 AND role = $3"
select_roles = 'SELECT role FROM moderator_roles WHERE platform = $1 AND workspace = $2 ORDER BY role COLLATE "C"'
upsert_log_channel = """
INSERT INTO log_channels (platform, workspace, channel) VALUES ($1, $2, $3)
ON CONFLICT (platform, workspace) DO UPDATE SET channel = excluded.channel
"""
delete_log_channel = "DELETE FROM log_channels WHERE platform = $1 AND workspace = $2"
select_log_channels = 'SELECT * FROM log_channels ORDER BY platform COLLATE "C", workspace COLLATE "C"'
upsert_slowmode = """
INSERT INTO slowmodes (scope, seconds) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET seconds = excluded.seconds
"""
delete_slowmode = "DELETE FROM slowmodes WHERE scope = $1"
select_slowmodes = 'SELECT scope, seconds FROM slowmodes ORDER BY scope COLLATE "C"'
insert_discussion = """
INSERT INTO discussions (platform, workspace, channel, parent_channel, topic, language, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
"""
update_discussion_channel = "UPDATE discussions SET channel = $1 WHERE id = $2"
close_discussion = "UPDATE discussions SET closed_at = $1 WHERE id = $2"
select_open_discussions = "SELECT * FROM discussions WHERE closed_at IS NULL ORDER BY id"
# Both are append-only logs (migration 004): the bot writes each row once; reading deduplicates.
insert_vote_flags = """
INSERT INTO vote_flags (debate_id, voter, reason, stage, at)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
"""
select_vote_flags = """
SELECT debate_id, voter, reason FROM vote_flags GROUP BY debate_id, voter, reason
ORDER BY debate_id, voter COLLATE "C", reason COLLATE "C"
"""
insert_late_join = """
INSERT INTO late_joins (debate_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT (debate_id, user_id) DO NOTHING
"""
select_late_joins = """
SELECT l.debate_id, l.user_id FROM late_joins l JOIN debates d ON d.id = l.debate_id WHERE d.state <> 'ended'
ORDER BY l.debate_id, l.user_id COLLATE "C"
"""
delete_late_joins = "DELETE FROM late_joins WHERE debate_id = $1"
insert_members = """
INSERT INTO members_seen (platform, workspace, member, first_seen)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
"""
# the earliest sighting of each member, should the log hold one twice
select_members = """
SELECT platform, workspace, member, min(first_seen) AS first_seen FROM members_seen
GROUP BY platform, workspace, member
"""


select_open_vote_flags = """
SELECT DISTINCT f.debate_id, f.voter, f.reason FROM vote_flags f JOIN debates d ON d.id = f.debate_id
WHERE d.state <> 'ended'
"""
select_flagged_voters = "SELECT DISTINCT voter FROM vote_flags WHERE debate_id = $1"
select_latest_members = """
SELECT platform, workspace, member, MIN(first_seen) AS first_seen FROM members_seen
GROUP BY platform, workspace, member ORDER BY first_seen DESC LIMIT $1
"""


class PgModerationStore:
    def __init__(self, store: PostgresConnection) -> None:
        self.store = store

    @property
    def pool(self) -> asyncpg.Pool:
        return self.store.pool

    # --- strikes and mutes ---

    async def add_strike(self, platform: str, workspace: str, s: Strike) -> int:
        return await self.pool.fetchval(insert_strike, platform, workspace, s.user_id, s.at, s.reason, s.by,
                                        s.debate_id)

    async def strikes_since(self, platform: str, workspace: str, user_id: str, since: datetime) -> list[Strike]:
        rows = await self.pool.fetch(select_strikes, platform, workspace, user_id, since)
        return [Strike(r["id"], r["user_id"], r["at"], r["reason"], r["by_user"], r["debate_id"]) for r in rows]

    async def save_mute(self, m: Mute) -> None:
        await self.store.write_bumping(upsert_mute, (m.platform, m.workspace, m.user_id, m.until, m.reason, m.by,
                                                     m.channel), MODERATION)

    async def delete_mute(self, platform: str, workspace: str, user_id: str) -> None:
        await self.store.write_bumping(delete_mute, (platform, workspace, user_id), MODERATION)

    async def mutes(self) -> list[Mute]:
        """Every stored mute, ended or not (the service ends the ended ones on its first run)."""
        rows = await self.pool.fetch(select_mutes)
        return [Mute(r["platform"], r["workspace"], r["user_id"], r["until"], r["reason"], r["by_user"], r["channel"])
                for r in rows]

    # --- removals ---

    async def add_removal(self, scope: str, user_id: str, platform: str, workspace: str, at: datetime,
                          reason: str) -> None:
        await self.store.write_bumping(insert_removal, (scope, user_id, platform, workspace, at, reason), MODERATION)

    async def removals(self) -> list[tuple[str, str]]:
        return [(r["scope"], r["user_id"]) for r in await self.pool.fetch(select_removals)]

    async def drop_scope(self, scope: str) -> None:
        """A debate ended or a discussion closed: its removals and slow mode go (one transaction)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(delete_removals, scope)
            await conn.execute(delete_slowmode, scope)
            await conn.execute(bump_generation, MODERATION)

    # --- word list, roles, log channel, slow mode ---

    async def add_filter_word(self, platform: str, workspace: str, word: str, allowed: bool, by: str,
                              at: datetime) -> None:
        await self.store.write_bumping(insert_filter_word, (platform, workspace, word, allowed, by, at), MODERATION)

    async def remove_filter_word(self, platform: str, workspace: str, word: str, allowed: bool) -> None:
        await self.store.write_bumping(delete_filter_word, (platform, workspace, word, allowed), MODERATION)

    async def filter_words(self, platform: str, workspace: str) -> tuple[list[str], list[str]]:
        """The workspace's (blocked, allowed) words."""
        rows = await self.pool.fetch(select_filter_words, platform, workspace)
        return [r["word"] for r in rows if not r["allowed"]], [r["word"] for r in rows if r["allowed"]]

    async def add_role(self, platform: str, workspace: str, role: str) -> None:
        await self.store.write_bumping(insert_role, (platform, workspace, role), MODERATION)

    async def remove_role(self, platform: str, workspace: str, role: str) -> None:
        await self.store.write_bumping(delete_role, (platform, workspace, role), MODERATION)

    async def roles(self, platform: str, workspace: str) -> list[str]:
        return [r["role"] for r in await self.pool.fetch(select_roles, platform, workspace)]

    async def set_log_channel(self, platform: str, workspace: str, channel: str | None) -> None:
        if channel is None:
            await self.store.write_bumping(delete_log_channel, (platform, workspace), MODERATION)
        else:
            await self.store.write_bumping(upsert_log_channel, (platform, workspace, channel), MODERATION)

    async def log_channels(self) -> dict[tuple[str, str], str]:
        return {(r["platform"], r["workspace"]): r["channel"] for r in await self.pool.fetch(select_log_channels)}

    async def set_slowmode(self, scope: str, seconds: int) -> None:
        if seconds > 0:
            await self.store.write_bumping(upsert_slowmode, (scope, seconds), MODERATION)
        else:
            await self.store.write_bumping(delete_slowmode, (scope,), MODERATION)

    async def slowmodes(self) -> dict[str, int]:
        return {r["scope"]: r["seconds"] for r in await self.pool.fetch(select_slowmodes)}

    # --- discussions ---

    async def create_discussion(self, d: Discussion) -> int:
        return await self.store.write_bumping(insert_discussion, (
            d.space.platform, d.space.workspace, d.space.channel,
                                        d.parent.channel, d.topic, d.language, d.created_by, d.created_at), MODERATION, fetch=True)

    async def set_discussion_channel(self, discussion_id: int, channel: str) -> None:
        await self.store.write_bumping(update_discussion_channel, (channel, discussion_id), MODERATION)

    async def close_discussion(self, discussion_id: int, at: datetime) -> None:
        await self.store.write_bumping(close_discussion, (at, discussion_id), MODERATION)

    async def open_discussions(self) -> list[Discussion]:
        rows = await self.pool.fetch(select_open_discussions)
        return [Discussion(r["id"], ChannelRef(r["platform"], r["workspace"], r["channel"]),
                           ChannelRef(r["platform"], r["workspace"], r["parent_channel"]), r["topic"],
                           r["language"], r["created_by"], r["created_at"]) for r in rows]

    # --- vote signals (append-only logs, written by the core's write-behind writers) ---

    async def add_vote_flags(self, rows: list[tuple[int, str, str, str, datetime]]) -> None:
        """Flags (debate_id, voter, reason, stage, at), all in one statement."""
        if rows:
            await self.pool.execute(insert_vote_flags, *columns(rows, 5))

    async def drain_vote_flags(self, writer: GroupCommitWriter) -> None:
        """No drain here: the writer commits from the event loop (see `PostgresStore.drain_votes`)."""
        raise NotImplementedError("PostgresStore commits each batch from the event loop")

    async def vote_flags(self) -> list[tuple[int, str, str]]:
        return [(r["debate_id"], r["voter"], r["reason"]) for r in await self.pool.fetch(select_vote_flags)]

    async def open_vote_flags(self) -> list[tuple[int, str, str]]:
        """The flags of the debates that have not ended (what the service keeps in memory)."""
        rows = await self.pool.fetch(select_open_vote_flags)
        return [(r["debate_id"], r["voter"], r["reason"]) for r in rows]

    async def flagged_voters(self, debate_id: int) -> set[str]:
        return {r["voter"] for r in await self.pool.fetch(select_flagged_voters, debate_id)}

    async def latest_members(self, limit: int) -> list[tuple[tuple[str, str, str], datetime]]:
        """The `limit` members first seen last, with their (earliest) first sighting, oldest first."""
        rows = await self.pool.fetch(select_latest_members, limit)
        return [((r["platform"], r["workspace"], r["member"]), r["first_seen"]) for r in reversed(rows)]

    async def add_late_join(self, debate_id: int, user_id: str, at: datetime) -> None:
        await self.pool.execute(insert_late_join, debate_id, user_id, at)

    async def late_joins(self) -> list[tuple[int, str]]:
        return [(r["debate_id"], r["user_id"]) for r in await self.pool.fetch(select_late_joins)]

    async def drop_late_joins(self, debate_id: int) -> None:
        await self.pool.execute(delete_late_joins, debate_id)

    async def members_seen(self) -> dict[tuple[str, str, str], datetime]:
        """Every (platform, workspace, member hash) with its first-seen time (the earliest, should
        the log hold a member twice)."""
        rows = await self.pool.fetch(select_members)
        return {(r["platform"], r["workspace"], r["member"]): r["first_seen"] for r in rows}

    async def add_members(self, rows: list[tuple[str, str, str, datetime]]) -> None:
        """First sightings (platform, workspace, member hash, first_seen), all in one statement."""
        if rows:
            await self.pool.execute(insert_members, *columns(rows, 4))

    async def drain_members(self, writer: GroupCommitWriter) -> None:
        """No drain here: the writer commits from the event loop (see `PostgresStore.drain_votes`)."""
        raise NotImplementedError("PostgresStore commits each batch from the event loop")
