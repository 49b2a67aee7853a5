"""Installations and OAuth states (migration 010) on the `SqliteStore`'s connection and write lock."""

from __future__ import annotations

from datetime import datetime

from bot.storage.sqlite_connection import SqliteConnection, _ts

upsert_installation = """
INSERT INTO installations (platform, enterprise, workspace, user_id, sealed, at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, enterprise, workspace) DO UPDATE SET user_id = excluded.user_id,
    sealed = excluded.sealed, at = excluded.at
"""
select_installation = """
SELECT user_id, sealed FROM installations WHERE platform = ? AND enterprise = ? AND workspace = ?
"""
delete_installation = "DELETE FROM installations WHERE platform = ? AND enterprise = ? AND workspace = ?"
select_workspaces = "SELECT DISTINCT workspace FROM installations WHERE platform = ? ORDER BY workspace"
insert_state = "INSERT INTO oauth_states (state, expires) VALUES (?, ?)"
prune_states = "DELETE FROM oauth_states WHERE expires <= ?"
# single use: the one DELETE that finds the row, and only while it has not expired, consumes it
consume_state = "DELETE FROM oauth_states WHERE state = ? AND expires > ?"


class InstallStore:
    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    async def save(self, platform: str, enterprise: str, workspace: str, user_id: str, sealed: bytes,
                   at: datetime) -> None:
        await self.store.write(upsert_installation, (platform, enterprise, workspace, user_id, sealed, _ts(at)))

    async def find(self, platform: str, enterprise: str, workspace: str) -> tuple[str, bytes] | None:
        rows = list(await self.store.db.execute_fetchall(select_installation, (platform, enterprise, workspace)))
        return (rows[0]["user_id"], bytes(rows[0]["sealed"])) if rows else None

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        async with self.store.lock:
            cur = await self.store.db.execute(delete_installation, (platform, enterprise, workspace))
            await self.store.db.commit()
        return cur.rowcount > 0

    async def workspaces(self, platform: str) -> list[str]:
        return [r["workspace"] for r in await self.store.db.execute_fetchall(select_workspaces, (platform,))]

    async def issue_state(self, state: str, expires: datetime, now: datetime) -> None:
        async with self.store.lock:
            await self.store.db.execute(prune_states, (_ts(now),))
            await self.store.db.execute(insert_state, (state, _ts(expires)))
            await self.store.db.commit()

    async def consume_state(self, state: str, now: datetime) -> bool:
        async with self.store.lock:
            cur = await self.store.db.execute(consume_state, (state, _ts(now)))
            await self.store.db.commit()
        return cur.rowcount == 1
