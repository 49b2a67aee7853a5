"""A graceful stop (`Core.drain`): new requests are refused with their text handed back, what is
in flight is waited for, queued ballots are committed."""

from __future__ import annotations

import asyncio

from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef, Stage
from bot.core.kernel.request import Request
from bot.core.ports import NoMetrics
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from bot.web.health import Health

ROOM = ChannelRef("test", "w1", "c1")
TEACHER = Actor("test", "w1", "teacher", "Teacher", is_admin=True)


async def test_while_stopping_a_request_is_refused_and_its_text_handed_back(tmp_path):
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=FakeClock(), secret=b"k" * 32)
    await core.start()
    try:
        await core.handle(Request(TEACHER, ROOM, "/debate start format:quick"))
        assert await core.drain(5.0)
        assert core.stopping
        replies = await core.handle(Request(TEACHER, ROOM, "/speak the masks need a marker"))
        body = replies[0].card.body
        assert replies[0].card.kind == "error" and replies[0].private
        assert "stopping" in body and "the masks need a marker" in body
        refused = await core.handle(Request(Actor("test", "w1", "v1", "v1"), ROOM, "/vote pro"))
        assert "stopping" in refused[0].card.body
        assert await core.store.stage_votes(1, Stage.PRE) == {}
        assert await Health(core.store, stopping=lambda: core.stopping).problems() == ["bot: stopping"]
    finally:
        await core.stop()


async def test_drain_waits_for_work_in_flight_and_commits_what_it_queued(tmp_path):
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=FakeClock(), secret=b"k" * 32)
    await core.start()
    try:
        await core.handle(Request(TEACHER, ROOM, "/debate start format:quick"))
        core.inflight.enter()  # an adapter took a request and has not answered yet
        ballots = [asyncio.ensure_future(core.handle(Request(Actor("test", "w1", f"v{n}", f"v{n}"), ROOM, "/vote pro")))
                   for n in range(50)]
        # one turn of the loop: each ballot passes the stopping check (no await before it once the
        # channel's language is known) and waits on the writer before the stop begins
        await asyncio.sleep(0)
        draining = asyncio.ensure_future(core.drain(30.0))
        await asyncio.gather(*ballots)
        assert not draining.done()  # the request in flight is not answered yet
        core.inflight.leave()
        assert await draining
        assert len(await core.store.stage_votes(1, Stage.PRE)) == 50
    finally:
        await core.stop()


async def test_drain_gives_up_after_its_time_and_says_so(tmp_path, caplog):
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=FakeClock())
    await core.start()
    try:
        core.inflight.enter()  # never answered
        assert await core.drain(0) is False
        assert "1 requests still in flight" in caplog.text
    finally:
        await core.stop()


class CountedBallots(NoMetrics):
    """Metrics that keep the ballots they are told of (and count nothing else)."""

    def __init__(self) -> None:
        self.ballots: list[tuple[str, str]] = []

    def vote(self, platform: str, outcome: str, seconds: float) -> None:
        self.ballots.append((platform, outcome))


async def test_while_stopping_a_mistyped_line_is_refused_as_stopping_and_a_ballot_counts_as_refused(tmp_path):
    metrics = CountedBallots()
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=FakeClock(), secret=b"k" * 32,
                            metrics=metrics)
    await core.start()
    try:
        await core.handle(Request(TEACHER, ROOM, "/debate start format:quick"))
        await core.handle(Request(Actor("test", "w1", "v1", "v1"), ROOM, "/vote pro"))
        assert await core.drain(5.0)
        mistyped = await core.handle(Request(TEACHER, ROOM, "/debate extend seconds:many"))
        assert mistyped[0].card.kind == "error" and "stopping" in mistyped[0].card.body
        refused = await core.handle(Request(Actor("test", "w1", "v2", "v2"), ROOM, "/vote con"))
        assert "stopping" in refused[0].card.body
        assert metrics.ballots == [("test", "confirmed"), ("test", "refused")]
    finally:
        await core.stop()
