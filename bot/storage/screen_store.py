"""SQL for the classroom screen's link generations, on the shared SQLite connection of :class:`SqliteStore`."""

from __future__ import annotations

from datetime import datetime

from bot.storage.sqlite_connection import SqliteConnection, _ts

select_generation = "SELECT generation FROM screen_links WHERE kind = ? AND target = ?"
revoke_links = """
INSERT INTO screen_links (kind, target, generation, revoked_at) VALUES (?, ?, 1, ?)
ON CONFLICT (kind, target) DO UPDATE SET generation = screen_links.generation + 1, revoked_at = excluded.revoked_at
RETURNING generation
"""


class ScreenStore:
    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    async def link_generation(self, kind: str, target: int) -> int:
        rows = list(await self.store.db.execute_fetchall(select_generation, (kind, target)))
        return int(rows[0]["generation"]) if rows else 0

    async def revoke_links(self, kind: str, target: int, at: datetime) -> int:
        async with self.store.lock:
            try:
                rows = list(await self.store.db.execute_fetchall(revoke_links, (kind, target, _ts(at))))
                await self.store.db.commit()
            except BaseException:
                await self.store.db.rollback()
                raise
        return int(rows[0]["generation"])
