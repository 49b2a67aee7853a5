"""A console on a real terminal for tests/adapters/test_console_terminal.py. The test hands it a
pseudo-terminal as stdin, stdout and stderr, so prompt_toolkit runs exactly as under `make run`;
each line `advance <seconds>` on the file descriptor in argv[2] moves the fake clock on and runs
what is due, so a timer posts while a line is being typed, without waiting for the wall clock."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.testing.clock import FakeClock


async def main(database: str, control_fd: int) -> None:
    clock = FakeClock()
    core = await build_core(database, {}, clock=clock)
    core.charts = None
    port = ConsolePort(None, clock, core.catalog, Path(database).parent / "exports", language=core.language)
    core.ports["console"] = port
    await core.start()
    app = ConsoleApp(core, port, frozenset({"teacher"}))
    loop = asyncio.get_running_loop()
    control = os.fdopen(control_fd, "rb", buffering=0)

    async def follow() -> None:
        while line := await loop.run_in_executor(None, control.readline):
            clock.advance(float(line.split()[1]))
            await core.run_due()

    follower = asyncio.create_task(follow())
    try:
        await app.run_terminal()
    finally:
        follower.cancel()
        await core.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
