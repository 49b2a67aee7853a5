"""Migration 008: who held a side in a debate, kept when they leave it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.core.debates.model import ChannelRef, Debate, DebateState, Participant, Role
from bot.storage.sqlite import SqliteStore
from bot.storage.sqlite_connection import MIGRATIONS

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PLACE = ChannelRef("test", "w1", "c1")


async def test_a_side_held_outlives_leaving_and_a_change_of_role(tmp_path):
    store = await SqliteStore.open(tmp_path / "s.db")
    d = Debate(0, PLACE, PLACE, "m", "Title", "This house…", "quick", "en", "teacher", NOW)
    d.id = await store.create_debate(d)
    await store.save_participant(d.id, Participant("alice", "Alice", Role.PRO, NOW))
    await store.save_participant(d.id, Participant("carol", "Carol", Role.AUDIENCE, NOW))
    await store.save_participant(d.id, Participant("carol", "Carol", Role.CON, NOW))  # the UPSERT's update
    await store.remove_participant(d.id, "alice")
    await store.remove_participant(d.id, "carol")
    await store.save_participant(d.id, Participant("dan", "Dan", Role.AUDIENCE, NOW))
    held = {"alice": Role.PRO, "carol": Role.CON}
    assert [x.sides_held for x in await store.load_open_debates()] == [held]
    assert (await store.load_debate(d.id)).sides_held == held  # a reload keeps them too
    d.state = DebateState.ENDED
    await store.save_debate(d)
    assert await store.load_open_debates() == []  # only running debates are loaded
    await store.close()


async def test_migration_8_finds_the_debaters_of_a_file_from_before_it(tmp_path):
    """Current debaters from `participants`; one who left from their speeches."""
    path = tmp_path / "v4.db"
    db = sqlite3.connect(path)
    for script in sorted(MIGRATIONS.glob("00[1-4]_*.sql")):
        db.executescript(f"BEGIN;\n{script.read_text(encoding='utf-8')}\nPRAGMA user_version = {script.name[:3]};\nCOMMIT;")
    db.execute("INSERT INTO debates (id, platform, workspace, channel, parent_channel, motion_id, motion_title, "
               "motion_text, format_id, language, created_by, created_at, phase_index, state, anonymous, messages) "
               "VALUES (7, 'test', 'w1', 'c1', 'c1', 'm', 't', 'x', 'quick', 'en', 'teacher', ?, 1, 'running', 0, '{}')",
               (NOW.isoformat(),))
    db.executemany("INSERT INTO participants VALUES (7, ?, ?, ?, ?)",
                   [("alice", "Alice", "pro", NOW.isoformat()), ("eve", "Eve", "audience", NOW.isoformat())])
    db.executemany("INSERT INTO speeches (debate_id, phase_index, user_id, name, side, text, at) VALUES (7, 1, ?, ?, ?, ?, ?)",
                   [("bob", "Bob", "con", "I spoke, then left.", NOW.isoformat()),
                    ("eve", "Eve", "audience", "From the floor.", NOW.isoformat())])
    db.commit()
    db.close()

    store = await SqliteStore.open(path)
    assert [x.sides_held for x in await store.load_open_debates()] == [{"alice": Role.PRO, "bob": Role.CON}]
    await store.close()
