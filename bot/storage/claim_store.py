"""SQL for argument maps (claims, impact ratings, reveals) on the SQLite store's connection."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.core.claims.tree import Claim
from bot.storage.sqlite_connection import SqliteConnection, _at, _dt, _ts

insert_claim = """
INSERT INTO claims (space, platform, workspace, parent_id, side, text, author_id, author_name, created_at,
    edited_at, removed_at, removed_by, channel, message_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
update_claim = """
UPDATE claims SET parent_id = ?, text = ?, edited_at = ?, removed_at = ?, removed_by = ?, channel = ?,
    message_id = ? WHERE id = ?
"""
select_claim = "SELECT * FROM claims WHERE id = ?"
select_claims_in = "SELECT * FROM claims WHERE space = ? AND platform = ? AND workspace = ? ORDER BY id"
select_rating = "SELECT impact FROM claim_ratings WHERE claim_id = ? AND rater = ?"
upsert_rating = """
INSERT INTO claim_ratings (claim_id, rater, impact, at) VALUES (?, ?, ?, ?)
ON CONFLICT (claim_id, rater) DO UPDATE SET impact = excluded.impact, at = excluded.at
"""
select_ratings_in = """
SELECT r.claim_id, r.rater, r.impact FROM claim_ratings r JOIN claims c ON c.id = r.claim_id
WHERE c.space = ? AND c.platform = ? AND c.workspace = ? ORDER BY r.claim_id, r.rater
"""
insert_reveal = "INSERT INTO claim_reveals (space, by, at) VALUES (?, ?, ?) ON CONFLICT (space) DO NOTHING"
select_reveal = "SELECT 1 FROM claim_reveals WHERE space = ?"


def claim_of(row: aiosqlite.Row | dict) -> Claim:
    return Claim(
        id=row["id"], space=row["space"], platform=row["platform"], workspace=row["workspace"],
        parent_id=row["parent_id"], side=row["side"], text=row["text"], author_id=row["author_id"],
        author_name=row["author_name"], created_at=_at(row["created_at"]), edited_at=_dt(row["edited_at"]),
        removed_at=_dt(row["removed_at"]), removed_by=row["removed_by"], channel=row["channel"],
        message_id=row["message_id"],
    )


class ClaimStore:
    """Claims on the store's connection; every write runs under the store's lock."""

    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    @property
    def db(self) -> aiosqlite.Connection:
        return self.store.db

    async def add(self, c: Claim) -> int:
        return await self.store.write(insert_claim, (
            c.space, c.platform, c.workspace, c.parent_id, c.side, c.text, c.author_id, c.author_name,
            _ts(c.created_at), _ts(c.edited_at), _ts(c.removed_at), c.removed_by, c.channel, c.message_id))

    async def save(self, c: Claim) -> None:
        await self.store.write(update_claim, (c.parent_id, c.text, _ts(c.edited_at), _ts(c.removed_at),
                                               c.removed_by, c.channel, c.message_id, c.id))

    async def load(self, claim_id: int) -> Claim | None:
        rows = list(await self.db.execute_fetchall(select_claim, (claim_id,)))
        return claim_of(rows[0]) if rows else None

    async def in_space(self, space: str, platform: str, workspace: str) -> list[Claim]:
        rows = await self.db.execute_fetchall(select_claims_in, (space, platform, workspace))
        return [claim_of(row) for row in rows]

    async def rate(self, claim_id: int, rater: str, impact: int, at: datetime) -> int | None:
        """Store the rating; the rater's previous impact for the claim, None for a first one."""
        async with self.store.lock:
            try:
                async with self.db.execute(select_rating, (claim_id, rater)) as cur:
                    row = await cur.fetchone()
                await self.db.execute(upsert_rating, (claim_id, rater, impact, _ts(at)))
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
        return row["impact"] if row is not None else None

    async def ratings(self, space: str, platform: str, workspace: str) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for row in await self.db.execute_fetchall(select_ratings_in, (space, platform, workspace)):
            out.setdefault(row["claim_id"], {})[row["rater"]] = row["impact"]
        return out

    async def reveal(self, space: str, by: str, at: datetime) -> None:
        await self.store.write(insert_reveal, (space, by, _ts(at)))

    async def revealed(self, space: str) -> bool:
        return bool(list(await self.db.execute_fetchall(select_reveal, (space,))))
