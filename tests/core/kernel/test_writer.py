"""The group-commit vote writer: nothing lost, nothing doubled, nothing confirmed unstored."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.core.debates.model import ChannelRef, Debate, VoteRow
from bot.core.kernel.writer import GroupCommitWriter, WriteFailed
from bot.storage.sqlite import SqliteStore

NOW = datetime(2026, 11, 22, tzinfo=UTC)


async def new_store(tmp_path) -> tuple[SqliteStore, int]:
    store = await SqliteStore.open(tmp_path / "w.db")
    ref = ChannelRef("test", "w", "c")
    did = await store.create_debate(Debate(0, ref, ref, "m", "t", "x", "quick", "en", "teacher", NOW))
    return store, did


async def test_a_thousand_concurrent_votes_lose_and_double_nothing(tmp_path):
    store, did = await new_store(tmp_path)
    writer = GroupCommitWriter(store.write_votes)
    writer.start()
    # 1,000 voters at once; voters 0-99 also change their minds, concurrently with the rest
    first = [writer.submit(VoteRow(did, "pre", f"v{i}", "pro", NOW)) for i in range(1000)]
    await asyncio.gather(*first)
    changes = [writer.submit(VoteRow(did, "pre", f"v{i}", "con", NOW)) for i in range(100)]
    await asyncio.gather(*changes)
    await writer.stop()
    assert writer.batches < 1000  # grouped, not one transaction per vote
    await store.close()
    db = sqlite3.connect(tmp_path / "w.db")
    rows = db.execute("SELECT voter, choice FROM votes").fetchall()
    assert len(rows) == 1000
    assert sum(1 for _, c in rows if c == "con") == 100


async def test_a_failing_batch_confirms_only_what_was_stored(tmp_path):
    store, did = await new_store(tmp_path)
    committed: list[VoteRow] = []
    writer = GroupCommitWriter(store.write_votes, committed.extend)
    writer.start()
    good = [VoteRow(did, "pre", f"v{i}", "pro", NOW) for i in range(20)]
    bad = VoteRow(did + 999, "pre", "ghost", "pro", NOW)  # no such debate: the foreign key refuses it
    results = await asyncio.gather(*(writer.submit(r) for r in [*good[:10], bad, *good[10:]]), return_exceptions=True)
    await writer.stop()
    assert [type(r) for r in results].count(WriteFailed) == 1
    assert isinstance(results[10], WriteFailed)
    assert bad not in committed and sorted(committed, key=lambda r: r.voter) == sorted(good, key=lambda r: r.voter)
    rows = await store.db.execute_fetchall("SELECT voter FROM votes")
    assert {r[0] for r in rows} == {r.voter for r in good}
    await store.close()


async def test_when_storage_is_down_every_voter_is_told(tmp_path):
    async def broken(rows):
        raise sqlite3.OperationalError("disk I/O error")

    writer = GroupCommitWriter(broken)
    writer.start()
    results = await asyncio.gather(*(writer.submit(i) for i in range(50)), return_exceptions=True)
    await writer.stop()
    assert all(isinstance(r, WriteFailed) for r in results)


async def test_flush_waits_for_queued_rows(tmp_path):
    seen: list[list[int]] = []
    gate = asyncio.Event()

    async def slow(rows):
        await gate.wait()
        seen.append(list(rows))

    writer = GroupCommitWriter(slow)
    writer.start()
    tasks = [writer.submit(i) for i in range(5)]
    await asyncio.sleep(0)
    flushing = asyncio.create_task(writer.flush())
    await asyncio.sleep(0)
    assert not flushing.done()
    gate.set()
    await flushing
    assert sorted(x for batch in seen for x in batch) == [0, 1, 2, 3, 4]
    await asyncio.gather(*tasks)
    await writer.stop()


@pytest.mark.parametrize("n", [1, 7])
async def test_a_lone_vote_is_written_without_waiting(tmp_path, n):
    store, did = await new_store(tmp_path)
    writer = GroupCommitWriter(store.write_votes)
    for i in range(n):
        await writer.submit(VoteRow(did, "post", f"v{i}", "con", NOW))
    assert writer.rows == n
    await writer.stop()
    await store.close()


async def test_a_big_batch_is_answered_a_chunk_per_turn_of_the_loop_and_wholly():
    """Committed rows are told in chunks (so the next commit can start between them), all of them."""
    from bot.core.kernel import writer as writer_module
    written: list[int] = []
    gate = asyncio.Event()

    async def write(rows):
        await gate.wait()
        written.extend(rows)

    committed: list[int] = []
    writer = GroupCommitWriter(write, committed.extend)
    writer.start()
    size = writer_module.RELEASE_CHUNK * 2 + 5
    futures = [writer.submit(i) for i in range(size)]
    await asyncio.sleep(0)
    gate.set()
    while not any(f.done() for f in futures):
        await asyncio.sleep(0)
    assert committed == list(range(size))  # counted before anyone hears back
    assert sum(f.done() for f in futures) == writer_module.RELEASE_CHUNK
    await asyncio.gather(*futures)
    assert written == list(range(size))
    await writer.stop()


async def test_write_behind_lingers_on_the_clock_and_rows_from_during_a_commit_wait_for_the_next_round(clock):
    batches: list[list[int]] = []
    gate = asyncio.Event()
    gate.set()

    async def write(rows):
        await gate.wait()
        batches.append(list(rows))

    async def turns(n: int = 10) -> None:
        for _ in range(n):
            await asyncio.sleep(0)

    writer = GroupCommitWriter(write, linger=1.0, sleep=clock.sleep)
    for i in range(3):
        writer.enqueue(i)
    await turns()
    assert batches == []  # lingering
    gate.clear()
    clock.advance(1.0)  # the linger is over: 0, 1 and 2 go in one commit, held at the gate
    await turns()
    writer.enqueue(3)
    writer.enqueue(4)
    gate.set()
    await turns()
    assert batches == [[0, 1, 2]]  # 3 and 4 came during the commit: they wait for the next linger
    clock.advance(1.0)
    await turns()
    assert batches == [[0, 1, 2], [3, 4]]
    writer.enqueue(5)
    await writer.flush()  # a flush does not wait for the linger
    assert batches[-1] == [5]
    await writer.stop()


async def test_the_vote_drain_also_stores_the_bookkeeping_queued_behind_it_in_short_batches(tmp_path, clock):
    from bot.storage.moderation_store import ModerationStore

    store, did = await new_store(tmp_path)
    bookkeeping = ModerationStore(store)
    votes = GroupCommitWriter(store.write_votes, drain=store.drain_votes)
    flags = GroupCommitWriter(bookkeeping.add_vote_flags, linger=1.0, sleep=clock.sleep,
                              drain=bookkeeping.drain_vote_flags, take_limit=2)

    def flag(i: int) -> tuple:
        return (did, f"v{i}", "burst", "pre", NOW)

    async def stored_flags() -> list[str]:
        return [r[0] for r in await store.db.execute_fetchall("SELECT voter FROM vote_flags ORDER BY rowid")]

    flags.enqueue(flag(0))
    await flags.flush()  # its own drain: from now on the store drains it with the votes
    assert await stored_flags() == ["v0"]
    for i in range(1, 6):
        flags.enqueue(flag(i))  # lingering: the clock does not move in this test
    await votes.submit(VoteRow(did, "pre", "v1", "pro", NOW))
    await votes.flush()  # the drain that stored the vote has returned
    assert await stored_flags() == [f"v{i}" for i in range(6)]
    assert flags.batches == 1 + 3  # v0 alone, then v1-v5 two at a time
    assert flags.rows == 6
    await flags.flush()
    await votes.stop()
    await flags.stop()
    await store.close()


async def test_a_failed_drained_batch_holds_later_rows_until_it_is_retried(tmp_path):
    """The last ballot of a voter wins: a batch that failed is retried before any later batch."""
    store, did = await new_store(tmp_path)
    await store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON votes WHEN NEW.voter = 'mallory' "
                           "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    await store.db.commit()
    writer = GroupCommitWriter(store.write_votes, drain=store.drain_votes)
    try:
        first = [writer.submit(VoteRow(did, "pre", v, "pro", NOW)) for v in ("a", "mallory", "b")]
        for _ in range(100_000):  # until the drain, on the store's thread, has taken the first three
            if writer._taken == 3:
                break
            await asyncio.sleep(0)
        second = writer.submit(VoteRow(did, "pre", "a", "con", NOW))  # a changes their mind
        results = await asyncio.gather(*first, second, return_exceptions=True)
        assert [type(r) for r in results] == [type(None), WriteFailed, type(None), type(None)]
        await writer.stop()
        rows = dict(await store.db.execute_fetchall("SELECT voter, choice FROM votes"))
        assert rows == {"a": "con", "b": "pro"}
    finally:
        await store.close()


async def test_rows_the_store_leaves_out_are_refused_to_their_submitters_only():
    committed: list[list[int]] = []

    async def write(rows: list[int]) -> list[int]:
        return [r for r in rows if r % 2]  # the store leaves out the odd ones

    writer = GroupCommitWriter(write, committed.append)
    writer.start()
    outcomes = await asyncio.gather(*(writer.submit(i) for i in range(6)), return_exceptions=True)
    await writer.flush()
    assert [type(o).__name__ if o else None for o in outcomes] == [None, "RowRefused"] * 3
    assert sorted(r for batch in committed for r in batch) == [0, 2, 4]  # only stored rows are counted
    await writer.stop()
