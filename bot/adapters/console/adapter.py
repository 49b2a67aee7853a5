"""The console adapter: lines `name: /command …` in, everything the bot posts out.

A line may start with `#room` to speak in another channel (`#lobby alice: /vote pro`); the
default channel is `#main`; any other line that starts with `#` is a comment (`# a note`). Users
named in BOT_MODERATORS are moderators.

Input is read as bytes and decoded here, once, with invalid bytes replaced (U+FFFD), whatever
the locale: a stray byte neither stops the console nor reaches the store as a lone surrogate.
Output goes through :func:`printable`, so user text prints no control characters.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import TextIO

from bot.adapters.console.render import card_lines, printable
from bot.core.cards import Attachment, Card
from bot.core.i18n import Catalog
from bot.core.model import Actor, ChannelRef
from bot.core.ports import Clock
from bot.core.service import Core, Request

log = logging.getLogger(__name__)
PLATFORM = "console"
WORKSPACE = "local"
DEFAULT_ROOM = "main"
LINE = re.compile(r"^(?:#(?P<room>[\w-]+)\s+)?(?P<name>[\w.-]+)\s*:\s*(?P<command>/.*)$")
ROOM = re.compile(r"^#(?P<room>[\w-]+)")  # `#room …`; any other line starting with # is a comment


def room(name: str = DEFAULT_ROOM) -> ChannelRef:
    return ChannelRef(PLATFORM, WORKSPACE, name)


class ConsolePort:
    """Prints posts with the time; writes attachments into the export folder and prints the path."""

    platform = PLATFORM
    min_edit_interval = 5.0  # the live tally line is reprinted at most every 5 s

    def __init__(self, out: TextIO, clock: Clock, catalog: Catalog, export_dir: Path) -> None:
        self.out = out
        self.clock = clock
        self.catalog = catalog
        self.export_dir = export_dir
        self._ids = count(1)  # the port keeps no card: what it posts is printed (and saved) only

    def _print(self, channel: ChannelRef, who: str, lines: list[str]) -> None:
        stamp = self.clock.now().strftime("%H:%M:%S")
        head = f"[{stamp}] #{channel.channel} {who}"
        if not lines:
            return
        self.out.write(f"{head} {printable(lines[0])}\n")
        for line in lines[1:]:
            self.out.write(f"{' ' * len(head)} {printable(line)}\n")
        self.out.flush()

    def save(self, attachment: Attachment) -> Path:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / attachment.filename
        path.write_bytes(attachment.data)
        return path

    def show(self, channel: ChannelRef, who: str, card: Card) -> None:
        lines = card_lines(card)
        if card.attachment is not None:
            path = self.save(card.attachment)
            lines.append(self.catalog.t("en", "console.saved", path=path))
        self._print(channel, who, lines)

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        return channel, await self.post(channel, card)

    async def post(self, channel: ChannelRef, card: Card) -> str:
        self.show(channel, "bot:", card)
        return str(next(self._ids))

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        if card.kind == "tally":  # the live tally: one line per (coalesced) edit
            summary = " · ".join(f"{f.name} {f.value}" for f in card.fields)
            self._print(channel, "bot:", [f"✎ {card.title}: {summary} ({card.footer})"])

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        self.show(channel, self.catalog.t("en", "console.private", name=user_id), card)


class ConsoleApp:
    def __init__(self, core: Core, port: ConsolePort, moderators: frozenset[str]) -> None:
        self.core = core
        self.port = port
        self.moderators = moderators

    def actor(self, name: str) -> Actor:
        return Actor(PLATFORM, WORKSPACE, name, name, is_admin=name in self.moderators)

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        in_room = ROOM.match(text)
        if not text or (text.startswith("#") and in_room is None):
            return
        match = LINE.match(text)
        if match is None:
            where = room(in_room["room"]) if in_room else room()
            self.port._print(where, "bot:", [self.core.t("en", "console.bad_line")])
            return
        channel = room(match["room"] or DEFAULT_ROOM)
        actor = self.actor(match["name"])
        replies = await self.core.handle(Request(actor, channel, match["command"]))
        for reply in replies:
            if reply.private:
                who = self.core.t("en", "console.private", name=actor.name)
            else:
                who = "bot:"
            self.port.show(channel, who, reply.card)

    async def run(self, stream: TextIO) -> None:
        """Read lines until end of input, then finish pending work."""
        loop = asyncio.get_running_loop()
        interactive = stream.isatty()
        if interactive:
            self.port.out.write(self.core.t("en", "console.prompt_help") + "\n")
        readline = read_lines(stream)
        while True:
            if interactive:
                self.port.out.write("> ")
                self.port.out.flush()
            line = await loop.run_in_executor(None, readline)
            if not line:
                break
            await self.handle_line(line)


def read_lines(stream: TextIO) -> Callable[[], str]:
    """A `readline` for `stream` that never fails on a byte: the bytes under a text stream (stdin
    has them) are decoded in its encoding with invalid ones replaced, so the strict decoder of a
    UTF-8 locale cannot stop the console, and the `surrogateescape` one of the C locale cannot
    hand on a lone surrogate. A stream of text only (a script given as a string) is read as is."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        return stream.readline
    encoding = getattr(stream, "encoding", None) or "utf-8"

    def readline() -> str:
        return raw.readline().decode(encoding, errors="replace")

    return readline


async def run_console(core: Core, port: ConsolePort, moderators: frozenset[str], stream: TextIO = sys.stdin) -> None:
    app = ConsoleApp(core, port, moderators)
    await core.start()
    try:
        await app.run(stream)
    finally:
        await core.stop()
