"""SQL for the classroom screen's link generations on the `PostgresStore`'s pool (as `ScreenStore`)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.postgres_connection import PostgresConnection

select_generation = "SELECT generation FROM screen_links WHERE kind = $1 AND target = $2"
# one statement: two processes revoking at once each count the generation up, neither is lost
revoke_links = """
INSERT INTO screen_links (kind, target, generation, revoked_at) VALUES ($1, $2, 1, $3)
ON CONFLICT (kind, target) DO UPDATE SET generation = screen_links.generation + 1, revoked_at = excluded.revoked_at
RETURNING generation
"""


class PgScreenStore:
    def __init__(self, store: PostgresConnection) -> None:
        self.store = store

    async def link_generation(self, kind: str, target: int) -> int:
        value = await self.store.pool.fetchval(select_generation, kind, target)
        return int(value) if value is not None else 0

    async def revoke_links(self, kind: str, target: int, at: datetime) -> int:
        return int(await self.store.pool.fetchval(revoke_links, kind, target, at))
