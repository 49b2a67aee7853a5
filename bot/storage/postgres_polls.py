"""SQL for polls and their ballots on the `PostgresStore`'s pool (the same behaviour as `PollStore`)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import asyncpg

from bot.core.debates.model import ChannelRef
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.polls.model import BallotRow, Poll
from bot.storage.postgres_connection import PostgresConnection, columns, last_per_key

log = logging.getLogger(__name__)

insert_poll = """
INSERT INTO polls (platform, workspace, channel, question, options, mode, max_choices, anonymous,
    tally, language, created_by, created_at, closes_at, closes_offset, closed_at, closed_offset, closed_by,
    message_id, announced)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id
"""
update_poll = """
UPDATE polls SET closed_at = $1, closed_offset = $2, closed_by = $3, message_id = $4, announced = $5 WHERE id = $6
"""
# Closing is a compare-and-set: of several processes closing one poll, one does it (and announces).
close_poll = """
UPDATE polls SET closed_at = $1, closed_offset = $2, closed_by = $3, message_id = $4
WHERE id = $5 AND closed_at IS NULL
"""
select_open_poll_ids = "SELECT id FROM polls WHERE closed_at IS NULL ORDER BY id"
select_closed_poll_ids = """
SELECT id FROM polls WHERE platform = $1 AND workspace = $2 AND closed_at IS NOT NULL ORDER BY id DESC LIMIT $3
"""
claim_owed_poll = "UPDATE polls SET announced = 1 WHERE id = $1 AND announced = 0 AND closed_at IS NOT NULL"
select_owed_polls = "SELECT id FROM polls WHERE closed_at IS NOT NULL AND announced = 0 ORDER BY id"
select_poll = "SELECT * FROM polls WHERE id = $1"
select_open_polls = "SELECT * FROM polls WHERE closed_at IS NULL ORDER BY id"
select_polls_in = """
SELECT * FROM polls WHERE platform = $1 AND workspace = $2 AND channel = $3
ORDER BY closed_at IS NOT NULL, id DESC LIMIT $4
"""
# ballots in SQLite's order (its table is ordered by poll and voter)
select_ballots = 'SELECT voter, name, choices FROM poll_ballots WHERE poll_id = $1 ORDER BY voter COLLATE "C"'
select_open_ballots = """
SELECT b.poll_id, b.voter, b.name, b.choices FROM poll_ballots b JOIN polls p ON p.id = b.poll_id
WHERE p.closed_at IS NULL ORDER BY b.poll_id, b.voter COLLATE "C"
"""
# choices come as JSON text: a list of lists would be taken for a two-dimensional array
upsert_ballots = """
INSERT INTO poll_ballots (poll_id, voter, name, choices, at)
SELECT poll_id, voter, name, choices::jsonb, at
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u (poll_id, voter, name, choices, at)
ON CONFLICT (poll_id, voter) DO UPDATE SET name = excluded.name, choices = excluded.choices, at = excluded.at
"""
delete_ballots = """
DELETE FROM poll_ballots b USING unnest($1::bigint[], $2::text[]) AS w (poll_id, voter)
WHERE b.poll_id = w.poll_id AND b.voter = w.voter
"""


def _offset(at: datetime | None) -> int:
    """Seconds east of UTC of the zone `at` was given in (a timestamptz keeps only the instant)."""
    offset = at.utcoffset() if at is not None else None
    return int(offset.total_seconds()) if offset else 0


def _zoned(at: datetime | None, offset: int) -> datetime | None:
    """`at` (UTC, from the server) back in the zone it was given in, as SQLite keeps it."""
    if at is None or not offset:
        return at
    return at.astimezone(timezone(timedelta(seconds=offset)))


def _ballot_key(r: BallotRow) -> tuple[int, str]:
    return r.poll_id, r.voter


class PgPollStore:
    """Polls on the store's pool."""

    def __init__(self, store: PostgresConnection) -> None:
        self.store = store

    @property
    def pool(self) -> asyncpg.Pool:
        return self.store.pool

    async def create(self, p: Poll) -> int:
        return await self.pool.fetchval(
            insert_poll, p.channel.platform, p.channel.workspace, p.channel.channel, p.question, list(p.options),
            p.mode, p.max_choices, p.anonymous, p.tally, p.language, p.created_by, p.created_at, p.closes_at,
            _offset(p.closes_at), p.closed_at, _offset(p.closed_at), p.closed_by, p.message_id, int(p.announced),
        )

    async def save(self, p: Poll) -> None:
        await self.pool.execute(update_poll, p.closed_at, _offset(p.closed_at), p.closed_by, p.message_id,
                                int(p.announced), p.id)

    async def close(self, p: Poll) -> bool:
        """Store the poll closed, unless somebody closed it first: True when this call closed it."""
        status = await self.pool.execute(close_poll, p.closed_at, _offset(p.closed_at), p.closed_by, p.message_id, p.id)
        return status == "UPDATE 1"

    async def open_ids(self) -> list[int]:
        return [r["id"] for r in await self.pool.fetch(select_open_poll_ids)]

    async def closed_ids(self, platform: str, workspace: str, limit: int) -> list[int]:
        return [r["id"] for r in await self.pool.fetch(select_closed_poll_ids, platform, workspace, limit)]

    async def load_owed(self) -> list[Poll]:
        """Closed polls whose result was never posted."""
        ids = [r["id"] for r in await self.pool.fetch(select_owed_polls)]
        return [p for i in ids if (p := await self.load(i)) is not None]

    async def claim_owed(self, poll_id: int) -> bool:
        return await self.pool.execute(claim_owed_poll, poll_id) == "UPDATE 1"

    async def load(self, poll_id: int) -> Poll | None:
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            row = await conn.fetchrow(select_poll, poll_id)
            if row is None:
                return None
            p = self._poll(row)
            for b in await conn.fetch(select_ballots, poll_id):
                self._add_ballot(p, b)
        return p

    async def load_open(self) -> list[Poll]:
        """Every open poll with its ballots: two queries, whatever the number of polls."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            polls = {row["id"]: self._poll(row) for row in await conn.fetch(select_open_polls)}
            if polls:
                for b in await conn.fetch(select_open_ballots):
                    if (p := polls.get(b["poll_id"])) is not None:
                        self._add_ballot(p, b)
        return list(polls.values())

    async def in_channel(self, ref: ChannelRef, limit: int = 15) -> list[Poll]:
        """The polls of one channel, open ones first, newest first (without their ballots)."""
        rows = await self.pool.fetch(select_polls_in, ref.platform, ref.workspace, ref.channel, limit)
        return [self._poll(row) for row in rows]

    @staticmethod
    def _poll(row: asyncpg.Record) -> Poll:
        return Poll(
            id=row["id"],
            channel=ChannelRef(row["platform"], row["workspace"], row["channel"]),
            question=row["question"],
            options=row["options"],
            mode=row["mode"],
            max_choices=row["max_choices"],
            anonymous=row["anonymous"],
            tally=row["tally"],
            language=row["language"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            closes_at=_zoned(row["closes_at"], row["closes_offset"]),
            closed_at=_zoned(row["closed_at"], row["closed_offset"]),
            closed_by=row["closed_by"],
            message_id=row["message_id"],
            announced=bool(row["announced"]),
        )

    @staticmethod
    def _add_ballot(p: Poll, b: asyncpg.Record) -> None:
        p.ballots[b["voter"]] = tuple(b["choices"])
        if b["name"]:
            p.names[b["voter"]] = b["name"]

    async def write_ballots(self, rows: list[BallotRow]) -> None:
        """A batch of ballots and withdrawals in one transaction, as if written in order: the last
        row of each voter decides (a ballot UPSERTs, a withdrawal deletes), so one UPSERT and one
        DELETE over column arrays do it."""
        final = last_per_key(rows, _ballot_key)
        ballots = [(r.poll_id, r.voter, r.name, json.dumps(list(r.choices)), r.at) for r in final if r.choices is not None]
        withdrawn = [(r.poll_id, r.voter) for r in final if r.choices is None]
        async with self.pool.acquire() as conn, conn.transaction():
            if ballots:
                await conn.execute(upsert_ballots, *columns(ballots, 5))
            if withdrawn:
                await conn.execute(delete_ballots, *columns(withdrawn, 2))

    async def drain_ballots(self, writer: GroupCommitWriter[BallotRow]) -> None:
        """No drain here: the writer commits from the event loop (see `PostgresStore.drain_votes`)."""
        raise NotImplementedError("PostgresStore commits each batch from the event loop")
