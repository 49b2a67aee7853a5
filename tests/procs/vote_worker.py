"""A bot process for the kill -9 test: on the database in argv[1] it starts a quick debate and
casts votes one after another, printing `confirmed <voter>` once each vote is committed, until
it is killed. Its chat is a recording fake; the test reads only the store and these lines."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.request import Request
from bot.testing.chat import FakeChat

CHANNEL = ChannelRef("test", "w1", "c1")


async def main(database: str) -> None:
    core = await build_core(database, {"test": FakeChat()}, secret=b"k" * 32)
    await core.start()
    teacher = Actor("test", "w1", "teacher", "Teacher", is_admin=True)
    await core.handle(Request(teacher, CHANNEL, "/debate start format:quick"))
    print("started", flush=True)
    n = 0
    while True:
        voter = f"v{n}"
        replies = await core.handle(Request(Actor("test", "w1", voter, voter), CHANNEL, "/vote pro"))
        if replies and "Your vote" in replies[0].card.body:
            print(f"confirmed {voter}", flush=True)
        n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
