"""The generation of the classroom screen's links (`Store.screens`), on both engines: it starts at
0, each revocation counts it up by one, per (kind, target), and it survives a reopening."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.storage.engines import PostgresEngine, SqliteEngine

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> SqliteEngine | PostgresEngine:
    if request.param == "postgres":
        return PostgresEngine(request.getfixturevalue("postgres_url"))
    return SqliteEngine(tmp_path / "screens.db")


async def test_revoking_counts_the_generation_up_per_target_and_it_is_kept(engine):
    store = await engine.open()
    try:
        assert await store.screens.link_generation("debate", 1) == 0
        assert await store.screens.revoke_links("debate", 1, NOW) == 1
        assert await store.screens.revoke_links("debate", 1, NOW) == 2
        assert await store.screens.link_generation("poll", 1) == 0  # a poll of the same id is another target
        assert await store.screens.link_generation("debate", 2) == 0
    finally:
        await store.close()
    store = await engine.open()
    try:
        assert await store.screens.link_generation("debate", 1) == 2
    finally:
        await store.close()


async def test_revocations_at_once_are_each_counted(engine):
    store = await engine.open()
    try:
        generations = await asyncio.gather(*(store.screens.revoke_links("poll", 4, NOW) for _ in range(5)))
        assert sorted(generations) == [1, 2, 3, 4, 5]
        assert await store.screens.link_generation("poll", 4) == 5
    finally:
        await store.close()
