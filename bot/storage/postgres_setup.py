"""Setting up the PostgreSQL store: each connection, the one-line errors at start, and the
migrations (numbered files in `migrations/postgres/`, the version in `schema_version`).

The files mirror the SQLite ones (`migrations/001_core.sql` … ): the same numbers, so a schema
version means the same tables on both engines. Each migration runs in its own transaction under
a transaction-scoped advisory lock, so several processes starting at once migrate once: the
others wait for the lock, then find the version already reached.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from bot.storage.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations") / "postgres"
CONNECT_TIMEOUT = 10.0  # seconds, for each new connection (at start and on reconnecting)
MIGRATION_LOCK = 0x6465_6261_7465  # "debate": the advisory lock key; advisory locks are per database

take_migration_lock = "SELECT pg_advisory_xact_lock($1)"
version_table_exists = "SELECT to_regclass('schema_version') IS NOT NULL"
create_version_table = "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"
select_version = "SELECT version FROM schema_version"
insert_version = "INSERT INTO schema_version (version) VALUES (0)"
update_version = "UPDATE schema_version SET version = $1"


def where(url: str) -> str:
    """`host:port/database` of a PostgreSQL URL, for messages: never the user's password."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "localhost", parts.port or 5432
    except ValueError:
        return "the BOT_DATABASE URL"
    database = unquote(parts.path.lstrip("/")) or (unquote(parts.username or "") or "default")
    return f"{host}:{port}/{database}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def open_error(url: str, exc: BaseException) -> StoreError:
    """Why the server at `url` could not be used at start, in one line a person can act on."""
    place = where(url)
    if isinstance(exc, ValueError | OverflowError | asyncpg.ClientConfigurationError):
        return StoreError(f"BOT_DATABASE is not a valid PostgreSQL URL ({_one_line(exc)}): "
                          "give postgresql://user@host:port/database")
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return StoreError(f"cannot open the PostgreSQL database at {place}: {_one_line(exc)} "
                          "(create it with createdb, or name another in BOT_DATABASE)")
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError):
        return StoreError(f"the PostgreSQL server at {place} refused the login: {_one_line(exc)}")
    if isinstance(exc, TimeoutError):
        return StoreError(f"cannot reach the PostgreSQL server at {place}: no answer in {CONNECT_TIMEOUT:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return StoreError(f"cannot reach the PostgreSQL server at {place}: connection refused (is it running?)")
    if isinstance(exc, OSError):
        return StoreError(f"cannot reach the PostgreSQL server at {place}: {exc.strerror or _one_line(exc)}")
    return StoreError(f"cannot use the PostgreSQL database at {place}: {_one_line(exc)}")


async def set_up(conn: asyncpg.Connection) -> None:
    """Each new connection of the pool: jsonb in and out as Python values."""
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def migration_files() -> list[tuple[int, Path]]:
    """(number, file) of every migration, in order."""
    return sorted((int(p.name[:3]), p) for p in MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))


def newest_version() -> int:
    return migration_files()[-1][0]


async def schema_version(conn: asyncpg.Connection) -> int:
    """The version recorded in the database (0 for an empty one), without changing anything."""
    exists = await conn.fetchval(version_table_exists)
    return (await conn.fetchval(select_version) or 0) if exists else 0


async def migrate(conn: asyncpg.Connection, up_to: int | None = None) -> int:
    """Apply every migration newer than the database's version (up to `up_to`, default all), one
    transaction each; returns the version reached.

    Raises:
        StoreError: the database's version is newer than the newest migration here, or a
            migration failed (its transaction is rolled back; earlier ones stay).
    """
    known = migration_files()
    newest = known[-1][0]
    target = newest if up_to is None else up_to
    while True:
        async with conn.transaction():
            await conn.execute(take_migration_lock, MIGRATION_LOCK)
            await conn.execute(create_version_table)
            version = await conn.fetchval(select_version)
            if version is None:
                await conn.execute(insert_version)
                version = 0
            if version > newest:
                raise StoreError(f"the database was migrated by a newer debate-bot (schema version {version}; "
                                 f"this version knows up to {newest}): upgrade the bot or use another BOT_DATABASE")
            pending = [(n, p) for n, p in known if version < n <= target]
            if not pending:
                return version
            number, path = pending[0]
            log.info("applying migration postgres/%s", path.name)
            try:
                await conn.execute(path.read_text(encoding="utf-8"))
            except asyncpg.PostgresError as exc:
                raise StoreError(f"cannot migrate the database to version {number}: {exc}") from exc
            await conn.execute(update_version, number)
