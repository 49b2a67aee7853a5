"""One bot process of the PostgreSQL bench: a core on the shared database, driven by its parent.

Run by `bench/postgres.py` (as `python -m bench.pg_worker`), never by hand. It opens the core on
the URL (taking back every open debate, as a restarted or an added process does), prints `ready`,
and waits for one line on stdin:

- `votes`: waits for `go <epoch seconds>` and then runs its voters (`--voters`, numbered from
  `--first-voter` so that no two processes speak for one person) for `--seconds` against every
  open debate; prints one JSON line: confirmed, refused, started, ended.
- `deadlines`: leaves the core's scheduler to fire what falls due and prints one JSON line, after
  `stop` arrives on stdin, with each phase announcement it posted: the debate's channel, the
  card's title and the wall time it was posted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from bench.common import RecordingPort
from bench.votes import LoadResult, cast_votes
from bot.app import build_core
from bot.clock import SystemClock
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card
from bot.process import tune_process


class AnnouncingPort(RecordingPort):
    """A recording port that also keeps every phase announcement, with the wall time it was posted."""

    def __init__(self) -> None:
        super().__init__()
        self.phases: list[tuple[str, str, float]] = []

    async def post(self, channel: ChannelRef, card: Card) -> str:
        if card.kind == "phase":
            self.phases.append((channel.channel, card.title or "", time.time()))
        return await super().post(channel, card)


async def line(reader: asyncio.StreamReader) -> str:
    return (await reader.readline()).decode().strip()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("mode", choices=("votes", "deadlines"))
    parser.add_argument("--secret", required=True, help="hex; every process of one bot shares the key")
    parser.add_argument("--prompts", type=Path, required=True)
    parser.add_argument("--voters", type=int, default=0)
    parser.add_argument("--first-voter", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    port = AnnouncingPort()
    core = await build_core(args.url, {port.platform: port}, clock=SystemClock(), secret=bytes.fromhex(args.secret),
                            prompts=args.prompts)
    await core.start()
    tune_process()  # as `python -m bot` does
    try:
        print("ready", flush=True)
        if args.mode == "votes":
            go = float((await line(reader)).split()[1])
            spaces = sorted((d.space for d in core.debates.debates.values()), key=lambda s: s.channel)
            await asyncio.sleep(max(0.0, go - time.time()))
            result = LoadResult()
            started = time.time()
            await cast_votes(core, port, spaces, args.voters, args.seconds, result, first_voter=args.first_voter)
            await core.debates.writer.flush()
            print(json.dumps({"confirmed": result.confirmed, "refused": result.refused, "started": started,
                              "ended": time.time(), "refusals": result.refusals}), flush=True)
        else:
            await line(reader)  # "stop"
            print(json.dumps({"phases": port.phases}), flush=True)
    finally:
        await core.stop()


if __name__ == "__main__":
    asyncio.run(main())
