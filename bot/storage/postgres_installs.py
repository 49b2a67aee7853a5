"""Installations and OAuth states on the `PostgresStore`'s pool (the same behaviour as `InstallStore`)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.postgres_connection import PostgresConnection

upsert_installation = """
INSERT INTO installations (platform, enterprise, workspace, user_id, sealed, at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (platform, enterprise, workspace) DO UPDATE SET user_id = excluded.user_id,
    sealed = excluded.sealed, at = excluded.at
"""
select_installation = """
SELECT user_id, sealed FROM installations WHERE platform = $1 AND enterprise = $2 AND workspace = $3
"""
delete_installation = """
DELETE FROM installations WHERE platform = $1 AND enterprise = $2 AND workspace = $3 RETURNING workspace
"""
select_workspaces = "SELECT DISTINCT workspace FROM installations WHERE platform = $1 ORDER BY workspace"
insert_state = "INSERT INTO oauth_states (state, expires) VALUES ($1, $2)"
prune_states = "DELETE FROM oauth_states WHERE expires <= $1"
# single use across processes: of two redirects with one state, one DELETE finds the row
consume_state = "DELETE FROM oauth_states WHERE state = $1 AND expires > $2 RETURNING state"


class PgInstallStore:
    def __init__(self, store: PostgresConnection) -> None:
        self.pool = store.pool

    async def save(self, platform: str, enterprise: str, workspace: str, user_id: str, sealed: bytes,
                   at: datetime) -> None:
        await self.pool.execute(upsert_installation, platform, enterprise, workspace, user_id, sealed, at)

    async def find(self, platform: str, enterprise: str, workspace: str) -> tuple[str, bytes] | None:
        row = await self.pool.fetchrow(select_installation, platform, enterprise, workspace)
        return (row["user_id"], bytes(row["sealed"])) if row is not None else None

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        return await self.pool.fetchval(delete_installation, platform, enterprise, workspace) is not None

    async def workspaces(self, platform: str) -> list[str]:
        return [r["workspace"] for r in await self.pool.fetch(select_workspaces, platform)]

    async def issue_state(self, state: str, expires: datetime, now: datetime) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(prune_states, now)
            await conn.execute(insert_state, state, expires)

    async def consume_state(self, state: str, now: datetime) -> bool:
        return await self.pool.fetchval(consume_state, state, now) is not None
