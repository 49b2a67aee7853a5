"""Several bot processes on one store behave as one: any of them serves any request, each
deadline fires once, moderation is one state, and tallies and results count every ballot.

Each "process" is a core of its own with its own store connection, caches and scheduler; they
share only the database and the chat platform (one FakeChat), as real processes would. They run
on the shared SQLite mode (`SqliteStore.open(shared=True)`) and, when a server is there, on
PostgreSQL (see `several_databases`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.app import build_core
from bot.core.debates.model import DebateState, Stage
from bot.core.kernel.request import Request
from bot.core.ports import Store
from bot.core.service import Core
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests.conftest import CHANNEL, actor, say

SECRET = b"s" * 32
OpenStore = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["sqlite", "postgres"])
async def open_store(request, tmp_path) -> AsyncIterator[OpenStore]:
    """A function that opens one more connection to the same database, as a new process would."""
    if request.param == "postgres":
        from bot.storage.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        yield lambda: PostgresStore.open(url)
        return
    from bot.storage.sqlite import SqliteStore

    path = tmp_path / "shared.db"
    yield lambda: SqliteStore.open(path, shared=True)


@pytest.fixture
async def processes(open_store, clock) -> AsyncIterator[tuple[Core, Core, FakeChat]]:
    chat = FakeChat()
    cores = []
    for _ in range(2):
        core = await build_core(await open_store(), {"test": chat}, clock=clock, secret=SECRET)
        await core.start()
        cores.append(core)
    yield cores[0], cores[1], chat
    for core in cores:
        await core.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for something the store's threads do (not for a timer: the fake clock stands still)."""
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.001)

    await asyncio.wait_for(poll(), seconds)


async def start_quick(core: Core) -> int:
    cards = await say(core, "teacher", "/debate start format:quick")
    assert "started" in cards[0].body, cards
    return next(iter(core.debates.debates))


async def test_a_debate_started_on_one_process_is_served_by_the_other(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    # b never heard of it: the first request adopts it from the store
    assert "joined" in (await say(b, "pia", "/debate join side:pro"))[0].body
    assert "Your vote" in (await say(b, "v1", "/vote pro"))[0].body
    assert "Your vote" in (await say(a, "v2", "/vote con"))[0].body
    # a sees b's participant on its next request: pia cannot join twice, whichever process asks
    assert "already joined" in (await say(a, "pia", "/debate join side:con"))[0].body
    await say(b, "teacher", "/debate next")  # b closes the pre-vote
    d_a = a.debates.debates[did]
    await a.debates.fresh(d_a)
    assert d_a.phase_index == 1
    assert d_a.votes[Stage.PRE] == b.debates.debates[did].votes[Stage.PRE]
    assert {k: v.value for k, v in d_a.votes[Stage.PRE].items()} == {"v1": "pro", "v2": "con"}  # both processes'
    phases = [p.card.title for p in chat.posts if p.card.kind == "phase"]
    assert len(phases) == 2 and len(set(phases)) == 2  # each phase announced once


async def test_a_deadline_fires_once_with_two_schedulers(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    await b.sync()  # b follows a's debates and arms their deadlines too
    assert did in b.debates.debates
    clock.advance(120)
    await asyncio.gather(a.run_due(), b.run_due())
    await until(lambda: sum(1 for p in chat.posts if p.card.kind == "phase") >= 2)
    await a.debates.fresh(a.debates.debates[did])
    await b.debates.fresh(b.debates.debates[did])
    assert a.debates.debates[did].phase_index == b.debates.debates[did].phase_index == 1
    assert sum(1 for p in chat.posts if p.card.kind == "phase") == 2  # opening phase + one "time is up"


async def test_a_dead_process_deadline_is_fired_by_another(open_store, clock):
    chat = FakeChat()
    a = await build_core(await open_store(), {"test": chat}, clock=clock, secret=SECRET)
    await a.start()
    did = await start_quick(a)
    await a.stop()  # a dies holding nothing
    b = await build_core(await open_store(), {"test": chat}, clock=clock, secret=SECRET)
    await b.start()
    try:
        clock.advance(120)
        await b.run_due()
        d = b.debates.debates[did]
        assert d.phase_index == 1 and "Time is up." in chat.last("phase").body
    finally:
        await b.stop()


async def test_two_moderators_on_two_processes_move_on_once(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    await b.sync()
    replies = await asyncio.gather(say(a, "teacher", "/debate next"), say(b, "teacher", "/debate next"))
    phases = [p for p in chat.posts if p.card.kind == "phase"]
    assert len(phases) == 2  # opening + one move on, not two
    await a.debates.fresh(a.debates.debates[did])
    assert a.debates.debates[did].phase_index == 1
    refused = [r for r in replies if r and r[0].kind == "error"]
    assert all("changed while this was on its way" in r[0].body for r in refused)


async def test_the_result_counts_ballots_taken_by_every_process(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    for i, core in enumerate([a, b, a, b]):
        await say(core, f"p{i}", "/vote con")
    for _ in range(3):
        await say(b, "teacher", "/debate next")  # to the post-vote (opened by b)
    for i, core in enumerate([b, a, b, a]):
        await say(core, f"p{i}", "/vote pro")
    await say(a, "teacher", "/debate end")
    result = chat.last("result")
    assert sum(1 for p in chat.posts if p.card.kind == "result") == 1
    await b.sync()
    assert did not in b.debates.debates  # b let go of the debate a ended
    fields = {f.name: f.value for f in result.fields}
    assert fields["Pro"] == "0% → 100% (0 → 4)" and fields["Con"] == "100% → 0% (4 → 0)", fields
    assert fields["Turnout"] == "4 in the pre-vote, 4 in the post-vote, 4 in both"


async def test_moderation_set_on_one_process_is_enforced_by_the_other_after_one_sync(processes, clock):
    a, b, chat = processes
    await start_quick(a)
    assert "Your vote" in (await say(b, "troll", "/vote pro"))[0].body
    await say(a, "teacher", "/mod mute user:troll minutes:10")
    await b.sync()  # every SYNC_SECONDS (0.5 s) on a shared store
    card = (await say(b, "troll", "/vote con"))[0]
    assert card.kind == "error" and "muted" in card.body.lower()
    await say(a, "teacher", "/mod filter add word:zorb")
    await b.sync()
    assert (await b.moderation.word_filter("test", "w1")).find("zorb") is not None


async def test_a_delivery_handled_by_one_process_does_nothing_on_the_other(processes, clock):
    a, b, chat = processes
    await start_quick(a)
    first = await a.handle(Request(actor("v1"), CHANNEL, "/vote pro", dedupe_key="slack:T1:action:42"))
    again = await b.handle(Request(actor("v1"), CHANNEL, "/vote con", dedupe_key="slack:T1:action:42"))
    assert first and again == []
    d = next(iter(a.debates.debates.values()))
    assert {k: v.value for k, v in (await a.store.stage_votes(d.id, Stage.PRE)).items()} == {"v1": "pro"}


async def test_a_poll_opened_on_one_process_closes_once_with_every_ballot(processes, clock):
    a, b, chat = processes
    cards = await say(a, "teacher", '/poll create question:"Tea?" options:"yes|no" closes:10m')
    assert "Poll #1 is up" in cards[0].body, cards
    assert (await say(b, "v1", "/poll vote id:1 yes"))[0].kind != "error"
    assert (await say(a, "v2", "/poll vote id:1 no"))[0].kind != "error"
    assert (await say(b, "v3", "/poll vote id:1 yes"))[0].kind != "error"
    await b.sync()
    clock.advance(600)
    await asyncio.gather(a.run_due(), b.run_due())  # the schedulers race them too

    def results() -> list:
        return [p.card for p in chat.posts if p.card.kind == "result"]

    await until(lambda: len(results()) >= 1)  # whoever won the close posts it (the chart takes a moment)
    for core in (a, b):
        await core.run_due()
        await core.sync()
    assert len(results()) == 1
    assert [f.value for f in results()[0].fields] == ["2 (67%)", "1 (33%)"]


async def test_a_debate_ended_on_one_process_is_not_served_by_the_other(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    await b.sync()
    await say(a, "teacher", "/debate end")
    card = (await say(b, "teacher", "/debate next"))[0]
    assert card.kind == "error" and "No debate is running" in card.body
    assert did not in b.debates.debates
    assert a.debates.debates.get(did) is None
    d = await a.store.load_debate(did)
    assert d.state is DebateState.ENDED


async def test_a_ballot_on_a_process_that_has_not_seen_the_phase_change_goes_where_the_store_says(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    await b.sync()  # b knows the debate in its pre-vote
    assert "Your vote" in (await say(b, "v1", "/vote pro"))[0].body
    for _ in range(3):
        await say(a, "teacher", "/debate next")  # a takes it to the post-vote; b has not followed
    assert b.debates.debates[did].phase_index == 0
    assert "Your vote" in (await say(b, "v1", "/vote con"))[0].body
    await say(a, "teacher", "/debate end")
    fields = {f.name: f.value for f in chat.last("result").fields}
    # the late ballot went to the post-vote the store had open, not into the closed pre-vote
    assert fields["Pro"] == "100% → 0% (1 → 0)" and fields["Con"] == "0% → 100% (0 → 1)", fields


async def test_a_ballot_on_a_stale_process_after_the_vote_closed_is_refused(processes, clock):
    a, b, chat = processes
    did = await start_quick(a)
    await b.sync()
    await say(a, "teacher", "/debate next")  # the pre-vote closes on a
    card = (await say(b, "v1", "/vote pro"))[0]
    assert card.kind == "error" and "No vote is open" in card.body
    await a.debates.fresh(a.debates.debates[did])
    assert a.debates.debates[did].votes[Stage.PRE] == {}


async def test_a_language_and_a_zone_set_on_one_process_are_used_by_the_other_after_one_sync(processes, clock):
    a, b, chat = processes
    assert await b.language(CHANNEL) == "en" and str(await b.zone(CHANNEL)) == "UTC"  # b has read them once
    await say(a, "teacher", "/debate language ja")
    await say(a, "teacher", "/debate timezone Asia/Tokyo")
    await b.sync()
    assert await b.language(CHANNEL) == "ja"
    assert str(await b.zone(CHANNEL)) == "Asia/Tokyo"
    assert "ディベート" in (await say(b, "pia", "/debate status"))[0].body


async def test_slow_mode_counts_a_post_through_either_process(processes, clock):
    a, b, chat = processes
    await start_quick(a)
    await say(a, "teacher", "/mod slowmode seconds:60")
    await b.sync()
    assert "waiting for a moderator" in (await say(a, "pia", "/ask Who pays for the marker?"))[0].body
    card = (await say(b, "pia", "/ask And who checks it?"))[0]
    assert card.kind == "error" and "slow mode" in card.body.lower(), card.body
    clock.advance(61)
    assert "waiting for a moderator" in (await say(b, "pia", "/ask And who checks it?"))[0].body
