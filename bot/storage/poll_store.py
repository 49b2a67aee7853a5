"""SQL for polls and their ballots, on the shared SQLite connection of :class:`SqliteStore`."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime

import aiosqlite

from bot.core.debates.model import ChannelRef
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.polls.model import BallotRow, Poll
from bot.storage.sqlite_connection import SqliteConnection, _at

log = logging.getLogger(__name__)

insert_poll = """
INSERT INTO polls (platform, workspace, channel, question, options, mode, max_choices, anonymous,
    tally, language, created_by, created_at, closes_at, closed_at, closed_by, message_id, announced)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
update_poll = "UPDATE polls SET closed_at = ?, closed_by = ?, message_id = ?, announced = ? WHERE id = ?"
# Announcing a poll's result owed since a crash is claimed first, so two processes never both post it.
claim_owed_poll = "UPDATE polls SET announced = 1 WHERE id = ? AND announced = 0 AND closed_at IS NOT NULL"
select_owed_polls = "SELECT * FROM polls WHERE closed_at IS NOT NULL AND announced = 0 ORDER BY id"
# Closing is a compare-and-set: of several processes closing one poll, one does it (and announces).
close_poll = "UPDATE polls SET closed_at = ?, closed_by = ?, message_id = ? WHERE id = ? AND closed_at IS NULL"
select_open_poll_ids = "SELECT id FROM polls WHERE closed_at IS NULL ORDER BY id"
select_closed_poll_ids = """
SELECT id FROM polls WHERE platform = ? AND workspace = ? AND closed_at IS NOT NULL ORDER BY id DESC LIMIT ?
"""
select_poll = "SELECT * FROM polls WHERE id = ?"
select_open_polls = "SELECT * FROM polls WHERE closed_at IS NULL ORDER BY id"
select_polls_in = """
SELECT * FROM polls WHERE platform = ? AND workspace = ? AND channel = ?
ORDER BY closed_at IS NOT NULL, id DESC LIMIT ?
"""
select_ballots = "SELECT voter, name, choices FROM poll_ballots WHERE poll_id = ?"
upsert_ballot = """
INSERT INTO poll_ballots (poll_id, voter, name, choices, at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (poll_id, voter) DO UPDATE SET name = excluded.name, choices = excluded.choices, at = excluded.at
"""
delete_ballot = "DELETE FROM poll_ballots WHERE poll_id = ? AND voter = ?"


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _runs(rows: list[BallotRow]) -> list[tuple[str, list[tuple]]]:
    """The batch as runs of one statement each (UPSERTs, DELETEs), in the order given."""
    runs: list[tuple[str, list[tuple]]] = []
    for r in rows:
        params: tuple[object, ...]
        if r.choices is None:
            sql, params = delete_ballot, (r.poll_id, r.voter)
        else:
            sql, params = upsert_ballot, (r.poll_id, r.voter, r.name, json.dumps(list(r.choices)), _ts(r.at))
        if runs and runs[-1][0] == sql:
            runs[-1][1].append(params)
        else:
            runs.append((sql, [params]))
    return runs


def _write_ballots_here(conn: sqlite3.Connection, rows: list[BallotRow]) -> None:
    """`write_ballots` on the connection's thread."""
    try:
        for sql, batch in _runs(rows):
            conn.executemany(sql, batch)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


class PollStore:
    """Polls on the store's connection; every write runs under the store's lock."""

    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    @property
    def db(self) -> aiosqlite.Connection:
        return self.store.db

    async def create(self, p: Poll) -> int:
        return await self.store.write(insert_poll, (
            p.channel.platform, p.channel.workspace, p.channel.channel, p.question,
            json.dumps(p.options, ensure_ascii=False), p.mode, p.max_choices, int(p.anonymous), p.tally,
            p.language, p.created_by, _ts(p.created_at), _ts(p.closes_at), _ts(p.closed_at), p.closed_by,
            p.message_id, int(p.announced),
        ))

    async def save(self, p: Poll) -> None:
        await self.store.write(update_poll, (_ts(p.closed_at), p.closed_by, p.message_id, int(p.announced), p.id))

    async def load_owed(self) -> list[Poll]:
        """Closed polls whose result was never posted (a crash between the close and the post)."""
        return [await self._hydrate(row) for row in await self.db.execute_fetchall(select_owed_polls)]

    async def claim_owed(self, poll_id: int) -> bool:
        """Take the posting of an owed result: True for the one process that takes it."""
        async with self.store.lock:
            cur = await self.db.execute(claim_owed_poll, (poll_id,))
            await self.db.commit()
        return cur.rowcount == 1

    async def close(self, p: Poll) -> bool:
        """Store the poll closed, unless somebody closed it first: True when this call closed it."""
        async with self.store.lock:
            cur = await self.db.execute(close_poll, (_ts(p.closed_at), p.closed_by, p.message_id, p.id))
            await self.db.commit()
        return cur.rowcount == 1

    async def open_ids(self) -> list[int]:
        return [r["id"] for r in await self.db.execute_fetchall(select_open_poll_ids)]

    async def closed_ids(self, platform: str, workspace: str, limit: int) -> list[int]:
        rows = await self.db.execute_fetchall(select_closed_poll_ids, (platform, workspace, limit))
        return [r["id"] for r in rows]

    async def load(self, poll_id: int) -> Poll | None:
        rows = list(await self.db.execute_fetchall(select_poll, (poll_id,)))
        return await self._hydrate(rows[0]) if rows else None

    async def load_open(self) -> list[Poll]:
        rows = await self.db.execute_fetchall(select_open_polls)
        return [await self._hydrate(row) for row in rows]

    async def in_channel(self, ref: ChannelRef, limit: int = 15) -> list[Poll]:
        """The polls of one channel, open ones first, newest first (without their ballots)."""
        rows = await self.db.execute_fetchall(select_polls_in, (ref.platform, ref.workspace, ref.channel, limit))
        return [await self._hydrate(row, ballots=False) for row in rows]

    async def _hydrate(self, row: aiosqlite.Row, ballots: bool = True) -> Poll:
        p = Poll(
            id=row["id"],
            channel=ChannelRef(row["platform"], row["workspace"], row["channel"]),
            question=row["question"],
            options=json.loads(row["options"]),
            mode=row["mode"],
            max_choices=row["max_choices"],
            anonymous=bool(row["anonymous"]),
            tally=row["tally"],
            language=row["language"],
            created_by=row["created_by"],
            created_at=_at(row["created_at"]),
            closes_at=_dt(row["closes_at"]),
            closed_at=_dt(row["closed_at"]),
            closed_by=row["closed_by"],
            message_id=row["message_id"],
            announced=bool(row["announced"]),
        )
        if ballots:
            for b in await self.db.execute_fetchall(select_ballots, (p.id,)):
                p.ballots[b["voter"]] = tuple(json.loads(b["choices"]))
                if b["name"]:
                    p.names[b["voter"]] = b["name"]
        return p

    async def write_ballots(self, rows: list[BallotRow]) -> None:
        """Write a batch of ballots and withdrawals in order, in one transaction."""
        async with self.store.lock:
            try:
                for sql, batch in _runs(rows):
                    await self.db.executemany(sql, batch)
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise

    async def drain_ballots(self, writer: GroupCommitWriter[BallotRow]) -> None:
        """The ballot writer's drain (see `SqliteStore.drain`): batches stored as by `write_ballots`."""
        await self.store.drain(writer, _write_ballots_here, priority=0)
