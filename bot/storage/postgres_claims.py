"""SQL for argument maps on the `PostgresStore`'s pool (the same behaviour as `ClaimStore`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from bot.core.claims.tree import Claim
from bot.storage.postgres_connection import PostgresConnection

insert_claim = """
INSERT INTO claims (space, platform, workspace, parent_id, side, text, author_id, author_name, created_at,
    edited_at, removed_at, removed_by, channel, message_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id
"""
update_claim = """
UPDATE claims SET parent_id = $1, text = $2, edited_at = $3, removed_at = $4, removed_by = $5, channel = $6,
    message_id = $7 WHERE id = $8
"""
select_claim = "SELECT * FROM claims WHERE id = $1"
select_claims_in = "SELECT * FROM claims WHERE space = $1 AND platform = $2 AND workspace = $3 ORDER BY id"
# The previous rating is read under a row lock in the same transaction as the upsert, so two
# processes rating for one person at once each report the rating they replaced.
select_rating = "SELECT impact FROM claim_ratings WHERE claim_id = $1 AND rater = $2 FOR UPDATE"
upsert_rating = """
INSERT INTO claim_ratings (claim_id, rater, impact, at) VALUES ($1, $2, $3, $4)
ON CONFLICT (claim_id, rater) DO UPDATE SET impact = excluded.impact, at = excluded.at
"""
select_ratings_in = """
SELECT r.claim_id, r.rater, r.impact FROM claim_ratings r JOIN claims c ON c.id = r.claim_id
WHERE c.space = $1 AND c.platform = $2 AND c.workspace = $3 ORDER BY r.claim_id, r.rater COLLATE "C"
"""
insert_reveal = "INSERT INTO claim_reveals (space, by, at) VALUES ($1, $2, $3) ON CONFLICT (space) DO NOTHING"
select_reveal = "SELECT 1 FROM claim_reveals WHERE space = $1"


def _claim(row: asyncpg.Record) -> Claim:
    return Claim(
        id=row["id"], space=row["space"], platform=row["platform"], workspace=row["workspace"],
        parent_id=row["parent_id"], side=row["side"], text=row["text"], author_id=row["author_id"],
        author_name=row["author_name"], created_at=row["created_at"], edited_at=row["edited_at"],
        removed_at=row["removed_at"], removed_by=row["removed_by"], channel=row["channel"],
        message_id=row["message_id"],
    )


class PgClaimStore:
    """Claims on the store's pool."""

    def __init__(self, store: PostgresConnection) -> None:
        self.store = store

    @property
    def pool(self) -> asyncpg.Pool:
        return self.store.pool

    async def add(self, c: Claim) -> int:
        return await self.pool.fetchval(
            insert_claim, c.space, c.platform, c.workspace, c.parent_id, c.side, c.text, c.author_id,
            c.author_name, c.created_at, c.edited_at, c.removed_at, c.removed_by, c.channel, c.message_id)

    async def save(self, c: Claim) -> None:
        await self.pool.execute(update_claim, c.parent_id, c.text, c.edited_at, c.removed_at, c.removed_by,
                                c.channel, c.message_id, c.id)

    async def load(self, claim_id: int) -> Claim | None:
        row = await self.pool.fetchrow(select_claim, claim_id)
        return _claim(row) if row is not None else None

    async def in_space(self, space: str, platform: str, workspace: str) -> list[Claim]:
        return [_claim(row) for row in await self.pool.fetch(select_claims_in, space, platform, workspace)]

    async def rate(self, claim_id: int, rater: str, impact: int, at: datetime) -> int | None:
        async with self.pool.acquire() as conn, conn.transaction():
            before = await conn.fetchval(select_rating, claim_id, rater)
            await conn.execute(upsert_rating, claim_id, rater, impact, at)
        return before

    async def ratings(self, space: str, platform: str, workspace: str) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for row in await self.pool.fetch(select_ratings_in, space, platform, workspace):
            out.setdefault(row["claim_id"], {})[row["rater"]] = row["impact"]
        return out

    async def reveal(self, space: str, by: str, at: datetime) -> None:
        await self.pool.execute(insert_reveal, space, by, at)

    async def revealed(self, space: str) -> bool:
        return await self.pool.fetchval(select_reveal, space) is not None
