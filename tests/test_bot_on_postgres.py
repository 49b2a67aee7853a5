"""The whole bot on PostgreSQL: a debate to its result, a restart in the middle of one, a poll, and
a server that stops taking connections while votes come in."""

from __future__ import annotations

import json

import pytest

from bot.app import build_core
from bot.core.debates.model import DebateState, Stage
from bot.testing.chat import FakeChat
from tests import postgres
from tests.conftest import say


@pytest.fixture
async def core(postgres_url, chat, clock):
    core = await build_core(postgres_url, {"test": chat}, clock=clock)
    core.charts = None  # charts are tested in test_exports
    await core.start()
    yield core
    await core.stop()


async def test_a_debate_with_votes_to_its_result(core, chat):
    await say(core, "teacher", "/debate start format:quick")
    d = next(iter(core.debates.debates.values()))
    await say(core, "alice", "/debate join side:pro")
    for voter, choice in [("v1", "undecided"), ("v2", "con"), ("v3", "con"), ("v3", "pro")]:
        await say(core, voter, f"/vote {choice}")
    await say(core, "teacher", "/debate next")
    await say(core, "alice", "/speak Sellers should check ID.")
    await say(core, "teacher", "/debate next")
    await say(core, "teacher", "/debate next")
    for voter, choice in [("v1", "pro"), ("v2", "con"), ("v3", "pro")]:
        await say(core, voter, f"/vote {choice}")
    await say(core, "teacher", "/debate next")
    assert d.state is DebateState.ENDED
    result = chat.last("result")
    assert result.body.startswith("Pro wins")
    assert any("Undecided → Pro: 1" in f.value for f in result.fields)

    stored = await core.store.load_debate(d.id)
    assert stored.state is DebateState.ENDED and stored.ended_at is not None
    assert stored.votes == {Stage.PRE: {"v1": "undecided", "v2": "con", "v3": "pro"},
                            Stage.POST: {"v1": "pro", "v2": "con", "v3": "pro"}}
    assert [s.text for s in stored.speeches] == ["Sellers should check ID."]
    cards = await say(core, "anyone", "/debate export format:json")
    data = json.loads(cards[0].attachment.data)
    assert data["votes"] == {"pre": {"pro": 1, "con": 1, "undecided": 1}, "post": {"pro": 2, "con": 1, "undecided": 0}}
    assert data["result"]["winner"] == "pro"


async def test_a_restart_mid_debate_continues_from_the_database(postgres_url, clock):
    core = await build_core(postgres_url, {"test": FakeChat()}, clock=clock)
    await core.start()
    await say(core, "teacher", "/debate start format:quick")
    await say(core, "alice", "/debate join side:pro")
    await say(core, "v1", "/vote con")
    await say(core, "teacher", "/debate next")
    await say(core, "alice", "/speak Before the restart.")
    await core.stop()

    chat = FakeChat()
    core = await build_core(postgres_url, {"test": chat}, clock=clock)
    await core.start()
    try:
        d = next(iter(core.debates.debates.values()))
        assert d.phase_index == 1 and d.participants["alice"].role.value == "pro"
        assert d.votes[Stage.PRE] == {"v1": "con"}
        assert [s.text for s in d.speeches] == ["Before the restart."]
        assert core.next_deadline() == d.deadline
        clock.advance(180)
        await core.run_due()
        assert d.phase_index == 2  # the stored deadline was armed again
    finally:
        await core.stop()


async def test_a_poll_with_ballots_a_withdrawal_and_its_results(core, chat):
    cards = await say(core, "teacher", '/poll create question:"Best drink?" options:"tea|coffee|water"')
    assert cards[0].kind == "notice", cards[0].body
    p = max(core.polls.polls.values(), key=lambda p: p.id)
    for voter, choice in [("alice", "tea"), ("bob", "tea"), ("carol", "water"), ("dave", "coffee")]:
        assert (await say(core, voter, f"/poll vote id:{p.id} {choice}"))[0].kind == "notice"
    assert "withdrawn" in (await say(core, "dave", f"/poll withdraw id:{p.id}"))[0].body
    assert (await core.store.polls.load(p.id)).ballots == {"alice": (0,), "bob": (0,), "carol": (2,)}
    await say(core, "teacher", f"/poll close id:{p.id}")
    result = chat.last("result")
    assert "Winner: tea" in result.body
    assert [f.value for f in result.fields] == ["2 (67%)", "0 (0%)", "1 (33%)"]
    core.polls.polls.clear()  # results of a closed poll come from the store
    cards = await say(core, "zoe", f"/poll results id:{p.id}")
    assert cards[0].kind == "result" and "Winner: tea" in cards[0].body


async def test_votes_are_refused_while_the_server_takes_no_connections_and_stored_once_it_does(
        core, postgres_url, postgres_server):
    """The database stops taking connections and the bot's are ended: a vote is refused with the
    reason (never confirmed and lost); once the database is back, the pool reconnects."""
    await say(core, "teacher", "/debate start format:quick")
    d = next(iter(core.debates.debates.values()))
    assert "Your vote: Pro" in (await say(core, "v1", "/vote pro"))[0].body
    name = postgres_url.rsplit("/", 1)[1]
    await postgres.execute(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        await postgres.execute(postgres_server, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                                "WHERE datname = $1", name)
        card = (await say(core, "v2", "/vote con"))[0]
        assert card.kind == "error" and "could not be stored" in card.body
        assert d.votes[Stage.PRE] == {"v1": "pro"}
    finally:
        await postgres.execute(postgres_server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert "Your vote: Con" in (await say(core, "v2", "/vote con"))[0].body
    assert (await core.store.load_debate(d.id)).votes[Stage.PRE] == {"v1": "pro", "v2": "con"}


async def test_an_argument_map_on_two_processes_and_over_a_restart(postgres_url, clock):
    """Two processes on one database build and rate one map; a third, started later, shows it."""
    first = await build_core(postgres_url, {"test": FakeChat()}, clock=clock, secret=b"s" * 32)
    second = await build_core(postgres_url, {"test": FakeChat()}, clock=clock, secret=b"s" * 32)
    for core in (first, second):
        core.charts = None
        await core.start()
    try:
        await say(first, "teacher", "/debate start format:quick anonymous:yes")
        space = next(iter(first.debates.debates.values())).space
        assert "#1 (Pro)" in (await say(first, "amy", "/claim pro Masks fool cameras.", channel=space))[0].body
        assert "#2 (Con)" in (await say(second, "ben", "/claim con parent:1 Cameras learn.", channel=space))[0].body
        await say(first, "cat", "/claim rate id:1 impact:4", channel=space)
        assert "changed from 4 to 2" in (await say(second, "cat", "/claim rate id:1 impact:2", channel=space))[0].body
        [rater] = (await second.store.claims.ratings("debate:1", "test", "w1"))[1]
        assert rater.startswith("h:")  # one keyed hash for cat, whichever process took the rating
    finally:
        for core in (first, second):
            await core.stop()
    third = await build_core(postgres_url, {"test": FakeChat()}, clock=clock, secret=b"s" * 32)
    third.charts = None
    await third.start()
    try:
        mapped = (await say(third, "cat", "/claim map", channel=space))[0].body
        assert "#1 Pro · Amy · impact 2.0 (1 rating)" in mapped and "#2 Con · Ben" in mapped
    finally:
        await third.stop()
