"""A bot on the console adapter and a fake clock, with its web listener and the classroom screen,
for the screen's tests: lines typed as on the console, links taken from the replies."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.core.service import Core
from bot.testing.clock import FakeClock
from bot.web.listener import WebListener
from bot.web.screen_hub import TICK_SECONDS, ScreenHub
from bot.web.screen_site import ScreenSite

SECRET = b"screen-test-secret"
LINK = re.compile(r"http://\S+/screen/\S+")


@dataclass
class ScreenBot:
    core: Core
    app: ConsoleApp
    out: io.StringIO
    clock: FakeClock
    listener: WebListener
    site: ScreenSite
    url: str

    async def type(self, line: str) -> str:
        """One console line (`name: /command …`); what it printed."""
        start = self.out.tell()
        await self.app.handle_line(line)
        self.out.seek(start)
        printed = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return printed

    async def link(self, line: str = "teacher: /debate screen") -> str:
        printed = await self.type(line)
        found = LINK.search(printed)
        assert found, printed
        return found.group(0)

    async def stop(self) -> None:
        await self.listener.stop()
        await self.core.stop()


async def start_bot(folder: Path, clock: FakeClock, port: int = 0, tick: float | None = TICK_SECONDS,
                    database: str | Path | None = None) -> ScreenBot:
    listener = WebListener("127.0.0.1", port)
    core = await build_core(database or folder / "screen.db", {}, clock=clock, secret=SECRET,
                            screen_url=lambda: listener.public_url)
    out = io.StringIO()
    console = ConsolePort(out, clock, core.catalog, folder / "exports", language=core.language)
    core.ports["console"] = console
    await core.start()
    site = ScreenSite(core, hub=ScreenHub(core, tick=tick))
    site.mount(listener.app)
    url = await listener.start()
    return ScreenBot(core, ConsoleApp(core, console, frozenset({"teacher"})), out, clock, listener, site, url)
