"""The PostgreSQL server the tests use: `BOT_TEST_POSTGRES` names its admin database.

Each test that asks for `postgres_url` (tests/conftest.py) gets a database of its own, created
with a random name and dropped afterwards, so parallel runs never meet. No server there: the
PostgreSQL tests are skipped with one line saying so, unless `BOT_REQUIRE_POSTGRES=1` (CI),
where a missing server fails them.

The admin work runs on a loop of its own in a worker thread: a sync fixture can then be used
by sync and async tests alike, and never touches the test's event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import asyncpg

from bot.testing import postgres as testing_postgres
from bot.testing.postgres import admin

T = TypeVar("T")
DEFAULT_ADMIN = "postgresql://127.0.0.1:5432/test"
DATABASE_PREFIX = "debate_bot_test_"


def admin_url() -> str:
    return os.environ.get("BOT_TEST_POSTGRES") or DEFAULT_ADMIN


def required() -> bool:
    return os.environ.get("BOT_REQUIRE_POSTGRES") == "1"


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work()` to the end on a fresh event loop in another thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def reachable() -> str | None:
    """None if the admin database answers, else why not (one line)."""
    try:
        run(lambda: admin(admin_url(), "SELECT 1"))
    except Exception as exc:  # refused, unknown host, no such database, login refused …
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def create_database() -> tuple[str, str]:
    """A new empty database: (its name, its URL)."""
    return run(lambda: testing_postgres.create_database(admin_url(), DATABASE_PREFIX))


def drop_database(name: str) -> None:
    run(lambda: testing_postgres.drop_database(admin_url(), name))


async def execute(url: str, sql: str, *args: object) -> None:
    """One statement on a connection of its own (tests that reach past the store)."""
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()
