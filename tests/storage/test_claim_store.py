"""The claims part of the store contract, on both engines: claims round-trip with their changes,
one rating per (claim, rater) that a second rating replaces, reveals, and maps kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.claims.tree import Claim
from bot.core.ports import Store
from tests.storage.engines import PostgresEngine, SqliteEngine

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> SqliteEngine | PostgresEngine:
    if request.param == "postgres":
        return PostgresEngine(request.getfixturevalue("postgres_url"))
    return SqliteEngine(tmp_path / "claims.db")


@pytest.fixture
async def store(engine) -> Store:
    store = await engine.open()
    yield store
    await store.close()


def claim(space: str = "debate:1", parent: int | None = None, side: str = "pro", text: str = "Masks fool cameras.",
          workspace: str = "g1") -> Claim:
    return Claim(0, space, "discord", workspace, parent, side, text, "u1", "Amy", NOW, channel="c1/t1")


async def test_a_claim_round_trips_and_keeps_its_changes(store):
    first = claim()
    first.id = await store.claims.add(first)
    second = claim(parent=first.id, side="con", text="Cameras learn — 学習する.")
    second.id = await store.claims.add(second)
    assert second.id > first.id >= 1
    assert await store.claims.load(second.id) == second
    second.text, second.edited_at, second.message_id = "Edited.", NOW + timedelta(minutes=1), "m9"
    second.parent_id = None
    await store.claims.save(second)
    first.removed_at, first.removed_by = NOW + timedelta(minutes=2), "teacher"
    await store.claims.save(first)
    assert await store.claims.in_space("debate:1", "discord", "g1") == [first, second]
    assert await store.claims.load(999) is None


async def test_one_rating_per_rater_and_claim_and_maps_apart(store):
    mine = claim()
    mine.id = await store.claims.add(mine)
    other = claim(space="discuss:1")
    other.id = await store.claims.add(other)
    elsewhere = claim(workspace="g2")
    elsewhere.id = await store.claims.add(elsewhere)
    assert await store.claims.rate(mine.id, "u2", 3, NOW) is None
    assert await store.claims.rate(mine.id, "u2", 1, NOW) == 3
    assert await store.claims.rate(mine.id, "h:ab", 4, datetime(1970, 1, 1, tzinfo=UTC)) is None
    assert await store.claims.rate(other.id, "u2", 2, NOW) is None
    await store.claims.rate(elsewhere.id, "u2", 0, NOW)
    assert await store.claims.ratings("debate:1", "discord", "g1") == {mine.id: {"u2": 1, "h:ab": 4}}
    assert await store.claims.ratings("discuss:1", "discord", "g1") == {other.id: {"u2": 2}}
    assert [c.id for c in await store.claims.in_space("debate:1", "discord", "g2")] == [elsewhere.id]


async def test_a_reveal_is_kept_once(store):
    assert not await store.claims.revealed("debate:1")
    await store.claims.reveal("debate:1", "teacher", NOW)
    await store.claims.reveal("debate:1", "other", NOW)  # a second reveal changes nothing
    assert await store.claims.revealed("debate:1") and not await store.claims.revealed("debate:2")


async def test_claims_survive_reopening(engine):
    store = await engine.open()
    c = claim()
    c.id = await store.claims.add(c)
    await store.claims.rate(c.id, "u2", 2, NOW)
    await store.close()
    store = await engine.open()
    try:
        assert await store.claims.load(c.id) == c
        assert await store.claims.ratings("debate:1", "discord", "g1") == {c.id: {"u2": 2}}
    finally:
        await store.close()
