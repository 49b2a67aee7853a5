"""The SQLite store (aiosqlite): WAL, foreign keys, migrations by `PRAGMA user_version`.

All SQL of the project lives in this package, as named query strings with `?` parameters.
Every write unit (statements + commit) runs under one lock, so that no coroutine's rollback
can undo another's uncommitted statements on the shared connection.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Literal

import aiosqlite

from bot.core.debates.model import (
    AuditEntry,
    ChannelRef,
    Choice,
    Debate,
    DebateState,
    Participant,
    Question,
    Role,
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
    StaleDebate,
)
from bot.storage.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


_STAGES = {s.value: s for s in Stage}
_CHOICES = {c.value: c for c in Choice}


@lru_cache(maxsize=1024)
def _iso_in(value: datetime, zone: tzinfo | None) -> str:
    """`value.isoformat()`, remembered: the clock hands out one datetime per millisecond, and a
    storm writes it on many rows (formatting an aware datetime costs more than a vote's UPSERT).
    `zone` is part of the key: the same instant in two zones is written two ways."""
    return value.isoformat()


def _ts(value: datetime | None) -> str | None:
    return _iso_in(value, value.tzinfo) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _at(value: str) -> datetime:
    """A time from a NOT NULL column."""
    return datetime.fromisoformat(value)


insert_debate = """
INSERT INTO debates (platform, workspace, channel, parent_channel, motion_id, motion_title,
    motion_text, format_id, language, created_by, created_at, phase_index, state, deadline,
    paused_remaining, anonymous, ended_at, messages, announced)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# A compare-and-set: the row changes only if nobody changed it since it was read (`version`).
update_debate = """
UPDATE debates SET channel = ?, phase_index = ?, state = ?, deadline = ?, paused_remaining = ?,
    ended_at = ?, messages = ?, language = ?, announced = ?, version = version + 1
WHERE id = ? AND version = ?
"""
# Ended debates whose result was never posted (a crash between the end and the post).
select_owed_debates = "SELECT * FROM debates WHERE state = 'ended' AND announced <= phase_index ORDER BY id"
touch_debate = "UPDATE debates SET touched = touched + 1 WHERE id = ?"
touch_debate_of_question = "UPDATE debates SET touched = touched + 1 WHERE id = (SELECT debate_id FROM questions WHERE id = ?)"
select_debate_versions = "SELECT id, version, touched FROM debates WHERE state != 'ended' OR id IN (SELECT value FROM json_each(?))"
select_debate_version = "SELECT version, touched FROM debates WHERE id = ?"
select_stage_votes = "SELECT voter, choice FROM votes WHERE debate_id = ? AND stage = ?"
bump_generation = """
INSERT INTO generations (name, value) VALUES (?, 1)
ON CONFLICT (name) DO UPDATE SET value = generations.value + 1
"""
select_generations = "SELECT name, value FROM generations"
delete_debate = "DELETE FROM debates WHERE id = ?"
select_open_debates = "SELECT * FROM debates WHERE state != 'ended' ORDER BY id"
# The restart path: every open debate's rows in one query per table, not one per debate.
select_open_participants = """
SELECT p.* FROM participants p JOIN debates d ON d.id = p.debate_id WHERE d.state != 'ended'
"""
select_open_speeches = """
SELECT s.* FROM speeches s JOIN debates d ON d.id = s.debate_id WHERE d.state != 'ended' ORDER BY s.id
"""
select_open_questions = """
SELECT q.* FROM questions q JOIN debates d ON d.id = q.debate_id WHERE d.state != 'ended' ORDER BY q.id
"""
select_open_votes = """
SELECT v.debate_id, v.stage, v.voter, v.choice FROM votes v JOIN debates d ON d.id = v.debate_id
WHERE d.state != 'ended'
"""
select_debate = "SELECT * FROM debates WHERE id = ?"
select_last_debate_in = """
SELECT id FROM debates WHERE platform = ? AND workspace = ? AND (channel = ? OR parent_channel = ?)
ORDER BY id DESC LIMIT 1
"""
select_ended_debates = """
SELECT id FROM debates WHERE platform = ? AND workspace = ? AND state = 'ended' ORDER BY id DESC LIMIT ?
"""
upsert_participant = """
INSERT INTO participants (debate_id, user_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (debate_id, user_id) DO UPDATE SET name = excluded.name, role = excluded.role
"""
delete_participant = "DELETE FROM participants WHERE debate_id = ? AND user_id = ?"
select_participants = "SELECT * FROM participants WHERE debate_id = ?"
select_sides_held = "SELECT user_id, side FROM sides_held WHERE debate_id = ?"
select_open_sides_held = """
SELECT h.debate_id, h.user_id, h.side FROM sides_held h JOIN debates d ON d.id = h.debate_id WHERE d.state != 'ended'
"""
insert_speech = """
INSERT INTO speeches (debate_id, phase_index, user_id, name, side, text, at) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
select_speeches = "SELECT * FROM speeches WHERE debate_id = ? ORDER BY id"
insert_question = """
INSERT INTO questions (debate_id, user_id, name, text, status, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
update_question = "UPDATE questions SET status = ?, reason = ? WHERE id = ?"
select_questions = "SELECT * FROM questions WHERE debate_id = ? ORDER BY id"
upsert_vote = """
INSERT INTO votes (debate_id, stage, voter, choice, at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at
"""
select_votes = "SELECT stage, voter, choice FROM votes WHERE debate_id = ?"
# Many rows in one statement: `INSERT … VALUES (?, …), (?, …), … [tail]` (placeholders only,
# never a value). One statement is one step, so the connection's thread takes the GIL back a
# few times per batch instead of once per row (see `SqliteStore.insert_rows`).
upsert_votes_head = "INSERT INTO votes (debate_id, stage, voter, choice, at)"
upsert_votes_tail = "ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at"
VOTE_COLUMNS = 5
ROWS_PER_STATEMENT = 6000  # at 5 columns 30,000 parameters; SQLite allows 32,766 since 3.32
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


def _statement_rows(rows: int) -> int:
    """The smallest of 1, 2, 3, 4, 6, 8, 12, 16, … (powers of two and 1.5 times them) >= `rows`."""
    if rows <= 2:
        return rows
    power = 1 << (rows - 1).bit_length()
    return power * 3 // 4 if rows <= power * 3 // 4 else power


def _insert_rows(conn: sqlite3.Connection, head: str, tail: str, columns: int, values: list[object],
                 pad: bool) -> None:
    """Runs on the connection's thread: the flat `values` in as few statements as possible, committed.

    `pad` (only for statements where writing the same row twice changes nothing: an UPSERT, an
    INSERT OR IGNORE) pads a batch to one of a few sizes with copies of its last row, so the
    connection's statement cache serves most batches.
    """
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // columns
    per = max(1, min(ROWS_PER_STATEMENT, limit))
    placeholder = "(" + ", ".join("?" * columns) + ")"

    def statement(rows: int) -> str:
        return f"{head} VALUES {', '.join([placeholder] * rows)} {tail}"

    rows = len(values) // columns
    if rows <= per and not conn.in_transaction:
        if pad:
            values = values + values[-columns:] * (min(_statement_rows(rows), per) - rows)
        # One statement is one transaction in autocommit mode: its own step commits it, which
        # saves the separate COMMIT (and the GIL hand-offs around it); a failure undoes it all.
        level = conn.isolation_level
        conn.isolation_level = None
        try:
            conn.execute(statement(len(values) // columns), values)
        finally:
            conn.isolation_level = level
        return
    try:
        for start in range(0, len(values), per * columns):
            chunk = values[start : start + per * columns]
            conn.execute(statement(len(chunk) // columns), chunk)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


KEEP_DELIVERIES = timedelta(days=1)  # a platform retries within minutes; a day is plenty
PRUNE_EVERY = 1000  # deliveries claimed between two prunes
DRAIN_SECONDS = 0.5  # a drain takes no new batch after this long, even when nobody else waits


class StoreLock(asyncio.Lock):
    """The store's lock, which also counts the coroutines waiting for it: a drain on the
    connection's thread reads `waiting` and hands the lock on as soon as somebody does."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0

    async def acquire(self) -> Literal[True]:
        self.waiting += 1
        try:
            return await super().acquire()
        finally:
            self.waiting -= 1


WriteHere = Callable[[sqlite3.Connection, list], None]  # stores rows on the connection's thread


def _vote_values(rows: list[VoteRow]) -> list[object]:
    values: list[object] = []
    add, iso = values.extend, _iso_in
    for r in rows:
        add((r.debate_id, r.stage, r.voter, r.choice, iso(r.at, r.at.tzinfo)))
    return values


def _write_votes_here(conn: sqlite3.Connection, rows: list[VoteRow]) -> None:
    _insert_rows(conn, upsert_votes_head, upsert_votes_tail, VOTE_COLUMNS, _vote_values(rows), True)


def _drain(conn: sqlite3.Connection, sources: list[tuple[GroupCommitWriter, WriteHere]],
           others_wait: Callable[[], bool]) -> None:
    """Runs on the connection's thread. Round after round, a batch from each source in turn (votes
    first), each in its own transaction, until no source has anything; after the first round
    it also stops when `others_wait()` (somebody else wants the lock, or a read is queued for
    this thread) or after DRAIN_SECONDS."""
    until = time.monotonic() + DRAIN_SECONDS
    first = True
    while first or not (others_wait() or time.monotonic() > until):
        first = False
        took = False
        for writer, write_here in sources:
            batch = writer.take()
            if batch is None:
                continue
            took = True
            try:
                write_here(conn, batch.rows)
            except Exception as exc:  # `write_here` rolled it back; that writer holds its later rows back
                writer.settle(batch, exc)
            else:
                writer.settle(batch, None)
        if not took:
            return


class _ProcessLock:
    """One process per SQLite file: an exclusive lock on `<database>.lock`, held while the store is
    open (several processes share a PostgreSQL database instead). The kernel drops it when the
    process dies, so a killed bot never locks out the next one."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    @classmethod
    def take(cls, path: str | Path) -> _ProcessLock:
        if str(path) == ":memory:":
            return cls(None)
        target = Path(path)
        if not target.parent.is_dir():
            raise StoreError(f"cannot open the database {target}: the folder {target.parent} does not exist")
        lock_path = target.with_name(target.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot open the database {target}: {exc.strerror} ({lock_path.name})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(f"another debate-bot process is using {target}: SQLite serves one process; "
                             "stop the other one, or run several on PostgreSQL (BOT_DATABASE=postgresql://…)") from None
        return cls(fd)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the lock
            self.fd = None


async def _connect(path: str | Path) -> aiosqlite.Connection:
    """The connection, set up; a file it creates is private to its owner (mode 600), like the key."""
    target = str(path)
    if target != ":memory:" and not Path(target).exists():
        try:
            os.close(os.open(target, os.O_RDWR | os.O_CREAT, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create the database {target}: {exc.strerror}") from exc
    db = await aiosqlite.connect(target)
    try:
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.Error as exc:
        await db.close()  # a connection left open keeps its thread, and the process never exits
        raise StoreError(f"cannot open the database {target}: {exc}") from exc
    return db


class SqliteStore:
    """The default store. Open it with `await SqliteStore.open(path)`; `:memory:` works for tests."""

    shared = False  # one process per file (see `_ProcessLock`); tests may open it `shared=True`
    versioned_ballots = False  # ballots are stored whatever the debate's version

    def __init__(self, db: aiosqlite.Connection) -> None:
        from bot.storage.claim_store import ClaimStore  # these build on this module
        from bot.storage.install_store import InstallStore  # these build on this module
        from bot.storage.moderation_store import ModerationStore
        from bot.storage.poll_store import PollStore
        from bot.storage.screen_store import ScreenStore

        self.db = db
        self.lock = StoreLock()
        # typed as the ports: the `Store` protocol declares them as attributes, which are invariant
        self.polls: PollStorage = PollStore(self)
        self.moderation: ModerationStorage = ModerationStore(self)
        self.installations: InstallationStorage = InstallStore(self)
        self.screens: ScreenStorage = ScreenStore(self)
        self.claims: ClaimStorage = ClaimStore(self)
        self._drained: list[tuple[int, GroupCommitWriter, WriteHere]] = []  # see `drain`
        self._drains_waiting = 0
        self._claims = 0
        self._process_lock: _ProcessLock | None = None

    @classmethod
    async def open(cls, path: str | Path, *, shared: bool = False) -> SqliteStore:
        """Open (creating it, mode 600) and migrate the database at `path`.

        `shared` (tests of several processes only): no process lock, and the store says it is
        shared, so the services follow each other's changes as they do on PostgreSQL.

        Raises:
            StoreError: the folder is missing, the file cannot be written, another process has
                it open, or it was migrated by a newer version of the bot.
        """
        lock = _ProcessLock(None) if shared else _ProcessLock.take(path)
        try:
            db = await _connect(path)
        except BaseException:
            lock.release()
            raise
        store = cls(db)
        store.shared = shared
        store._process_lock = lock
        try:
            await store.migrate()
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        try:
            await self.db.close()
        finally:
            if self._process_lock is not None:
                self._process_lock.release()
                self._process_lock = None

    async def migrate(self) -> int:
        """Run every migration newer than `PRAGMA user_version`; returns the version reached.

        Raises:
            StoreError: the database's version is newer than the newest migration here.
        """
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        assert row is not None  # PRAGMA user_version always answers one row
        (version,) = row
        known = sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))
        newest = int(known[-1].name[:3])
        if version > newest:
            raise StoreError(f"the database was migrated by a newer debate-bot (schema version {version}; "
                             f"this version knows up to {newest}): upgrade the bot or use another BOT_DATABASE")
        for path in known:
            number = int(path.name[:3])
            if number <= version:
                continue
            log.info("applying migration %s", path.name)
            script = path.read_text(encoding="utf-8")
            try:
                await self.db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.OperationalError as exc:
                await self.db.rollback()
                raise StoreError(f"cannot migrate the database to version {number}: {exc}") from exc
            version = number
        return version

    async def _write(self, sql: str, params: Iterable) -> int:
        async with self.lock:
            cur = await self.db.execute(sql, tuple(params))
            await self.db.commit()
            return cur.lastrowid or 0

    async def write_many(self, sql: str, rows: list[tuple]) -> None:
        async with self.lock:
            await self._executemany(sql, rows)

    async def _executemany(self, sql: str, rows: list[tuple]) -> None:
        """`executemany` and commit, or roll back; the caller holds the lock."""
        try:
            await self.db.executemany(sql, rows)
            await self.db.commit()
        except BaseException:
            await self.db.rollback()
            raise

    # --- debates ---

    async def create_debate(self, d: Debate) -> int:
        return await self._write(
            insert_debate,
            (
                d.space.platform, d.space.workspace, d.space.channel, d.parent.channel, d.motion_id,
                d.motion_title, d.motion_text, d.format_id, d.language, d.created_by, _ts(d.created_at),
                d.phase_index, d.state.value, _ts(d.deadline), d.paused_remaining, int(d.anonymous),
                _ts(d.ended_at), self._messages(d), d.announced,
            ),
        )

    async def delete_debate(self, debate_id: int) -> None:
        await self._write(delete_debate, (debate_id,))

    async def save_debate(self, d: Debate) -> None:
        """Store the debate's own row if nobody changed it since `d` was read, and count the change
        in `d.version`; raises StaleDebate (changing nothing) if somebody did."""
        params = (d.space.channel, d.phase_index, d.state.value, _ts(d.deadline), d.paused_remaining,
                  _ts(d.ended_at), self._messages(d), d.language, d.announced, d.id, d.version)
        async with self.lock:
            cur = await self.db.execute(update_debate, params)
            await self.db.commit()
        if cur.rowcount != 1:
            raise StaleDebate(d.id)
        d.version += 1

    async def debate_versions(self, also: Iterable[int] = ()) -> dict[int, tuple[int, int]]:
        """(version, touched) of every open debate, and of the debates `also` names (ended or not)."""
        rows = await self.db.execute_fetchall(select_debate_versions, (json.dumps(list(also)),))
        return {r["id"]: (r["version"], r["touched"]) for r in rows}

    async def debate_version(self, debate_id: int) -> tuple[int, int] | None:
        rows = list(await self.db.execute_fetchall(select_debate_version, (debate_id,)))
        return (rows[0]["version"], rows[0]["touched"]) if rows else None

    async def stage_votes(self, debate_id: int, stage: Stage) -> dict[str, Choice]:
        """The stored ballots of one stage (what every process counts)."""
        rows = await self.db.execute_fetchall(select_stage_votes, (debate_id, stage.value))
        return {r["voter"]: _CHOICES[r["choice"]] for r in rows}

    async def generations(self) -> dict[str, int]:
        """How often each kind of shared state changed (see `bump`)."""
        return {r["name"]: r["value"] for r in await self.db.execute_fetchall(select_generations)}

    async def _write_then(self, sql: str, params: Iterable, then: str, then_params: tuple) -> int:
        """`_write`, and in the same transaction `then` (a count of the change: a debate's
        `touched`, or a generation of shared state)."""
        async with self.lock:
            try:
                cur = await self.db.execute(sql, tuple(params))
                await self.db.execute(then, then_params)
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
            return cur.lastrowid or 0

    async def _write_touching(self, sql: str, params: Iterable, touch: str, key: object) -> int:
        return await self._write_then(sql, params, touch, (key,))

    async def write_bumping(self, sql: str, params: Iterable, generation: str) -> int:
        """`_write`, and in the same transaction count a change of `generation` (shared state)."""
        return await self._write_then(sql, params, bump_generation, (generation,))

    @staticmethod
    def _messages(d: Debate) -> str:
        data = {"opening": d.opening_message_id}
        data.update({f"tally_{k.value}": v for k, v in d.tally_message_ids.items()})
        return json.dumps(data)

    async def load_open_debates(self) -> list[Debate]:
        """Every debate that has not ended, with its people, speeches, questions and ballots.

        Five queries in all, whatever the number of debates (the restart path).
        """
        debates = {row["id"]: self._debate(row) for row in await self.db.execute_fetchall(select_open_debates)}
        if not debates:
            return []
        for p in await self.db.execute_fetchall(select_open_participants):
            if (d := debates.get(p["debate_id"])) is not None:
                d.participants[p["user_id"]] = self._participant(p)
        for s in await self.db.execute_fetchall(select_open_speeches):
            if (d := debates.get(s["debate_id"])) is not None:
                d.speeches.append(self._speech(s))
        for q in await self.db.execute_fetchall(select_open_questions):
            if (d := debates.get(q["debate_id"])) is not None:
                d.questions.append(self._question(q))
        for h in await self.db.execute_fetchall(select_open_sides_held):
            if (d := debates.get(h["debate_id"])) is not None:
                d.sides_held[h["user_id"]] = Role(h["side"])
        stages, choices = _STAGES, _CHOICES
        async with self.db.execute(select_open_votes) as cursor:
            cursor.row_factory = None  # plain tuples: one vote row is four values
            while rows := await cursor.fetchmany(20_000):
                for debate_id, stage, voter, choice in rows:
                    if (d := debates.get(debate_id)) is not None:
                        d.votes[stages[stage]][voter] = choices[choice]
        return list(debates.values())

    async def load_owed_debates(self) -> list[Debate]:
        """Ended debates that still owe their result, with everything they hold."""
        return [await self._hydrate(row) for row in await self.db.execute_fetchall(select_owed_debates)]

    async def load_debate(self, debate_id: int) -> Debate | None:
        rows = list(await self.db.execute_fetchall(select_debate, (debate_id,)))
        return await self._hydrate(rows[0]) if rows else None

    async def last_debate_in(self, ref: ChannelRef) -> int | None:
        rows = list(await self.db.execute_fetchall(
            select_last_debate_in, (ref.platform, ref.workspace, ref.channel, ref.channel)
        ))
        return rows[0]["id"] if rows else None

    async def ended_debates(self, platform: str, workspace: str, limit: int = 10) -> list[int]:
        rows = await self.db.execute_fetchall(select_ended_debates, (platform, workspace, limit))
        return [r["id"] for r in rows]

    async def _hydrate(self, row: aiosqlite.Row) -> Debate:
        d = self._debate(row)
        for p in await self.db.execute_fetchall(select_participants, (d.id,)):
            d.participants[p["user_id"]] = self._participant(p)
        for s in await self.db.execute_fetchall(select_speeches, (d.id,)):
            d.speeches.append(self._speech(s))
        for q in await self.db.execute_fetchall(select_questions, (d.id,)):
            d.questions.append(self._question(q))
        for h in await self.db.execute_fetchall(select_sides_held, (d.id,)):
            d.sides_held[h["user_id"]] = Role(h["side"])
        for v in await self.db.execute_fetchall(select_votes, (d.id,)):
            d.votes[_STAGES[v["stage"]]][v["voter"]] = _CHOICES[v["choice"]]
        return d

    @staticmethod
    def _participant(p: aiosqlite.Row) -> Participant:
        return Participant(p["user_id"], p["name"], Role(p["role"]), _at(p["joined_at"]))

    @staticmethod
    def _speech(s: aiosqlite.Row) -> Speech:
        return Speech(s["id"], s["phase_index"], s["user_id"], s["name"], s["side"], s["text"], _at(s["at"]))

    @staticmethod
    def _question(q: aiosqlite.Row) -> Question:
        return Question(q["id"], q["user_id"], q["name"], q["text"], q["status"], _at(q["at"]), q["reason"])

    @staticmethod
    def _debate(row: aiosqlite.Row) -> Debate:
        """A debate from its own row, without participants, speeches, questions or ballots."""
        messages = json.loads(row["messages"])
        d = Debate(
            id=row["id"],
            space=ChannelRef(row["platform"], row["workspace"], row["channel"]),
            parent=ChannelRef(row["platform"], row["workspace"], row["parent_channel"]),
            motion_id=row["motion_id"],
            motion_title=row["motion_title"],
            motion_text=row["motion_text"],
            format_id=row["format_id"],
            language=row["language"],
            created_by=row["created_by"],
            created_at=_at(row["created_at"]),
            phase_index=row["phase_index"],
            state=DebateState(row["state"]),
            deadline=_dt(row["deadline"]),
            paused_remaining=row["paused_remaining"],
            anonymous=bool(row["anonymous"]),
            ended_at=_dt(row["ended_at"]),
            opening_message_id=messages.get("opening", ""),
            version=row["version"],
            touched=row["touched"],
            announced=row["announced"],
        )
        for stage in Stage:
            if f"tally_{stage.value}" in messages:
                d.tally_message_ids[stage] = messages[f"tally_{stage.value}"]
        return d

    async def save_participant(self, debate_id: int, p: Participant) -> None:
        await self._write_touching(upsert_participant, (debate_id, p.user_id, p.name, p.role.value, _ts(p.joined_at)),
                                   touch_debate, debate_id)

    async def remove_participant(self, debate_id: int, user_id: str) -> None:
        await self._write_touching(delete_participant, (debate_id, user_id), touch_debate, debate_id)

    async def add_speech(self, debate_id: int, s: Speech) -> int:
        return await self._write_touching(
            insert_speech, (debate_id, s.phase_index, s.user_id, s.name, s.side, s.text, _ts(s.at)),
            touch_debate, debate_id)

    async def add_question(self, debate_id: int, q: Question) -> int:
        return await self._write_touching(
            insert_question, (debate_id, q.user_id, q.name, q.text, q.status, q.reason, _ts(q.at)),
            touch_debate, debate_id)

    async def save_question(self, q: Question) -> None:
        await self._write_touching(update_question, (q.status, q.reason, q.id), touch_debate_of_question, q.id)

    # --- votes (called by the group-commit writer) ---

    async def write_votes(self, rows: list[VoteRow]) -> None:
        """Store a batch of ballots in one transaction (UPSERT: the last ballot of a voter wins)."""
        await self.insert_rows(upsert_votes_head, upsert_votes_tail, VOTE_COLUMNS, _vote_values(rows), pad=True)

    async def drain_votes(self, writer: GroupCommitWriter[VoteRow]) -> None:
        """The vote writer's drain (see `bot.core.kernel.writer.Drain`): batches stored as by `write_votes`."""
        await self.drain(writer, _write_votes_here, priority=0)

    async def drain(self, writer: GroupCommitWriter, write_here: WriteHere, *, priority: int) -> None:
        """Commit `writer`'s batches, and those of every writer drained before, on the connection's
        thread with `write_here(connection, rows)`: lower `priority` first in every round.

        Batches follow each other on that thread with no turn of the event loop in between,
        for as long as rows keep coming and nobody else needs the store: a speech, a read or
        an export waits for one round at most, never for a whole storm. Another writer's drain
        waiting for the lock does not count: this one serves its rows too.
        """
        run_in_thread = getattr(self.db, "_execute", None)  # aiosqlite's own hand-off and queue
        queued = getattr(self.db, "_tx", None)
        if run_in_thread is None or queued is None:
            raise NotImplementedError("this aiosqlite has no hand-off to its thread")
        if all(w is not writer for _, w, _ in self._drained):
            self._drained = sorted([*self._drained, (priority, writer, write_here)], key=lambda d: d[0])
        lock = self.lock

        def others_wait() -> bool:  # on the connection's thread
            return lock.waiting > self._drains_waiting or not queued.empty()

        self._drains_waiting += 1
        try:
            await lock.acquire()
        finally:
            self._drains_waiting -= 1
        try:
            await run_in_thread(_drain, self.db._conn, [(w, write) for _, w, write in self._drained], others_wait)
        finally:
            lock.release()

    async def insert_rows(self, head: str, tail: str, columns: int, values: list[object], *, pad: bool) -> None:
        """Write many rows (flat `values`, `columns` to a row) with `head VALUES (…), … tail`, in one
        transaction.

        The statements and the commit run in one call on the connection's thread: under load the
        event loop holds the GIL, and every time that thread must take it back (after each SQLite
        step, after each hand-off) it may wait up to the interpreter's switch interval, so a
        statement per row (`executemany`), or one await per statement, would make the writer crawl.
        """
        if not values:
            return
        async with self.lock:
            run_in_thread = getattr(self.db, "_execute", None)  # aiosqlite's own hand-off
            if run_in_thread is None:
                await self._insert_rows_by_steps(head, tail, columns, values)
                return
            await run_in_thread(_insert_rows, self.db._conn, head, tail, columns, values, pad)

    async def _insert_rows_by_steps(self, head: str, tail: str, columns: int, values: list[object]) -> None:
        sql = f"{head} VALUES ({', '.join('?' * columns)}) {tail}"
        await self._executemany(sql, [tuple(values[i : i + columns]) for i in range(0, len(values), columns)])

    # --- audit and settings ---

    async def add_audit(self, e: AuditEntry) -> int:
        return await self._write(
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
        await self._write(upsert_edit, (message_key, _ts(at)))

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
