"""The PostgreSQL connection machinery (asyncpg): the pool, opening and migrating, and the
write units and batch helpers every query module of the PostgreSQL store goes through.

Every call takes a connection from an asyncpg pool for one statement or one transaction. A
connection the server dropped is replaced on the next acquire, so the store reconnects by
itself once the server is back; while it is gone, every call raises (asyncpg's error), and the
vote writer refuses the votes with a reason rather than confirming them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Self

import asyncpg

from bot.storage.errors import StoreError
from bot.storage.postgres_setup import CONNECT_TIMEOUT, migrate, open_error, set_up

log = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10  # per process; a batch holds one connection for one statement
CLOSE_TIMEOUT = 10.0  # seconds `close` waits for calls in flight before it cuts them off

bump_generation = """
INSERT INTO generations (name, value) VALUES ($1, 1)
ON CONFLICT (name) DO UPDATE SET value = generations.value + 1
"""


def last_per_key(rows: Iterable, key) -> list:
    """The last row of each key, in the order of each key's first row: what a run of UPSERTs in
    order would leave, as rows one statement may write (it cannot touch one row twice)."""
    last: dict = {}
    for row in rows:
        last[key(row)] = row
    return list(last.values())


def columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as `width` column lists, the arguments of an `unnest($1::…[], …)` statement."""
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


class PostgresConnection:
    """The store's asyncpg pool: what `PostgresStore` and its query modules (debates, polls,
    moderation, …) write and read through."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.shared = True  # several processes may use one database: the services follow each other

    @classmethod
    async def open(cls, url: str) -> Self:
        """Connect to the database at `url` and migrate it.

        Raises:
            StoreError: the URL is malformed, the server cannot be reached, the database does not
                exist, the login is refused, or it was migrated by a newer version of the bot.
        """
        try:
            pool = await asyncpg.create_pool(url, min_size=POOL_MIN, max_size=POOL_MAX, timeout=CONNECT_TIMEOUT,
                                             init=set_up)
        except Exception as exc:
            raise open_error(url, exc) from None
        store = cls(pool)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except StoreError:
            await store.close()
            raise
        except Exception as exc:
            await store.close()
            raise open_error(url, exc) from None
        return store

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("PostgreSQL calls still running after %g s; closing their connections", CLOSE_TIMEOUT)
            self.pool.terminate()

    async def write_bumping(self, sql: str, args: tuple, generation: str, fetch: bool = False):
        """`sql` (its value when `fetch`), and in the same transaction count a change of
        `generation` (shared state)."""
        return await self.write_then(sql, args, bump_generation, generation, fetch)

    async def write_then(self, sql: str, args: tuple, then: str, then_arg: object, fetch: bool):
        """`sql` (its value when `fetch`), and in the same transaction `then` (a count of the
        change: a debate's `touched`, or a generation of shared state)."""
        async with self.pool.acquire() as conn, conn.transaction():
            value = await (conn.fetchval(sql, *args) if fetch else conn.execute(sql, *args))
            await conn.execute(then, then_arg)
        return value if fetch else None
