"""The classroom screen beside several processes on one store: a page served by one process shows
the debate another runs, with every process's ballots, and a revocation made by either."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_core
from bot.core.screens.service import GENERATION_SECONDS
from bot.core.service import Core
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from bot.web.screen_hub import ScreenHub
from tests.conftest import say
from tests.core.test_several_processes import open_store  # noqa: F401  (the fixture: both engines)

SECRET = b"s" * 32


@pytest.fixture
async def processes(open_store, clock) -> AsyncIterator[tuple[Core, Core]]:  # noqa: F811
    chat = FakeChat()
    cores = []
    for _ in range(2):
        core = await build_core(await open_store(), {"test": chat}, clock=clock, secret=SECRET,
                                screen_url=lambda: "http://screen.test")
        await core.start()
        cores.append(core)
    yield cores[0], cores[1]
    for core in cores:
        await core.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_a_page_on_one_process_counts_the_ballots_of_both(processes):
    a, b = processes
    await say(a, "teacher", "/debate start format:quick")
    await b.sync()  # b follows the debate a started
    hub = ScreenHub(b, tick=None)
    board = await hub.board("debate", 1)
    assert board is not None and board.view["vote"]["turnout"] == 0
    for n in range(3):
        await say(a, f"v{n}", "/vote pro")
    await say(b, "v9", "/vote con")
    await a.debates.writer.flush()
    await b.debates.writer.flush()
    await hub.refresh()
    assert board.view["vote"]["turnout"] == 4
    assert board.view["vote"]["tally"][0]["count"] == 3  # pro, counted from the store


async def test_a_revocation_by_one_process_ends_the_links_on_the_other(processes, clock):
    a, b = processes
    await say(a, "teacher", "/debate start format:quick")
    await b.sync()
    hub = ScreenHub(b, tick=None)
    board = await hub.board("debate", 1)
    assert board is not None and board.generation == 0
    await say(a, "teacher", "/debate screen revoke:yes")
    clock.advance(GENERATION_SECONDS)  # how long b trusts the generation it read
    await hub.refresh()
    assert board.generation == 1  # a stream of an older link ends at its next look
