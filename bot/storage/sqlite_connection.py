"""The SQLite connection machinery (aiosqlite): opening, the one-process lock, migrations by
`PRAGMA user_version`, and the write units every query module of the SQLite store goes through.

Every write unit (statements + commit) runs under one lock, so that no coroutine's rollback
can undo another's uncommitted statements on the shared connection. Batches of many rows are
written on the connection's own thread (`insert_rows`, `drain`).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

import aiosqlite

from bot.core.kernel.writer import GroupCommitWriter
from bot.storage.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


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


bump_generation = """
INSERT INTO generations (name, value) VALUES (?, 1)
ON CONFLICT (name) DO UPDATE SET value = generations.value + 1
"""
ROWS_PER_STATEMENT = 6000  # at 5 columns 30,000 parameters; SQLite allows 32,766 since 3.32


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


class SqliteConnection:
    """The store's one aiosqlite connection and its write lock: what `SqliteStore` and its query
    modules (debates, polls, moderation, …) write and read through."""

    shared = False  # one process per file (see `_ProcessLock`); tests may open it `shared=True`

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self.lock = StoreLock()
        self._drained: list[tuple[int, GroupCommitWriter, WriteHere]] = []  # see `drain`
        self._drains_waiting = 0
        self._process_lock: _ProcessLock | None = None

    @classmethod
    async def open(cls, path: str | Path, *, shared: bool = False) -> Self:
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

    async def write(self, sql: str, params: Iterable) -> int:
        """One statement in its own transaction, under the lock; the new row's id (0 if none)."""
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

    async def write_then(self, sql: str, params: Iterable, then: str, then_params: tuple) -> int:
        """`write`, and in the same transaction `then` (a count of the change: a debate's
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

    async def write_bumping(self, sql: str, params: Iterable, generation: str) -> int:
        """`write`, and in the same transaction count a change of `generation` (shared state)."""
        return await self.write_then(sql, params, bump_generation, (generation,))

    # aiosqlite's private `_execute` (its own hand-off to the connection's thread and its queue),
    # `_tx` (the calls queued for that thread) and `_conn` (the sqlite3 connection) are used in
    # this module only, by `drain` and `insert_rows`: a whole batch (its statements and the
    # commit) runs as one call on that thread, and a drain sees when anybody else wants it. An
    # await per statement instead lets the GIL hand-offs dominate: 2,000 rows/s under load
    # (measured, docs/performance.md).

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
