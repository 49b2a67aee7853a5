"""The classroom screen under load: 500 open pages on one debate during a 1,000-vote burst.

Ours: the screen as the bot serves it (one shared view per debate, refreshed by the hub's ticker
four times a second and fanned out). The baseline is what the shared view avoids: each page's
stream counting the turnout from the store itself, one query per page per tick. Both run on a
SQLite file with the real clock, the votes through `Core.handle`. Measured: from the first vote
to every page showing the exact final turnout, and the state events each page was sent.

``python -m bench.screen`` prints the rows alone; `make bench` (bench/run.py) includes them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.common import PLATFORM, TEACHER, WORKSPACE, RecordingPort, Row
from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef, Stage
from bot.core.kernel.request import Request
from bot.core.service import Core
from bot.web.listener import WebListener
from bot.web.screen_hub import TICK_SECONDS
from bot.web.screen_site import ScreenSite

RATIO_TARGET = 2.0  # ours at least this many times faster to the final turnout than the baseline
PLACE = ChannelRef(PLATFORM, WORKSPACE, "screen")


def naive_route(core: Core, debate_id: int):
    """The baseline's stream: every tick, this page's own store query for the turnout."""

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        sent = -1
        try:
            while request.transport is not None and not request.transport.is_closing():  # until the page leaves
                turnout = len(await core.store.stage_votes(debate_id, Stage.PRE))
                if turnout != sent:
                    sent = turnout
                    data = json.dumps({"vote": {"turnout": turnout}})
                    await response.write(f"event: state\ndata: {data}\n\n".encode())
                await asyncio.sleep(TICK_SECONDS)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    return events


async def follow(http: aiohttp.ClientSession, url: str, ready: asyncio.Event, want: int) -> int:
    events = turnout = 0
    async with http.get(url) as response:
        ready.set()
        while turnout != want:
            chunk = (await response.content.readuntil(b"\n\n")).decode()
            if "event: state" in chunk:
                events += 1
                turnout = json.loads(chunk.split("data: ", 1)[1])["vote"]["turnout"]
    return events


async def run_once(folder: Path, pages: int, votes: int, naive: bool) -> tuple[float, int]:
    """(seconds from the first vote to every page on the final turnout, most events one page got)."""
    listener = WebListener("127.0.0.1", 0)
    core = await build_core(folder / f"screen-{'naive' if naive else 'ours'}.db", {PLATFORM: RecordingPort()},
                            screen_url=lambda: listener.public_url)
    await core.start()
    site = ScreenSite(core)
    site.mount(listener.app)
    await core.handle(Request(TEACHER, PLACE, "/debate start format:quick"))
    debate_id = core.debates.places[PLACE]
    listener.app.router.add_get("/naive/events", naive_route(core, debate_id))
    await listener.start()
    try:
        [reply] = await core.handle(Request(TEACHER, PLACE, "/debate screen"))
        link = next(word for word in reply.card.body.split() if "/screen/" in word)
        url = f"{listener.public_url}/naive/events" if naive else f"{link}/events"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            readies = [asyncio.Event() for _ in range(pages)]
            followers = [asyncio.create_task(follow(http, url, ready, votes)) for ready in readies]
            for ready in readies:
                await ready.wait()
            started = time.perf_counter()
            await asyncio.gather(*(core.handle(Request(Actor(PLATFORM, WORKSPACE, f"v{i}", f"v{i}"), PLACE, "/vote pro"))
                                   for i in range(votes)))
            events = await asyncio.gather(*followers)
            took = time.perf_counter() - started
    finally:
        await listener.stop()
        await core.stop()
    return took, max(events)


async def screen_rows(folder: Path, pages: int = 500, votes: int = 1000) -> list[Row]:
    ours, ours_events = await run_once(folder, pages, votes, naive=False)
    naive, naive_events = await run_once(folder, pages, votes, naive=True)
    ratio = naive / ours if ours else float("inf")
    return [
        Row(f"screen: {pages} pages, {votes:,}-vote burst, first vote -> every page exact", f"{ours:.2f} s", "", None,
            f"at most {ours_events} state events a page"),
        Row("  baseline: each page's own store query a tick", f"{naive:.2f} s", "", None,
            f"at most {naive_events} state events a page"),
        Row("  baseline / ours", f"{ratio:.1f}x", f">= {RATIO_TARGET:.0f}x", ratio >= RATIO_TARGET),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.screen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--votes", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="debate-bench-screen-") as tmp:
        for row in asyncio.run(screen_rows(Path(tmp), args.pages, args.votes)):
            print(f"{row.name}: {row.value} {row.target} {'' if row.met is None else 'met' if row.met else 'NOT met'}"
                  f" {row.note}")


if __name__ == "__main__":
    main()
