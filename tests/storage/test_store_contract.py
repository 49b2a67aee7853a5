"""The store contract: every behaviour the services rely on, through the `Store` protocol, on both
engines. A test here passes on SQLite and on PostgreSQL or it is a bug in one of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

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
from bot.core.moderation.rules import Discussion, Mute, Strike
from bot.core.polls.model import BallotRow, Poll
from bot.core.ports import StaleDebate, Store
from bot.storage import StoreError
from tests.storage.engines import PostgresEngine, SqliteEngine

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PLACE = ChannelRef("discord", "g1", "c1")
TOKYO = timezone(timedelta(hours=9))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> SqliteEngine | PostgresEngine:
    if request.param == "postgres":
        return PostgresEngine(request.getfixturevalue("postgres_url"))
    return SqliteEngine(tmp_path / "contract.db")


@pytest.fixture
async def store(engine) -> Store:
    store = await engine.open()
    yield store
    await store.close()


def debate(place: ChannelRef = PLACE, **kw) -> Debate:
    return Debate(0, place, place, "id-checks", "Title", "This house…", "quick", "en", "teacher", NOW, **kw)


async def new_debate(store: Store, place: ChannelRef = PLACE, **kw) -> int:
    return await store.create_debate(debate(place, **kw))


# --- debates ---


async def test_a_debate_round_trips_with_everything_it_has(store):
    d = debate(deadline=NOW + timedelta(seconds=120), anonymous=True)
    d.language = "ja"
    d.id = await store.create_debate(d)
    d.space = ChannelRef("discord", "g1", "thread-9")
    d.opening_message_id = "m1"
    d.tally_message_ids[Stage.PRE] = "m2"
    d.phase_index, d.state, d.paused_remaining = 2, DebateState.PAUSED, 42.5
    await store.save_debate(d)
    for user, name, role in [("u2", "Bob", Role.CON), ("u1", "Alice", Role.PRO), ("u3", "Carol", Role.AUDIENCE)]:
        await store.save_participant(d.id, Participant(user, name, role, NOW))
    await store.save_participant(d.id, Participant("u3", "Carol C.", Role.AUDIENCE, NOW + timedelta(seconds=5)))
    await store.remove_participant(d.id, "u2")
    first = await store.add_speech(d.id, Speech(0, 1, "u1", "Alice", "pro", "日本語の発言", NOW))
    second = await store.add_speech(d.id, Speech(0, 2, "u1", "Alice", "pro", "again", NOW + timedelta(seconds=1)))
    qid = await store.add_question(d.id, Question(0, "u3", "Carol", "Why?", "pending", NOW))
    await store.save_question(Question(qid, "u3", "Carol", "Why?", "rejected", NOW, "off topic"))
    await store.write_votes([VoteRow(d.id, "pre", "h:abc", "con", NOW), VoteRow(d.id, "post", "h:abc", "pro", NOW)])

    for back in [(await store.load_open_debates())[0], await store.load_debate(d.id)]:
        assert back.id == d.id and back.space == d.space and back.parent == PLACE
        assert (back.phase_index, back.state, back.paused_remaining, back.language, back.anonymous) == (
            2, DebateState.PAUSED, 42.5, "ja", True)
        assert back.deadline == d.deadline and back.created_at == NOW and back.ended_at is None
        assert back.deadline.utcoffset() == timedelta(0)
        assert back.opening_message_id == "m1" and back.tally_message_ids == {Stage.PRE: "m2"}
        assert list(back.participants) == ["u1", "u3"]  # by user id
        assert back.participants["u3"].name == "Carol C." and back.participants["u3"].joined_at == NOW
        assert [(s.id, s.text) for s in back.speeches] == [(first, "日本語の発言"), (second, "again")]
        assert second > first
        [q] = back.questions
        assert (q.id, q.status, q.reason, q.at) == (qid, "rejected", "off topic", NOW)
        assert back.votes == {Stage.PRE: {"h:abc": "con"}, Stage.POST: {"h:abc": "pro"}}
    assert await store.load_debate(d.id + 1000) is None


async def test_open_debates_leave_ended_ones_out_and_come_in_id_order(store):
    a = await new_debate(store)
    b = await new_debate(store, ChannelRef("discord", "g1", "c2"))
    c = await new_debate(store, ChannelRef("discord", "g1", "c3"))
    ended = await store.load_debate(b)
    ended.state, ended.ended_at = DebateState.ENDED, NOW
    await store.save_debate(ended)
    await store.write_votes([VoteRow(b, "pre", "v", "pro", NOW), VoteRow(c, "pre", "v", "con", NOW)])
    assert [d.id for d in await store.load_open_debates()] == [a, c]
    assert (await store.load_debate(b)).ended_at == NOW
    await store.delete_debate(c)  # and its rows with it
    assert [d.id for d in await store.load_open_debates()] == [a]
    assert await store.load_debate(c) is None


async def test_last_debate_in_a_channel_or_its_thread(store):
    assert await store.last_debate_in(PLACE) is None
    first = await new_debate(store)
    d = debate()
    d.id = await store.create_debate(d)
    d.space = ChannelRef("discord", "g1", "thread-1")
    await store.save_debate(d)
    assert await store.last_debate_in(PLACE) == d.id  # the newest started here
    assert await store.last_debate_in(d.space) == d.id  # and by its thread
    assert await store.last_debate_in(ChannelRef("discord", "g2", "c1")) is None  # another workspace
    assert first < d.id


# --- votes ---


async def test_votes_the_last_ballot_of_a_voter_wins_within_and_across_batches(store):
    did = await new_debate(store)
    later = NOW + timedelta(seconds=3)
    await store.write_votes([VoteRow(did, "pre", "a", "pro", NOW), VoteRow(did, "pre", "b", "con", NOW),
                             VoteRow(did, "pre", "a", "con", NOW), VoteRow(did, "pre", "a", "undecided", later)])
    await store.write_votes([VoteRow(did, "pre", "b", "pro", later), VoteRow(did, "post", "a", "pro", later)])
    await store.write_votes([])
    d = await store.load_debate(did)
    assert d.votes == {Stage.PRE: {"a": "undecided", "b": "pro"}, Stage.POST: {"a": "pro"}}


async def test_a_batch_with_a_bad_ballot_stores_none_of_it(store):
    did = await new_debate(store)
    await store.write_votes([VoteRow(did, "pre", "a", "pro", NOW)])
    with pytest.raises(Exception):  # noqa: B017 - each engine's own integrity error
        await store.write_votes([VoteRow(did, "pre", "a", "con", NOW), VoteRow(did + 99, "pre", "x", "pro", NOW)])
    assert (await store.load_debate(did)).votes[Stage.PRE] == {"a": "pro"}


async def test_many_ballots_in_one_batch(store):
    did = await new_debate(store)
    rows = [VoteRow(did, "pre", f"v{i % 7000}", "pro" if i < 7000 else "con", NOW) for i in range(9000)]
    await store.write_votes(rows)
    votes = (await store.load_debate(did)).votes[Stage.PRE]
    assert len(votes) == 7000 and sum(c == "con" for c in votes.values()) == 2000


# --- polls ---


def poll(**kw) -> Poll:
    base = dict(id=0, channel=PLACE, question="Best drink?", options=["tea", "coffee", "水"], mode="ranked",
                max_choices=3, anonymous=False, tally="live", language="en", created_by="teacher", created_at=NOW)
    return Poll(**(base | kw))


async def test_a_poll_round_trips_and_keeps_the_zone_of_its_deadline(store):
    closes = datetime(2026, 11, 22, 20, 0, tzinfo=TOKYO)
    p = poll(closes_at=closes, anonymous=True, tally="hidden")
    p.id = await store.polls.create(p)
    back = await store.polls.load(p.id)
    assert (back.question, back.options, back.mode, back.max_choices, back.anonymous, back.tally) == (
        "Best drink?", ["tea", "coffee", "水"], "ranked", 3, True, "hidden")
    assert back.created_at == NOW and back.closes_at == closes
    assert back.closes_at.utcoffset() == timedelta(hours=9)  # shown in the zone it was given in
    assert back.closed_at is None and back.open
    p.closed_at, p.closed_by, p.message_id = closes, "deadline", "msg-1"
    await store.polls.save(p)
    back = await store.polls.load(p.id)
    assert (back.closed_at, back.closed_by, back.message_id) == (closes, "deadline", "msg-1")
    assert back.closed_at.utcoffset() == timedelta(hours=9)
    assert await store.polls.load(p.id + 1000) is None


async def test_ballots_and_withdrawals_in_order_within_and_across_batches(store):
    pid = await store.polls.create(poll())
    await store.polls.write_ballots([
        BallotRow(pid, "a", (0, 2), NOW, "Ann"), BallotRow(pid, "b", (1,), NOW, "Ben"),
        BallotRow(pid, "a", None, NOW), BallotRow(pid, "c", (2,), NOW), BallotRow(pid, "c", (1, 0), NOW, "Cy"),
        BallotRow(pid, "d", None, NOW),  # withdrawing what was never cast
    ])
    p = await store.polls.load(pid)
    assert p.ballots == {"b": (1,), "c": (1, 0)} and p.names == {"b": "Ben", "c": "Cy"}
    await store.polls.write_ballots([BallotRow(pid, "b", None, NOW), BallotRow(pid, "a", (2, 1, 0), NOW),
                                     BallotRow(pid, "b", (0,), NOW)])
    p = await store.polls.load(pid)
    assert p.ballots == {"a": (2, 1, 0), "b": (0,), "c": (1, 0)}
    assert list(p.ballots) == ["a", "b", "c"]  # by voter
    assert p.names == {"c": "Cy"}  # b's new ballot came without a name
    await store.polls.write_ballots([BallotRow(pid, "c", None, NOW)])
    assert (await store.polls.load(pid)).ballots == {"a": (2, 1, 0), "b": (0,)}


async def test_open_polls_and_the_polls_of_a_channel(store):
    other = ChannelRef("discord", "g1", "elsewhere")
    ids = [await store.polls.create(poll(question=f"q{i}")) for i in range(4)]
    elsewhere = await store.polls.create(poll(channel=other))
    for closed in (ids[0], ids[2]):
        p = await store.polls.load(closed)
        p.closed_at, p.closed_by = NOW, "moderator"
        await store.polls.save(p)
    await store.polls.write_ballots([BallotRow(ids[1], "v", (0,), NOW), BallotRow(ids[0], "v", (1,), NOW)])
    open_polls = await store.polls.load_open()
    assert [p.id for p in open_polls] == [ids[1], ids[3], elsewhere]
    assert open_polls[0].ballots == {"v": (0,)}
    listed = await store.polls.in_channel(PLACE)
    assert [p.id for p in listed] == [ids[3], ids[1], ids[2], ids[0]]  # open first, newest first
    assert all(p.ballots == {} for p in listed)  # without their ballots
    assert [p.id for p in await store.polls.in_channel(PLACE, limit=3)] == [ids[3], ids[1], ids[2]]
    assert [p.id for p in await store.polls.in_channel(ChannelRef("slack", "g1", "c1"))] == []


# --- moderation ---


async def test_strikes_since_a_time_oldest_first(store):
    m = store.moderation
    ids = [await m.add_strike("discord", "g1", Strike(0, "u1", NOW + timedelta(minutes=i), f"r{i}", "mod", 7))
           for i in (2, 0, 1)]
    await m.add_strike("discord", "g2", Strike(0, "u1", NOW, "elsewhere", "mod"))
    await m.add_strike("discord", "g1", Strike(0, "u2", NOW, "someone else", "mod"))
    found = await m.strikes_since("discord", "g1", "u1", NOW)  # after NOW, not at it
    assert [(s.reason, s.at) for s in found] == [("r1", NOW + timedelta(minutes=1)), ("r2", NOW + timedelta(minutes=2))]
    assert [s.id for s in found] == [ids[2], ids[0]] and found[0].by == "mod" and found[0].debate_id == 7
    assert [s.debate_id for s in await m.strikes_since("discord", "g2", "u1", NOW - timedelta(hours=1))] == [None]


async def test_mutes_are_one_per_user_and_workspace(store):
    m = store.moderation
    await m.save_mute(Mute("slack", "T1", "u2", NOW + timedelta(minutes=10), "spam", "mod", "C1"))
    await m.save_mute(Mute("discord", "g1", "u1", NOW, "first", "mod"))
    await m.save_mute(Mute("discord", "g1", "u1", NOW + timedelta(minutes=5), "again", "mod2", "c9"))
    assert await m.mutes() == [Mute("discord", "g1", "u1", NOW + timedelta(minutes=5), "again", "mod2", "c9"),
                               Mute("slack", "T1", "u2", NOW + timedelta(minutes=10), "spam", "mod", "C1")]
    await m.delete_mute("discord", "g1", "u1")
    await m.delete_mute("discord", "g1", "nobody")
    assert [x.user_id for x in await m.mutes()] == ["u2"]


async def test_removals_slow_mode_and_dropping_a_scope(store):
    m = store.moderation
    await m.add_removal("debate:2", "u1", "discord", "g1", NOW, "strikes")
    await m.add_removal("debate:2", "u1", "discord", "g1", NOW, "again")  # once is enough
    await m.add_removal("debate:1", "u2", "discord", "g1", NOW, "")
    await m.add_removal("discuss:1", "u1", "discord", "g1", NOW, "")
    await m.set_slowmode("debate:2", 30)
    await m.set_slowmode("debate:2", 45)
    await m.set_slowmode("discuss:1", 10)
    await m.set_slowmode("debate:9", 0)  # off: nothing stored
    assert await m.removals() == [("debate:1", "u2"), ("debate:2", "u1"), ("discuss:1", "u1")]
    assert await m.slowmodes() == {"debate:2": 45, "discuss:1": 10}
    await m.drop_scope("debate:2")
    assert await m.removals() == [("debate:1", "u2"), ("discuss:1", "u1")]
    assert await m.slowmodes() == {"discuss:1": 10}
    await m.set_slowmode("discuss:1", 0)
    assert await m.slowmodes() == {}


async def test_word_lists_roles_and_the_log_channel_per_workspace(store):
    m = store.moderation
    for word, allowed in [("zeta", False), ("Alpha", False), ("beta", False), ("beta", True), ("émoi", True),
                          ("zeta", False)]:
        await m.add_filter_word("discord", "g1", word, allowed, "mod", NOW)
    await m.add_filter_word("discord", "g2", "other", False, "mod", NOW)
    assert await m.filter_words("discord", "g1") == (["Alpha", "beta", "zeta"], ["beta", "émoi"])
    await m.remove_filter_word("discord", "g1", "beta", True)
    await m.remove_filter_word("discord", "g1", "missing", False)
    assert await m.filter_words("discord", "g1") == (["Alpha", "beta", "zeta"], ["émoi"])
    assert await m.filter_words("slack", "g1") == ([], [])

    for role in ["mods", "Admins", "mods", "helpers"]:
        await m.add_role("discord", "g1", role)
    await m.add_role("discord", "g2", "elsewhere")
    assert await m.roles("discord", "g1") == ["Admins", "helpers", "mods"]
    await m.remove_role("discord", "g1", "helpers")
    assert await m.roles("discord", "g1") == ["Admins", "mods"]

    await m.set_log_channel("discord", "g1", "c-log")
    await m.set_log_channel("discord", "g1", "c-log2")
    await m.set_log_channel("slack", "T1", "C-log")
    await m.set_log_channel("slack", "T2", None)
    assert await m.log_channels() == {("discord", "g1"): "c-log2", ("slack", "T1"): "C-log"}
    await m.set_log_channel("discord", "g1", None)
    assert await m.log_channels() == {("slack", "T1"): "C-log"}


async def test_discussions_open_move_and_close(store):
    m = store.moderation
    place = ChannelRef("slack", "T1", "C1")
    first = await m.create_discussion(Discussion(0, place, place, "Masks in shops", "ja", "mod", NOW))
    second = await m.create_discussion(Discussion(0, place, place, "Second", "en", "mod", NOW))
    await m.set_discussion_channel(first, "C1/thread-5")
    [a, b] = await m.open_discussions()
    assert a == Discussion(first, ChannelRef("slack", "T1", "C1/thread-5"), place, "Masks in shops", "ja", "mod", NOW)
    assert b.id == second
    await m.close_discussion(first, NOW + timedelta(hours=1))
    assert [d.id for d in await m.open_discussions()] == [second]


async def test_vote_flags_late_joins_and_first_sightings(store):
    m = store.moderation
    did = await new_debate(store)
    ended = await new_debate(store, ChannelRef("discord", "g1", "c2"))
    await m.add_vote_flags([(did, "v2", "burst", "pre", NOW), (did, "v1", "burst", "pre", NOW),
                            (did, "v1", "no_pre_vote", "post", NOW)])
    await m.add_vote_flags([(did, "v1", "burst", "pre", NOW + timedelta(seconds=1))])  # a log: read once
    await m.add_vote_flags([])
    assert sorted(await m.vote_flags()) == [(did, "v1", "burst"), (did, "v1", "no_pre_vote"), (did, "v2", "burst")]

    await m.add_late_join(did, "u2", NOW)
    await m.add_late_join(did, "u1", NOW)
    await m.add_late_join(did, "u1", NOW + timedelta(seconds=1))
    await m.add_late_join(ended, "u3", NOW)
    d = await store.load_debate(ended)
    d.state = DebateState.ENDED
    await store.save_debate(d)
    assert sorted(await m.late_joins()) == [(did, "u1"), (did, "u2")]  # of running debates only
    await m.drop_late_joins(did)
    assert await m.late_joins() == []

    later = NOW + timedelta(minutes=5)
    await m.add_members([("discord", "g1", "h:aa", later), ("discord", "g1", "h:bb", NOW)])
    await m.add_members([("discord", "g1", "h:aa", NOW), ("slack", "T1", "h:aa", later)])
    await m.add_members([])
    assert await m.members_seen() == {("discord", "g1", "h:aa"): NOW, ("discord", "g1", "h:bb"): NOW,
                                      ("slack", "T1", "h:aa"): later}
    await store.delete_debate(did)  # a deleted debate takes its flags along
    assert await m.vote_flags() == []


async def test_the_bookkeeping_writers_have_no_drain_or_one_that_stores_like_the_plain_write(store):
    """PostgreSQL has no drain (NotImplementedError: the writer then writes from the event loop);
    SQLite's stores the same rows as `add_*`. Either way the rows end up stored."""
    from bot.core.kernel.writer import GroupCommitWriter

    m = store.moderation
    did = await new_debate(store)
    writers = [GroupCommitWriter(store.write_votes, drain=store.drain_votes),
               GroupCommitWriter(m.add_vote_flags, drain=m.drain_vote_flags),
               GroupCommitWriter(m.add_members, drain=m.drain_members),
               GroupCommitWriter(store.polls.write_ballots, drain=store.polls.drain_ballots)]
    pid = await store.polls.create(poll())
    votes, flags, members, ballots = writers
    done = [votes.submit(VoteRow(did, "pre", f"v{i}", "pro", NOW)) for i in range(50)]
    flags.enqueue((did, "v1", "burst", "pre", NOW))
    members.enqueue(("discord", "g1", "h:1", NOW))
    done += [ballots.submit(BallotRow(pid, "v1", (0,), NOW)), ballots.submit(BallotRow(pid, "v1", None, NOW)),
             ballots.submit(BallotRow(pid, "v2", (1,), NOW))]
    for fut in done:
        await fut
    for w in writers:
        await w.stop()
    assert len((await store.load_debate(did)).votes[Stage.PRE]) == 50
    assert await m.vote_flags() == [(did, "v1", "burst")]
    assert await m.members_seen() == {("discord", "g1", "h:1"): NOW}
    assert (await store.polls.load(pid)).ballots == {"v2": (1,)}


async def test_lingering_bookkeeping_writers_store_everything_when_stopped_without_the_clock_moving(store):
    """As the moderation service runs them: write-behind, lingering on a fake clock. Stopping
    flushes them at once, whether the store drains (SQLite) or not (PostgreSQL)."""
    import asyncio

    from bot.core.kernel.writer import GroupCommitWriter
    from bot.testing.clock import FakeClock

    clock, m = FakeClock(), store.moderation
    did = await new_debate(store)
    flags = GroupCommitWriter(m.add_vote_flags, linger=30, sleep=clock.sleep, drain=m.drain_vote_flags)
    members = GroupCommitWriter(m.add_members, linger=30, sleep=clock.sleep, drain=m.drain_members)
    for i in range(3):
        flags.enqueue((did, f"v{i}", "burst", "pre", NOW))
        members.enqueue(("discord", "g1", f"h:{i}", NOW))
    await asyncio.wait_for(asyncio.gather(flags.stop(), members.stop()), 10)  # a guard, not a wait
    assert len(await m.vote_flags()) == 3 and len(await m.members_seen()) == 3


# --- audit and settings ---


async def test_audit_entries_newest_first_with_filters(store):
    first = await store.add_audit(AuditEntry("slack", "T1", NOW, "mod", "act0"))
    await store.add_audits([AuditEntry("slack", "T1", NOW, "mod", f"act{i}", target="u9" if i else "",
                                       reason="r", debate_id=3 if i == 2 else None, details="d")
                            for i in (1, 2, 3)])
    second = await store.add_audit(AuditEntry("slack", "T1", NOW, "u9", "act4"))
    await store.add_audits([])
    await store.add_audit(AuditEntry("slack", "T2", NOW, "mod", "elsewhere"))
    assert second > first
    entries = await store.audit_entries("slack", "T1")
    assert [e.action for e in entries] == ["act4", "act3", "act2", "act1", "act0"]
    assert entries[2] == AuditEntry("slack", "T1", NOW, "mod", "act2", "u9", "r", 3, "d")
    assert [e.action for e in await store.audit_entries("slack", "T1", user="u9")] == ["act4", "act3", "act2", "act1"]
    assert [e.action for e in await store.audit_entries("slack", "T1", limit=2)] == ["act4", "act3"]
    assert await store.audit_entries("discord", "T1") == []


async def test_channel_language(store):
    ref = ChannelRef("slack", "T1", "C1")
    assert await store.get_language(ref) is None
    await store.set_language(ref, "ja")
    await store.set_language(ChannelRef("slack", "T1", "C2"), "en")
    assert await store.get_language(ref) == "ja"
    await store.set_language(ref, "en")
    assert await store.get_language(ref) == "en"


async def test_channel_timezone_beside_its_language(store):
    ref, other = ChannelRef("slack", "T1", "C1"), ChannelRef("slack", "T1", "C2")
    assert await store.get_timezone(ref) is None
    await store.set_timezone(ref, "Asia/Tokyo")  # a channel with no language yet
    assert (await store.get_timezone(ref), await store.get_language(ref)) == ("Asia/Tokyo", None)
    await store.set_language(ref, "ja")
    assert (await store.get_timezone(ref), await store.get_language(ref)) == ("Asia/Tokyo", "ja")
    await store.set_language(other, "en")
    await store.set_timezone(ref, "Europe/London")
    assert (await store.get_timezone(ref), await store.get_language(ref)) == ("Europe/London", "ja")
    assert (await store.get_timezone(other), await store.get_language(other)) == (None, "en")
    await store.set_timezone(ref, None)  # back to BOT_TIMEZONE; the language stays
    assert (await store.get_timezone(ref), await store.get_language(ref)) == (None, "ja")


# --- what a restart or a second process must not forget ---


async def test_a_delivery_is_claimed_once_restarts_included(engine):
    store = await engine.open()
    assert await store.claim_delivery("slack:Ev1", NOW) is True
    assert await store.claim_delivery("slack:Ev1", NOW + timedelta(seconds=5)) is False  # the retry
    assert await store.claim_delivery("slack:Ev2", NOW) is True
    await store.close()
    store = await engine.open()
    try:
        assert await store.claim_delivery("slack:Ev1", NOW + timedelta(minutes=1)) is False
    finally:
        await store.close()


async def test_deliveries_and_edit_times_older_than_a_day_are_pruned(engine):
    store = await engine.open()
    await store.claim_delivery("old", NOW)
    await store.record_edit("m-old", NOW)
    await store.close()
    store = await engine.open()  # a store prunes on its first claim
    try:
        later = NOW + timedelta(days=1, minutes=1)
        await store.record_edit("m-new", later)
        assert await store.claim_delivery("new", later) is True
        assert await store.claim_delivery("old", later) is True  # forgotten: a day is past any retry
        assert await store.last_edit("m-old") is None
        assert await store.last_edit("m-new") == later
    finally:
        await store.close()


async def test_the_last_edit_of_a_message_keeps_the_later_time(engine):
    store = await engine.open()
    assert await store.last_edit("slack:T1:C1:1.2") is None
    await store.record_edit("slack:T1:C1:1.2", NOW + timedelta(seconds=3))
    await store.record_edit("slack:T1:C1:1.2", NOW)  # another process's older edit lands later
    assert await store.last_edit("slack:T1:C1:1.2") == NOW + timedelta(seconds=3)
    await store.record_edit("slack:T1:C1:1.2", NOW + timedelta(seconds=6))
    await store.record_edit("slack:T1:C1:9.9", NOW)
    await store.close()
    store = await engine.open()
    try:
        assert await store.last_edit("slack:T1:C1:1.2") == NOW + timedelta(seconds=6)
        assert await store.last_edit("slack:T1:C1:9.9") == NOW
    finally:
        await store.close()


# --- migrations ---


async def test_an_empty_database_is_migrated_to_the_newest_version_once(engine):
    store = await engine.open()
    await store.close()
    assert await engine.version() == engine.newest()
    store = await engine.open()  # nothing applied twice
    await store.close()
    assert await engine.version() == engine.newest()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
async def test_a_database_of_each_older_version_is_migrated_with_its_rows(engine, version):
    await engine.apply_up_to(version)
    assert await engine.version() == version
    await engine.seed(version, NOW)
    store = await engine.open()
    try:
        assert await engine.version() == engine.newest()
        [d] = await store.load_open_debates()
        assert (d.id, d.phase_index, d.opening_message_id) == (7, 1, "m1")
        assert list(d.participants) == ["u1"] and d.votes[Stage.PRE] == {"v1": "con"}
        m = store.moderation
        if version >= 2:
            assert await m.members_seen() == {("discord", "g1", "h:aa"): NOW}
            assert await m.vote_flags() == [(7, "v1", "burst")]
        if version >= 3:
            [p] = await store.polls.load_open()
            assert (p.id, p.options, p.ballots, p.names) == (3, ["yes", "no"], {"v1": (1,)}, {"v1": "V"})
        # every table of the newest version takes rows, the logs repeats
        later = NOW + timedelta(minutes=1)
        await m.add_members([("discord", "g1", "h:aa", later)])
        await m.add_vote_flags([(7, "v1", "burst", "pre", NOW)] * 2)
        assert await m.members_seen() == {("discord", "g1", "h:aa"): NOW if version >= 2 else later}
        assert await m.vote_flags() == [(7, "v1", "burst")]
        await store.write_votes([VoteRow(7, "post", "v1", "pro", NOW)])
        assert await store.claim_delivery("k1", NOW) is True
        await store.record_edit("m", NOW)
        assert await store.last_edit("m") == NOW
        assert await store.create_debate(debate(ChannelRef("discord", "g1", "c9"))) != 7
    finally:
        await store.close()


async def test_a_database_of_the_newest_version_keeps_its_deliveries(engine):
    await engine.apply_up_to(engine.newest())
    await engine.seed(engine.newest(), NOW)
    store = await engine.open()
    try:
        assert await store.claim_delivery("k1", NOW) is False
    finally:
        await store.close()


async def test_a_database_from_a_newer_bot_is_refused_naming_both_versions(engine):
    await engine.set_version(engine.newest() + 4)
    with pytest.raises(StoreError) as caught:
        await engine.open()
    message = str(caught.value)
    assert f"schema version {engine.newest() + 4}" in message and f"up to {engine.newest()}" in message
    assert "\n" not in message


# --- what several processes agree on through the store ---


async def test_saving_a_debate_is_a_compare_and_set_on_its_version(store):
    did = await new_debate(store)
    mine, theirs = await store.load_debate(did), await store.load_debate(did)
    assert (mine.version, mine.touched) == (0, 0) == await store.debate_version(did)
    mine.phase_index = 1
    await store.save_debate(mine)
    assert mine.version == 1 and await store.debate_version(did) == (1, 0)
    theirs.phase_index = 2
    with pytest.raises(StaleDebate):  # read before the other change: nothing stored
        await store.save_debate(theirs)
    assert (await store.load_debate(did)).phase_index == 1
    await store.save_participant(did, Participant("ann", "Ann", Role.PRO, NOW))
    await store.add_speech(did, Speech(0, 1, "ann", "Ann", "pro", "Hello", NOW))
    assert await store.debate_version(did) == (1, 2)  # people and texts count in `touched`
    await store.save_debate(mine)  # they never make a phase change stale
    assert await store.debate_version(did) == (2, 2)
    assert (await store.load_debate(did)).sides_held == {"ann": Role.PRO}
    assert await store.debate_version(did + 99) is None


async def test_debate_versions_name_the_open_debates_and_those_asked_for(store):
    running, ended = await new_debate(store), await new_debate(store, state=DebateState.ENDED)
    assert set(await store.debate_versions()) == {running}
    assert set(await store.debate_versions([ended])) == {running, ended}


async def test_stage_votes_and_owed_results(store):
    did = await new_debate(store)
    await store.write_votes([VoteRow(did, "pre", "a", "pro", NOW), VoteRow(did, "pre", "b", "con", NOW),
                             VoteRow(did, "post", "a", "con", NOW)])
    assert {k: v.value for k, v in (await store.stage_votes(did, Stage.PRE)).items()} == {"a": "pro", "b": "con"}
    d = await store.load_debate(did)
    d.state, d.ended_at, d.announced = DebateState.ENDED, NOW, d.phase_index  # ended, result not posted
    await store.save_debate(d)
    assert [o.id for o in await store.load_owed_debates()] == [did]
    d.announced = d.phase_index + 1
    await store.save_debate(d)
    assert await store.load_owed_debates() == []


async def test_an_edit_turn_is_claimed_once_per_interval(store):
    assert await store.claim_edit("1:pre", NOW, 3.0) is None
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=2), 3.0) == NOW
    await store.record_edit("1:pre", NOW + timedelta(seconds=1))
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=3.5), 3.0) == NOW + timedelta(seconds=1)
    assert await store.claim_edit("1:pre", NOW + timedelta(seconds=4), 3.0) is None


async def test_moderation_changes_move_the_moderation_generation(store):
    before = (await store.generations()).get("moderation", 0)
    await store.moderation.save_mute(Mute("discord", "g1", "u1", NOW + timedelta(hours=1), "", "mod", "c1"))
    await store.moderation.add_filter_word("discord", "g1", "zorb", False, "mod", NOW)
    await store.moderation.drop_scope("debate:1")
    assert (await store.generations())["moderation"] == before + 3


async def test_a_poll_closes_once_and_owes_its_result_until_posted(store):
    p = Poll(0, PLACE, "Tea?", ["yes", "no"], "single", 1, False, "live", "en", "teacher", NOW)
    p.id = await store.polls.create(p)
    assert await store.polls.open_ids() == [p.id]
    p.closed_at, p.closed_by = NOW, "moderator"
    assert await store.polls.close(p) is True
    assert await store.polls.close(p) is False  # somebody closed it first
    assert await store.polls.open_ids() == []
    assert [o.id for o in await store.polls.load_owed()] == [p.id]
    assert await store.polls.claim_owed(p.id) is True
    assert await store.polls.claim_owed(p.id) is False
    assert await store.polls.load_owed() == []
