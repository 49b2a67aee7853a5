"""Databases of their own on a PostgreSQL server, for the tests and the bench alike: each run
creates databases with random names through an admin database and drops them afterwards."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, database: str) -> str:
    """`url` naming another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def new_name(prefix: str) -> str:
    """A fresh database name: letters, digits and _ only, so it is safe to quote in SQL."""
    return prefix + secrets.token_hex(6)


async def admin(url: str, sql: str) -> None:
    """One statement (CREATE/DROP DATABASE) on a connection of its own to `url`."""
    import asyncpg  # loaded only where a server is used

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(url: str, prefix: str) -> tuple[str, str]:
    """A new empty database next to `url`'s: (its name, its URL)."""
    name = new_name(prefix)
    await admin(url, f'CREATE DATABASE "{name}"')
    return name, with_database(url, name)


async def drop_database(url: str, name: str) -> None:
    await admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
