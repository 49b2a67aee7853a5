"""Vote storms, for correctness only (no timings): nothing lost or doubled, failures told, exact tallies."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.debates.model import Stage
from bot.core.kernel.request import Request
from bot.core.kernel.tally import TallyCoalescer
from bot.storage.sqlite import SqliteStore
from bot.testing.clock import FakeClock
from bot.testing.edit_log import MemoryEditLog
from tests.conftest import CHANNEL, actor, say

CHOICES = ("pro", "con", "undecided")


def stored_votes(path) -> dict[str, str]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT voter, choice FROM votes WHERE stage = 'pre'").fetchall()
    finally:
        db.close()
    assert len(rows) == len({voter for voter, _ in rows}), "a voter was stored twice"
    return dict(rows)


async def start_quick(core):
    cards = await say(core, "teacher", "/debate start format:quick")
    assert "started" in cards[0].body
    return next(iter(core.debates.debates.values()))


async def vote(core, name: str, choice: str):
    return (await core.handle(Request(actor(name), CHANNEL, f"/vote {choice}")))[0].card


async def test_a_thousand_voters_at_once_lose_and_double_nothing(core, chat, tmp_path):
    d = await start_quick(core)
    first = {f"v{i}": CHOICES[i % 3] for i in range(1000)}
    cards = await asyncio.gather(*(vote(core, name, choice) for name, choice in first.items()))
    assert [c.kind for c in cards] == ["notice"] * 1000
    # a third of them change their minds, all at once, while newcomers still vote
    final = dict(first)
    second = {f"v{i}": CHOICES[(i + 1) % 3] for i in range(0, 1000, 3)}
    newcomers = {f"n{i}": "con" for i in range(200)}
    final.update(second)
    final.update(newcomers)
    cards = await asyncio.gather(*(vote(core, n, c) for n, c in [*second.items(), *newcomers.items()]))
    assert all(c.kind == "notice" for c in cards)
    assert sum("changed from" in c.body for c in cards) == len(second)
    assert core.debates.writer.batches < 1200 + 20  # grouped, not one transaction per vote
    assert d.votes[Stage.PRE] == final
    assert stored_votes(tmp_path / "test.db") == final


async def refuse_votes(core, when: str = "1") -> None:
    """Make SQLite itself refuse every vote row for which `when` holds (the store fails for real:
    the drained batch is rolled back, then its rows are tried one by one)."""
    await core.store.db.execute(
        f"CREATE TRIGGER refuse_votes BEFORE INSERT ON votes WHEN {when} BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    await core.store.db.commit()


async def test_a_failed_batch_confirms_none_of_its_votes_and_every_voter_is_told(core, chat, tmp_path):
    d = await start_quick(core)
    await refuse_votes(core)
    cards = await asyncio.gather(*(vote(core, f"v{i}", "pro") for i in range(50)))
    assert all(c.kind == "error" and "could not be stored" in c.body for c in cards)
    assert d.votes[Stage.PRE] == {}
    assert stored_votes(tmp_path / "test.db") == {}
    await core.store.db.execute("DROP TRIGGER refuse_votes")  # storage is back: the same voters can vote again
    await core.store.db.commit()
    cards = await asyncio.gather(*(vote(core, f"v{i}", "con") for i in range(50)))
    assert all("Your vote: Con" in c.body for c in cards)
    assert stored_votes(tmp_path / "test.db") == {f"v{i}": "con" for i in range(50)}


async def test_one_bad_row_in_a_batch_is_told_and_the_others_are_stored(core, chat, tmp_path):
    d = await start_quick(core)
    await refuse_votes(core, "NEW.voter = 'mallory'")
    names = [f"v{i}" for i in range(30)] + ["mallory"] + [f"w{i}" for i in range(30)]
    cards = dict(zip(names, await asyncio.gather(*(vote(core, n, "pro") for n in names)), strict=True))
    assert cards.pop("mallory").kind == "error"
    assert all(c.kind == "notice" for c in cards.values())
    expected = {name: "pro" for name in cards}
    assert d.votes[Stage.PRE] == expected
    assert stored_votes(tmp_path / "test.db") == expected


async def test_storage_is_only_what_was_confirmed_after_a_restart(tmp_path, clock):
    from bot.app import build_core
    from bot.testing.chat import FakeChat

    core = await build_core(tmp_path / "r.db", {"test": FakeChat()}, clock=clock)
    await core.start()
    d = await start_quick(core)
    cards = await asyncio.gather(*(vote(core, f"v{i}", CHOICES[i % 3]) for i in range(300)))
    confirmed = {f"v{i}": CHOICES[i % 3] for i, c in enumerate(cards) if c.kind == "notice"}
    await core.stop()
    store = await SqliteStore.open(tmp_path / "r.db")
    try:
        (loaded,) = await store.load_open_debates()
    finally:
        await store.close()
    assert loaded.id == d.id and loaded.votes[Stage.PRE] == confirmed and len(confirmed) == 300


# --- the tally coalescer always ends on the exact final tally ---

INTERVAL = 2.0
steps = st.lists(
    st.one_of(
        st.tuples(st.just("vote"), st.integers(0, 20), st.sampled_from(CHOICES)),
        st.tuples(st.just("advance"), st.floats(0.0, 5.0, allow_nan=False), st.just("")),
    ),
    max_size=60,
)


async def _run_coalescer(script, edit_seconds: float) -> tuple[dict, dict, list]:
    clock = FakeClock()
    tallies = TallyCoalescer(clock, MemoryEditLog())
    ballots: dict[int, str] = {}
    shown: dict[str, int] = {}
    starts: list = []
    drawing = 0

    async def draw() -> None:
        nonlocal shown, drawing
        drawing += 1
        assert drawing == 1, "two edits of one message overlapped"
        starts.append(clock.now())
        snapshot = {c: sum(1 for v in ballots.values() if v == c) for c in CHOICES}
        if edit_seconds:
            await clock.sleep(edit_seconds)  # a slow edit (a platform that makes us wait)
        shown = snapshot
        drawing -= 1

    async def settle() -> None:
        for _ in range(10_000):
            await asyncio.sleep(0)
            if not tallies.busy():
                return
            clock.advance(0.25)
        raise AssertionError("the coalescer never settled")

    for kind, a, b in script:
        if kind == "vote":
            ballots[a] = b
            tallies.request("tally", INTERVAL, draw)
        else:
            clock.advance(a)
        await asyncio.sleep(0)
    await settle()
    final = {c: sum(1 for v in ballots.values() if v == c) for c in CHOICES}
    return final, shown if ballots else final, starts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=steps, edit_seconds=st.sampled_from([0.0, 0.5, 3.0]))
def test_the_coalescer_always_ends_on_the_exact_final_tally(script, edit_seconds):
    final, shown, starts = asyncio.run(_run_coalescer(script, edit_seconds))
    assert shown == final
    gaps = [(b - a) for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= timedelta(seconds=INTERVAL + edit_seconds) for gap in gaps), "edits closer than the interval"
    votes = sum(1 for kind, _, _ in script if kind == "vote")
    assert len(starts) <= votes


async def _until(condition, ticks: int = 10_000) -> None:
    """Let the event loop run (no wall clock) until `condition()` holds."""
    for _ in range(ticks):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_closing_a_stage_lands_the_final_tally_after_an_edit_on_its_way(core, chat, clock):
    d = await start_quick(core)
    tally_id = d.tally_message_ids[Stage.PRE]
    slow = asyncio.Event()
    waiting = []
    landed = []
    edit = chat.edit

    async def slow_edit(channel, message_id, card):
        if message_id == tally_id and not slow.is_set():
            waiting.append(card)
            await slow.wait()  # the first live edit hangs (a platform making us wait)
        await edit(channel, message_id, card)
        if message_id == tally_id:
            landed.append(clock.now())

    chat.edit = slow_edit
    await vote(core, "v1", "pro")
    await _until(lambda: len(waiting) == 1)  # that edit is on its way
    await vote(core, "v2", "con")
    # the close does not wait for a hung edit, and does not race it either: the final drawing
    # lands after it, an interval later
    await core.handle(Request(actor("teacher", True), CHANNEL, "/debate next"))
    assert landed == []
    slow.set()
    tallies = core.debates.tallies
    for _ in range(100):  # each step: every worker has finished or sleeps on the clock, then it moves
        await clock.settle(*tallies.workers())
        if not tallies.busy():
            break
        clock.advance(0.25)
    assert not tallies.busy()
    final = chat.current(tally_id)
    assert final.buttons == () and [f.value for f in final.fields][:2] == ["1 (50%)", "1 (50%)"]
    assert len(landed) == 2 and (landed[1] - landed[0]).total_seconds() >= chat.min_edit_interval


# --- the store writes a batch in one go, whatever its size ---


async def _store_with_debate(tmp_path):
    from bot.clock import SystemClock
    from bot.core.debates.model import ChannelRef, Debate

    store = await SqliteStore.open(tmp_path / "s.db")
    place = ChannelRef("test", "w", "c")
    did = await store.create_debate(Debate(0, place, place, "m", "t", "x", "quick", "en", "teacher", SystemClock().now()))
    return store, did


@pytest.mark.parametrize("size", [1, 2, 3, 5, 13, 500, 6001, 13_000])
async def test_a_batch_of_any_size_keeps_each_voters_last_ballot_once(tmp_path, size):
    from bot.clock import SystemClock
    from bot.core.debates.model import VoteRow

    store, did = await _store_with_debate(tmp_path)
    now = SystemClock().now()
    # every voter twice in the same batch (the second ballot wins), then once more in a later one
    rows = [VoteRow(did, "pre", f"v{i % max(1, size // 2)}", CHOICES[i % 3], now) for i in range(size)]
    await store.write_votes(rows)
    last = {r.voter: r.choice for r in rows}
    await store.write_votes([VoteRow(did, "pre", "v0", "undecided", now)])
    last["v0"] = "undecided"
    await store.close()
    assert stored_votes(tmp_path / "s.db") == last


@pytest.mark.parametrize("size", [1, 40, 6001])
async def test_a_batch_with_one_bad_row_stores_nothing(tmp_path, size):
    from bot.clock import SystemClock
    from bot.core.debates.model import VoteRow

    store, did = await _store_with_debate(tmp_path)
    now = SystemClock().now()
    rows = [VoteRow(did, "pre", f"v{i}", "pro", now) for i in range(size - 1)]
    rows.append(VoteRow(did + 99, "pre", "ghost", "pro", now))  # no such debate: the foreign key refuses it
    with pytest.raises(sqlite3.IntegrityError):
        await store.write_votes(rows)
    await store.write_votes([VoteRow(did, "pre", "after", "con", now)])  # the connection is fine afterwards
    await store.close()
    assert stored_votes(tmp_path / "s.db") == {"after": "con"}
