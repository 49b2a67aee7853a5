"""The two engines as the contract suite sees them: open a store, and reach past it where a test
must (an older schema, a newer version, rows written by an older bot)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

import asyncpg

from bot.core.ports import Store
from bot.storage import open_store
from bot.storage.postgres_setup import migrate, newest_version, schema_version
from bot.storage.sqlite_connection import MIGRATIONS


class SqliteEngine:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.database = str(path)

    async def open(self) -> Store:
        return await open_store(self.database)

    def newest(self) -> int:
        return max(int(p.name[:3]) for p in MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))

    async def version(self) -> int:
        with sqlite3.connect(self.database) as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    async def apply_up_to(self, number: int) -> None:
        db = sqlite3.connect(self.database)
        for script in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
            if int(script.name[:3]) <= number:
                db.executescript(f"BEGIN;\n{script.read_text(encoding='utf-8')}\n"
                                 f"PRAGMA user_version = {int(script.name[:3])};\nCOMMIT;")
        db.close()

    async def set_version(self, number: int) -> None:
        db = sqlite3.connect(self.database)
        db.execute(f"PRAGMA user_version = {int(number)}")
        db.close()

    async def seed(self, version: int, at: datetime) -> None:
        """Rows an older bot wrote at `version` (see `SEEDS`)."""
        db = sqlite3.connect(self.database)
        for since, sql, args in SEEDS:
            if version >= since:
                db.execute(re.sub(r"\$(\d+)", r"?\1", sql), [at.isoformat() if a is AT else a for a in args])
        db.commit()
        db.close()


class PostgresEngine:
    name = "postgres"

    def __init__(self, url: str) -> None:
        self.database = url

    async def open(self) -> Store:
        return await open_store(self.database)

    def newest(self) -> int:
        return newest_version()

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.database, timeout=5)

    async def version(self) -> int:
        conn = await self._connect()
        try:
            return await schema_version(conn)
        finally:
            await conn.close()

    async def apply_up_to(self, number: int) -> None:
        conn = await self._connect()
        try:
            await migrate(conn, up_to=number)
        finally:
            await conn.close()

    async def set_version(self, number: int) -> None:
        conn = await self._connect()
        try:
            await conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
        finally:
            await conn.close()

    async def seed(self, version: int, at: datetime) -> None:
        conn = await self._connect()
        try:
            for since, sql, args in SEEDS:
                if version >= since:
                    await conn.execute(sql, *[at if a is AT else a for a in args])
        finally:
            await conn.close()


AT = object()  # stands for the seed's time in SEEDS
# (the first version with the table, the row with `$n` parameters (SQLite reads them as `?n`), the parameters)
SEEDS: list[tuple[int, str, tuple]] = [
    (1, "INSERT INTO debates (id, platform, workspace, channel, parent_channel, motion_id, motion_title, motion_text, "
        "format_id, language, created_by, created_at, phase_index, state, anonymous, messages) VALUES "
        "(7, 'discord', 'g1', 'c1', 'c1', 'm', 't', 'x', 'quick', 'en', 'teacher', $1, 1, 'running', $2, $3)",
     (AT, False, '{"opening": "m1"}')),
    (1, "INSERT INTO participants (debate_id, user_id, name, role, joined_at) VALUES (7, 'u1', 'Alice', 'pro', $1)",
     (AT,)),
    (1, "INSERT INTO votes (debate_id, stage, voter, choice, at) VALUES (7, 'pre', 'v1', 'con', $1)", (AT,)),
    (2, "INSERT INTO members_seen (platform, workspace, member, first_seen) VALUES ('discord', 'g1', 'h:aa', $1)",
     (AT,)),
    (2, "INSERT INTO vote_flags (debate_id, voter, reason, stage, at) VALUES (7, 'v1', 'burst', 'pre', $1)", (AT,)),
    (3, "INSERT INTO polls (id, platform, workspace, channel, question, options, mode, max_choices, anonymous, "
        "tally, language, created_by, created_at) VALUES "
        "(3, 'discord', 'g1', 'c1', 'Tea?', $1, 'single', 1, $2, 'live', 'en', 'teacher', $3)",
     ('["yes", "no"]', False, AT)),
    (3, "INSERT INTO poll_ballots (poll_id, voter, name, choices, at) VALUES (3, 'v1', 'V', $1, $2)", ("[1]", AT)),
    (5, "INSERT INTO deliveries (key, at) VALUES ('k1', $1)", (AT,)),
]
