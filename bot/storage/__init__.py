"""The stores behind the core's `Store` port: SQLite (embedded, the default) and PostgreSQL
(several processes). All SQL of the project lives in this package."""

from __future__ import annotations

from pathlib import Path

from bot.core.ports import Store
from bot.storage.errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(database: str | Path) -> bool:
    return str(database).startswith(POSTGRES_SCHEMES)


def describe(database: str | Path) -> str:
    """`BOT_DATABASE` for a message or a log line: a PostgreSQL URL as `host:port/database`,
    never with its password; a SQLite file as given."""
    if is_postgres(database):
        from bot.storage.postgres_setup import where

        return where(str(database))
    return str(database)


async def open_store(database: str | Path) -> Store:
    """The store `BOT_DATABASE` names: a `postgresql://` URL, or else a SQLite file (or `:memory:`).

    Raises:
        StoreError: with one line saying what is wrong (see `bot.storage.errors`).
    """
    text = str(database)
    if is_postgres(text):
        from bot.storage.postgres import PostgresStore  # asyncpg is loaded only when asked for

        return await PostgresStore.open(text)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreError(f"BOT_DATABASE: unknown scheme {scheme!r}: give a SQLite file name or a postgresql:// URL")
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(text)


__all__ = ["StoreError", "is_postgres", "open_store"]
