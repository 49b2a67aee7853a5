"""Installations and OAuth states through the `Store` protocol, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.debates.model import ChannelRef, Debate, DebateState
from tests.storage.engines import PostgresEngine, SqliteEngine

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> SqliteEngine | PostgresEngine:
    if request.param == "postgres":
        return PostgresEngine(request.getfixturevalue("postgres_url"))
    return SqliteEngine(tmp_path / "installs.db")


@pytest.fixture
async def store(engine):
    store = await engine.open()
    yield store
    await store.close()


async def test_one_installation_per_workspace_the_latest_wins(store):
    inst = store.installations
    await inst.save("slack", "", "T1", "U1", b"sealed-1", NOW)
    await inst.save("slack", "", "T2", "U9", b"sealed-2", NOW)
    await inst.save("slack", "", "T1", "U2", b"sealed-3", NOW + timedelta(minutes=1))
    assert await inst.find("slack", "", "T1") == ("U2", b"sealed-3")
    assert await inst.find("slack", "", "T3") is None
    assert await inst.workspaces("slack") == ["T1", "T2"]
    assert await inst.delete("slack", "", "T1") is True
    assert await inst.delete("slack", "", "T1") is False
    assert await inst.find("slack", "", "T1") is None
    assert await inst.workspaces("slack") == ["T2"]


async def test_a_state_is_consumed_once_and_only_before_it_expires(store):
    inst = store.installations
    await inst.issue_state("s-fresh", NOW + timedelta(minutes=10), NOW)
    await inst.issue_state("s-old", NOW + timedelta(minutes=10), NOW)
    assert await inst.consume_state("s-fresh", NOW + timedelta(minutes=1)) is True
    assert await inst.consume_state("s-fresh", NOW + timedelta(minutes=1)) is False  # replayed
    assert await inst.consume_state("s-old", NOW + timedelta(minutes=11)) is False  # expired
    assert await inst.consume_state("never-issued", NOW) is False


async def test_ended_debates_of_a_workspace_newest_first(store):
    ids = []
    for n in range(4):
        place = ChannelRef("slack", "T1" if n < 3 else "T2", f"C{n}")
        d = Debate(0, place, place, "id-checks", "Title", "This house…", "quick", "en", "teacher", NOW)
        d.id = await store.create_debate(d)
        ids.append(d.id)
        if n != 1:
            loaded = await store.load_debate(d.id)
            loaded.state = DebateState.ENDED
            loaded.ended_at = NOW
            await store.save_debate(loaded)
    assert await store.ended_debates("slack", "T1") == [ids[2], ids[0]]
    assert await store.ended_debates("slack", "T1", limit=1) == [ids[2]]
    assert await store.ended_debates("slack", "T2") == [ids[3]]
