from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.core.debates.model import (
    AuditEntry,
    ChannelRef,
    Debate,
    DebateState,
    Participant,
    Question,
    Role,
    Speech,
    Stage,
    VoteRow,
)
from bot.storage.sqlite import SqliteStore
from bot.storage.sqlite_connection import MIGRATIONS

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def test_migrates_an_empty_file_to_the_latest_version(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    store = await SqliteStore.open(path)
    latest = max(int(p.name[:3]) for p in MIGRATIONS.glob("*.sql"))
    async with store.db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone())[0] == latest
    async with store.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with store.db.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1
    await store.close()
    again = await SqliteStore.open(path)  # a second open applies nothing twice
    assert await again.migrate() == latest
    await again.close()


async def test_a_debate_round_trips_with_everything_it_has(tmp_path):
    store = await SqliteStore.open(tmp_path / "d.db")
    parent = ChannelRef("discord", "g1", "c1")
    d = Debate(0, parent, parent, "id-checks", "Title", "This house…", "quick", "ja", "teacher", NOW,
               deadline=NOW + timedelta(seconds=120), anonymous=True)
    d.id = await store.create_debate(d)
    d.space = ChannelRef("discord", "g1", "thread-9")
    d.opening_message_id = "m1"
    d.tally_message_ids[Stage.PRE] = "m2"
    d.phase_index = 2
    d.state = DebateState.PAUSED
    d.paused_remaining = 42.5
    await store.save_debate(d)
    await store.save_participant(d.id, Participant("u1", "Alice", Role.PRO, NOW))
    await store.save_participant(d.id, Participant("u2", "Bob", Role.CON, NOW))
    await store.remove_participant(d.id, "u2")
    sid = await store.add_speech(d.id, Speech(0, 1, "u1", "Alice", "pro", "日本語の発言", NOW))
    qid = await store.add_question(d.id, Question(0, "u3", "Carol", "Why?", "pending", NOW))
    q = Question(qid, "u3", "Carol", "Why?", "rejected", NOW, "off topic")
    await store.save_question(q)
    await store.write_votes([VoteRow(d.id, "pre", "h:abc", "con", NOW), VoteRow(d.id, "pre", "h:abc", "pro", NOW)])

    [back] = await store.load_open_debates()
    assert back.space == d.space and back.parent == parent
    assert (back.phase_index, back.state, back.paused_remaining, back.language, back.anonymous) == (
        2, DebateState.PAUSED, 42.5, "ja", True)
    assert back.deadline == d.deadline and back.created_at == NOW
    assert back.opening_message_id == "m1" and back.tally_message_ids == {Stage.PRE: "m2"}
    assert list(back.participants) == ["u1"]
    assert back.speeches[0].id == sid and back.speeches[0].text == "日本語の発言"
    assert back.questions[0].status == "rejected" and back.questions[0].reason == "off topic"
    assert back.votes[Stage.PRE] == {"h:abc": "pro"}
    assert await store.last_debate_in(parent) == d.id
    await store.close()


async def test_audit_entries_and_channel_language(tmp_path):
    store = await SqliteStore.open(tmp_path / "a.db")
    for i in range(3):
        await store.add_audit(AuditEntry("slack", "T1", NOW, "mod", f"act{i}", target="u9" if i else ""))
    entries = await store.audit_entries("slack", "T1")
    assert [e.action for e in entries] == ["act2", "act1", "act0"]
    assert [e.action for e in await store.audit_entries("slack", "T1", user="u9")] == ["act2", "act1"]
    assert await store.audit_entries("slack", "T2") == []
    ref = ChannelRef("slack", "T1", "C1")
    assert await store.get_language(ref) is None
    await store.set_language(ref, "ja")
    assert await store.get_language(ref) == "ja"
    await store.close()


async def test_bookkeeping_rows_are_written_in_chunks_of_one_statement_each(tmp_path):
    """First sightings and vote flags: more rows than a chunk, repeats among them, all stored once."""
    from bot.storage import moderation_store
    from bot.storage.moderation_store import ModerationStore

    store = await SqliteStore.open(tmp_path / "b.db")
    place = ChannelRef("discord", "g1", "c1")
    did = await store.create_debate(Debate(0, place, place, "m", "t", "x", "quick", "en", "teacher", NOW))
    bookkeeping = ModerationStore(store)
    size = moderation_store.BOOKKEEPING_CHUNK * 2 + 7
    members = [("discord", "g1", f"h:{i % (size - 5)}", NOW + timedelta(seconds=i)) for i in range(size)]
    await bookkeeping.add_members(members)
    seen = await bookkeeping.members_seen()
    assert len(seen) == size - 5
    assert seen[("discord", "g1", "h:0")] == NOW  # the first sighting wins; the repeat is ignored
    await bookkeeping.add_vote_flags([(did, f"v{i}", "burst", "pre", NOW) for i in range(size)]
                                     + [(did, "v0", "burst", "pre", NOW), (did, "v0", "no_pre_vote", "post", NOW)])
    flags = await bookkeeping.vote_flags()
    assert len(flags) == size + 1
    assert sorted(r for d, v, r in flags if v == "v0") == ["burst", "no_pre_vote"]
    await store.close()


async def test_migration_4_keeps_first_sightings_and_flags_and_their_logs_append(tmp_path):
    """A file from before the bookkeeping logs: its rows survive; repeats read back once."""
    from bot.storage.moderation_store import ModerationStore

    path = tmp_path / "v3.db"
    db = sqlite3.connect(path)
    for script in sorted(MIGRATIONS.glob("00[1-3]_*.sql")):
        db.executescript(f"BEGIN;\n{script.read_text(encoding='utf-8')}\nPRAGMA user_version = {script.name[:3]};\nCOMMIT;")
    db.execute("INSERT INTO debates (id, platform, workspace, channel, parent_channel, motion_id, motion_title, "
               "motion_text, format_id, language, created_by, created_at, phase_index, state, anonymous, messages) "
               "VALUES (7, 'discord', 'g1', 'c1', 'c1', 'm', 't', 'x', 'quick', 'en', 'teacher', ?, 0, 'running', 0, '{}')",
               (NOW.isoformat(),))
    db.execute("INSERT INTO members_seen VALUES ('discord', 'g1', 'h:aa', ?)", (NOW.isoformat(),))
    db.execute("INSERT INTO vote_flags VALUES (7, 'v1', 'burst', 'pre', ?)", (NOW.isoformat(),))
    db.commit()
    db.close()

    store = await SqliteStore.open(path)
    bookkeeping = ModerationStore(store)
    assert await bookkeeping.members_seen() == {("discord", "g1", "h:aa"): NOW}
    assert await bookkeeping.vote_flags() == [(7, "v1", "burst")]
    later = NOW + timedelta(minutes=5)
    await bookkeeping.add_members([("discord", "g1", "h:aa", later), ("discord", "g1", "h:bb", later)])
    await bookkeeping.add_vote_flags([(7, "v1", "burst", "pre", later), (7, "v2", "burst", "pre", later)])
    assert await bookkeeping.members_seen() == {("discord", "g1", "h:aa"): NOW, ("discord", "g1", "h:bb"): later}
    assert sorted(await bookkeeping.vote_flags()) == [(7, "v1", "burst"), (7, "v2", "burst")]
    await store.db.execute("DELETE FROM debates WHERE id = 7")  # a deleted debate takes its flags along
    await store.db.commit()
    assert await bookkeeping.vote_flags() == []
    await store.close()


async def test_without_aiosqlites_hand_off_rows_go_in_by_steps_all_or_none(tmp_path):
    """Should aiosqlite ever drop its private hand-off, the store writes the same rows with
    executemany in one transaction; a batch with a bad row stores none of them."""

    class WithoutHandOff:
        def __init__(self, db):
            self._db = db

        def __getattr__(self, name):
            if name == "_execute":
                raise AttributeError(name)
            return getattr(self._db, name)

    store = await SqliteStore.open(tmp_path / "s.db")
    place = ChannelRef("discord", "g1", "c1")
    did = await store.create_debate(Debate(0, place, place, "m", "t", "x", "quick", "en", "teacher", NOW))
    real = store.db
    store.db = WithoutHandOff(real)
    await store.write_votes([VoteRow(did, "pre", "a", "pro", NOW), VoteRow(did, "pre", "a", "con", NOW),
                             VoteRow(did, "pre", "b", "undecided", NOW)])
    try:
        await store.write_votes([VoteRow(did, "pre", "c", "pro", NOW), VoteRow(did + 99, "pre", "d", "pro", NOW)])
    except sqlite3.IntegrityError:
        pass
    else:
        raise AssertionError("a ballot for a debate that does not exist was stored")
    store.db = real
    async with real.execute("SELECT voter, choice FROM votes ORDER BY voter") as cur:
        assert [tuple(r) for r in await cur.fetchall()] == [("a", "con"), ("b", "undecided")]
    await store.close()


async def test_a_delivery_is_claimed_once_even_after_a_reopen(tmp_path):
    store = await SqliteStore.open(tmp_path / "d.db")
    assert await store.claim_delivery("slack:T1:action:1", NOW) is True
    assert await store.claim_delivery("slack:T1:action:1", NOW) is False
    await store.close()
    store = await SqliteStore.open(tmp_path / "d.db")
    assert await store.claim_delivery("slack:T1:action:1", NOW + timedelta(minutes=5)) is False
    assert await store.claim_delivery("slack:T1:action:2", NOW) is True
    await store.close()


async def test_an_edit_turn_is_taken_only_once_the_interval_has_passed(tmp_path):
    store = await SqliteStore.open(tmp_path / "e.db")
    assert await store.claim_edit("1:pre", NOW, 3.0) is None  # never edited: the turn is ours
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=2.9), 3.0) == NOW  # too soon: when it was
    await store.record_edit("1:pre", NOW + timedelta(seconds=0.5))  # the edit landed half a second later
    assert await store.last_edit("1:pre") == NOW + timedelta(seconds=0.5)
    await store.record_edit("1:pre", NOW)  # an older landing never moves it back
    assert await store.last_edit("1:pre") == NOW + timedelta(seconds=0.5)
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=3.4), 3.0) == NOW + timedelta(seconds=0.5)
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=3.5), 3.0) is None
    assert await store.claim_edit("poll:1", NOW, 3.0) is None  # each message has its own
    await store.close()
