"""What must be announced is announced, even across a crash: the store records what is owed
with the change that owes it, and the next start (or another process) posts it."""

from __future__ import annotations

import pytest

from bot.app import build_core
from bot.core.debates.model import ChannelRef, DebateState
from bot.core.kernel.cards import Card
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests.conftest import say

SECRET = b"o" * 32


class Crash(BaseException):
    """The process dies here (a BaseException, so nothing on the way catches it)."""


class CrashingChat(FakeChat):
    """A chat that takes the process down when asked to post a card of one kind."""

    def __init__(self, crash_on: str, error: type[BaseException] = Crash) -> None:
        super().__init__()
        self.crash_on = crash_on
        self.error = error

    async def post(self, channel: ChannelRef, card: Card) -> str:
        if card.kind == self.crash_on:
            raise self.error(card.kind)
        return await super().post(channel, card)


async def _quick_debate_to_the_post_vote(core) -> None:
    await say(core, "teacher", "/debate start format:quick")
    await say(core, "v1", "/vote con")
    for _ in range(3):
        await say(core, "teacher", "/debate next")
    await say(core, "v1", "/vote pro")


async def test_a_result_the_crash_kept_from_being_posted_is_posted_at_the_next_start(tmp_path):
    clock = FakeClock()
    path = tmp_path / "bot.db"
    chat = CrashingChat(crash_on="result")
    core = await build_core(path, {"test": chat}, clock=clock, secret=SECRET)
    await core.start()
    await _quick_debate_to_the_post_vote(core)
    with pytest.raises(Crash):
        await say(core, "teacher", "/debate end")
    await core.stop()

    after = FakeChat()
    core = await build_core(path, {"test": after}, clock=clock, secret=SECRET)
    await core.start()
    try:
        results = [p.card for p in after.posts if p.card.kind == "result"]
        assert len(results) == 1 and "Pro wins" in results[0].body
        d = await core.store.load_debate(1)
        assert d.state is DebateState.ENDED and d.announced > d.phase_index
        cards = await say(core, "v2", "/debate results")
        assert "so far" not in cards[0].title.lower() and "so far" not in cards[0].body.lower()
    finally:
        await core.stop()
    again = FakeChat()  # a third start owes nothing: posted once
    core = await build_core(path, {"test": again}, clock=clock, secret=SECRET)
    await core.start()
    await core.stop()
    assert [p for p in again.posts if p.card.kind == "result"] == []


async def test_a_phase_the_crash_kept_from_being_announced_is_announced_at_the_next_start(tmp_path):
    clock = FakeClock()
    path = tmp_path / "bot.db"
    chat = FakeChat()
    core = await build_core(path, {"test": chat}, clock=clock, secret=SECRET)
    await core.start()
    await say(core, "teacher", "/debate start format:quick")
    chat.__class__ = CrashingChat
    chat.crash_on, chat.error = "phase", Crash
    with pytest.raises(Crash):
        await say(core, "teacher", "/debate next")
    await core.stop()

    after = FakeChat()
    core = await build_core(path, {"test": after}, clock=clock, secret=SECRET)
    await core.start()
    try:
        phases = [p.card for p in after.posts if p.card.kind == "phase"]
        assert len(phases) == 1 and phases[0].title.startswith("Phase 2/4")
        d = core.debates.debates[1]
        assert d.phase_index == 1 and d.announced == 1
    finally:
        await core.stop()


async def test_a_poll_result_the_crash_kept_from_being_posted_is_posted_at_the_next_start(tmp_path):
    clock = FakeClock()
    path = tmp_path / "bot.db"
    chat = CrashingChat(crash_on="result", error=ConnectionError)  # the platform is away
    core = await build_core(path, {"test": chat}, clock=clock, secret=SECRET)
    core.charts = None
    await core.start()
    await say(core, "teacher", '/poll create question:"Tea?" options:"yes|no"')
    await say(core, "v1", "/poll vote id:1 yes")
    await say(core, "teacher", "/poll close id:1")  # the post fails: the result stays owed
    assert [p for p in chat.posts if p.card.kind == "result"] == []
    await core.stop()

    after = FakeChat()
    core = await build_core(path, {"test": after}, clock=clock, secret=SECRET)
    core.charts = None
    await core.start()
    try:
        results = [p.card for p in after.posts if p.card.kind == "result"]
        assert len(results) == 1 and "Winner: yes" in results[0].body
        assert (await core.store.polls.load(1)).announced
    finally:
        await core.stop()
