"""500 open screens during a 1,000-vote burst: every page ends on the exact final turnout, and the
events each page was sent stay bounded by the versions the hub made, not by the votes.

The hub is refreshed by the test (no ticker), once after each of ten bursts of 100 votes, so the
number of versions is known. The timing of the same load is `bench/screen.py`'s.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.adapters.console.adapter import PLATFORM, WORKSPACE
from bot.core.debates.model import ChannelRef
from bot.core.kernel.request import Request
from tests.web.screen_support import start_bot

PAGES = 500
VOTES = 1_000
BURSTS = 10


async def watch(http: aiohttp.ClientSession, url: str, ready: asyncio.Event, want: int) -> tuple[int, int]:
    """Follow one page's stream until it shows `want` votes: (state events seen, last turnout)."""
    events = turnout = 0
    async with http.get(url + "/events") as response:
        assert response.status == 200
        ready.set()
        while turnout != want:
            chunk = (await response.content.readuntil(b"\n\n")).decode()
            if "event: state" in chunk:
                events += 1
                view = json.loads(chunk.split("data: ", 1)[1])
                turnout = view["vote"]["turnout"]
    return events, turnout


async def test_500_pages_end_on_the_exact_turnout_of_a_1000_vote_burst(tmp_path, clock):
    bot = await start_bot(tmp_path, clock, tick=None)
    try:
        await bot.type("teacher: /debate start format:quick")
        url = await bot.link()
        hub = bot.site.hub
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http, asyncio.timeout(50):  # a guard, not a timing
            readies = [asyncio.Event() for _ in range(PAGES)]
            pages = [asyncio.create_task(watch(http, url, ready, VOTES)) for ready in readies]
            for ready in readies:
                await ready.wait()
            assert hub.boards[("debate", 1)].watchers == PAGES
            versions_before = hub.boards[("debate", 1)].version
            place = ChannelRef(PLATFORM, WORKSPACE, "main")
            for burst in range(BURSTS):
                voters = range(burst * VOTES // BURSTS, (burst + 1) * VOTES // BURSTS)
                await asyncio.gather(*(bot.core.handle(Request(bot.app.actor(f"voter{i}"), place, "/vote pro"))
                                       for i in voters))
                await hub.refresh()
            results = await asyncio.gather(*pages)
            made = hub.boards[("debate", 1)].version - versions_before
    finally:
        await bot.stop()
    assert made == BURSTS  # one version per refresh that saw new votes: not one per vote
    assert all(turnout == VOTES for _, turnout in results)
    assert max(events for events, _ in results) <= BURSTS + 1  # the first state, then at most one per version
