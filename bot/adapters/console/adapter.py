"""The console adapter: lines `name: /command …` in, everything the bot posts out.

A line may start with `#room` to speak in another channel (`#lobby alice: /vote pro`); the
default channel is `#main`; any other line that starts with `#` is a comment (`# a note`). Users
named in BOT_MODERATORS are moderators. `/iam teacher` (or `--as teacher` at start) says who
types the lines that carry no `name:`.

On a terminal (stdin and stdout both), lines are read with prompt_toolkit: line editing,
history, and what the bot prints meanwhile appears above the prompt, never through it. Piped
input is read line by line as it always was.

Input is read as bytes and decoded here, once, with invalid bytes replaced (U+FFFD), whatever
the locale: a stray byte neither stops the console nor reaches the store as a lone surrogate.
Output goes through :func:`printable`, so user text prints no control characters.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from itertools import count
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.patch_stdout import patch_stdout

from bot.adapters.console.render import card_lines, printable
from bot.core.debates import engine
from bot.core.debates.model import Actor, ChannelRef, DebateState
from bot.core.kernel.cards import Attachment, Card
from bot.core.kernel.i18n import Catalog
from bot.core.kernel.request import Request
from bot.core.kernel.timefmt import duration
from bot.core.ports import Clock
from bot.core.service import Core

log = logging.getLogger(__name__)
PLATFORM = "console"
WORKSPACE = "local"
DEFAULT_ROOM = "main"
LINE = re.compile(r"^(?:#(?P<room>[\w-]+)\s+)?(?P<name>[\w.-]+)\s*:\s*(?P<command>/.*)$")
NAMELESS = re.compile(r"^(?:#(?P<room>[\w-]+)\s+)?(?P<command>/.*)$")  # for whoever said /iam
NAME = re.compile(r"^[\w.-]+$")
IAM = re.compile(r"^/iam(?:\s+(?P<name>.*?))?\s*$", re.IGNORECASE)
ROOM = re.compile(r"^#(?P<room>[\w-]+)")  # `#room …`; any other line starting with # is a comment


def room(name: str = DEFAULT_ROOM) -> ChannelRef:
    return ChannelRef(PLATFORM, WORKSPACE, name)


class ConsolePort:
    """Prints posts with the time; writes attachments into the export folder and prints the path.

    `out` None prints to whatever `sys.stdout` is at the time, so that on a terminal posts go
    through prompt_toolkit's `patch_stdout` and appear above the prompt. `language` says a
    channel's language, for the port's own words ("only alice sees this", "saved …")."""

    platform = PLATFORM
    min_edit_interval = 5.0  # the live tally line is reprinted at most every 5 s

    def __init__(self, out: TextIO | None, clock: Clock, catalog: Catalog, export_dir: Path,
                 language: Callable[[ChannelRef], Awaitable[str]] | None = None) -> None:
        self._out = out
        self.clock = clock
        self.catalog = catalog
        self.export_dir = export_dir
        self.language = language
        self._ids = count(1)  # the port keeps no card: what it posts is printed (and saved) only

    @property
    def out(self) -> TextIO:
        return sys.stdout if self._out is None else self._out

    async def t(self, channel: ChannelRef, key: str, **params: object) -> str:
        """One of the console's own lines, in the channel's language."""
        lang = await self.language(channel) if self.language is not None else "en"
        return self.catalog.t(lang, key, **params)

    def _print(self, channel: ChannelRef, who: str, lines: list[str]) -> None:
        stamp = self.clock.now().strftime("%H:%M:%S")
        head = f"[{stamp}] #{channel.channel} {who}"
        if not lines:
            return
        out = self.out
        out.write(f"{head} {printable(lines[0])}\n")
        for line in lines[1:]:
            out.write(f"{' ' * len(head)} {printable(line)}\n")
        out.flush()

    def save(self, attachment: Attachment) -> Path:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / attachment.filename
        path.write_bytes(attachment.data)
        return path

    async def show(self, channel: ChannelRef, who: str, card: Card) -> None:
        lines = card_lines(card)
        if card.attachment is not None:
            path = self.save(card.attachment)
            lines.append(await self.t(channel, "console.saved", path=path))
        self._print(channel, who, lines)

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        return channel, await self.post(channel, card)

    async def post(self, channel: ChannelRef, card: Card) -> str:
        await self.show(channel, "bot:", card)
        return str(next(self._ids))

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        if card.kind == "tally":  # the live tally: one line per (coalesced) edit
            summary = " · ".join(f"{f.name} {f.value}" for f in card.fields)
            self._print(channel, "bot:", [f"✎ {card.title}: {summary} ({card.footer})"])

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        await self.show(channel, await self.t(channel, "console.private", name=user_id), card)


class ConsoleApp:
    """Console lines to requests. `name` types the lines without `name:` (`/iam`, `--as`)."""

    def __init__(self, core: Core, port: ConsolePort, moderators: frozenset[str], name: str = "") -> None:
        self.core = core
        self.port = port
        self.moderators = moderators
        self.name = name

    def actor(self, name: str) -> Actor:
        return Actor(PLATFORM, WORKSPACE, name, name, is_admin=name in self.moderators)

    @property
    def prompt(self) -> str:
        return f"{self.name}> " if self.name else "> "

    def say(self, text: str, channel: ChannelRef | None = None) -> None:
        """One of the console's own lines (those that belong to no channel are in English)."""
        self.port._print(channel or room(), "bot:", [text])

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        in_room = ROOM.match(text)
        if not text or (text.startswith("#") and in_room is None):
            return
        iam = IAM.match(text)
        if iam is not None:
            self.iam(iam["name"] or "")
            return
        match = LINE.match(text) or (NAMELESS.match(text) if self.name else None)
        if match is None:
            self.say(self.core.t("en", "console.bad_line"), room(in_room["room"]) if in_room else room())
            return
        channel = room(match["room"] or DEFAULT_ROOM)
        actor = self.actor(match["name"] if match.re is LINE else self.name)
        self.core.inflight.enter()  # a graceful stop waits until the answer is shown
        try:
            replies = await self.core.handle(Request(actor, channel, match["command"]))
            for reply in replies:
                if reply.private:
                    await self.port.send_private(channel, actor.name, reply.card)
                else:
                    await self.port.show(channel, "bot:", reply.card)
        finally:
            self.core.inflight.leave()

    def iam(self, name: str) -> None:
        """`/iam teacher`: the lines without `name:` are teacher's from now on."""
        if not NAME.match(name):
            self.say(self.core.t("en", "console.iam_usage"))
            return
        self.name = name
        if name in self.moderators:
            self.say(self.core.t("en", "console.iam_moderator", name=name))
        else:
            self.say(self.core.t("en", "console.iam", name=name))

    def still_open(self) -> None:
        """At start: the debates and polls still open on the console, and how to start afresh."""
        now = self.core.clock.now()
        items = []
        for d in self.core.open_debates(PLATFORM):
            fmt = self.core.library.formats[d.format_id]
            phase = engine.current_phase(d, fmt).name("en")
            left = duration(engine.remaining(d, now))
            paused = d.state is DebateState.PAUSED
            items.append(self.core.t("en", "console.open_debate_paused" if paused else "console.open_debate",
                                      id=d.id, channel=d.space.channel, phase=phase, left=left))
        for p in self.core.open_polls(PLATFORM):
            if p.closes_at is None:
                items.append(self.core.t("en", "console.open_poll", id=p.id, channel=p.channel.channel))
            else:
                items.append(self.core.t("en", "console.open_poll_closes", id=p.id, channel=p.channel.channel,
                                         left=duration((p.closes_at - now).total_seconds())))
        if items:
            self.say(self.core.t("en", "console.still_open", items=" · ".join(items)))
            self.say(self.core.t("en", "console.afresh"))

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
            line = await read_in_daemon(loop, readline)
            if not line:
                break
            await self.handle_line(line)

    async def run_terminal(self) -> None:
        """Read lines from a terminal until Ctrl-D: line editing and history (prompt_toolkit),
        and everything printed meanwhile (timer posts, tally edits) appears above the prompt."""
        session: PromptSession[str] = PromptSession()
        with patch_stdout():
            self.port.out.write(self.core.t("en", "console.terminal_help") + "\n")
            while True:
                try:
                    line = await session.prompt_async(lambda: self.prompt)
                except KeyboardInterrupt:  # Ctrl-C drops the line being typed, as in a shell
                    continue
                except EOFError:
                    break
                await self.handle_line(without_surrogates(line))


def read_in_daemon(loop: asyncio.AbstractEventLoop, readline: Callable[[], str]) -> asyncio.Future[str]:
    """One `readline()` on a daemon thread: a stop (SIGTERM, Ctrl-C) while the line is awaited
    does not wait for input that may never come, as a thread of the default executor would make
    `asyncio.run` do."""
    future: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, error: BaseException | None) -> None:
        if future.done():  # the stop came first
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(line or "")

    def work() -> None:
        try:
            result: tuple[str | None, BaseException | None] = (readline(), None)
        except Exception as exc:
            result = (None, exc)
        try:
            loop.call_soon_threadsafe(settle, *result)
        except RuntimeError:  # the loop is closed: the bot has stopped, the line goes nowhere
            pass

    threading.Thread(target=work, name="console-readline", daemon=True).start()
    return future


def without_surrogates(line: str) -> str:
    """prompt_toolkit decodes a terminal's bad bytes as lone surrogates: they become U+FFFD here,
    as on the piped path, so none reaches the store."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in line)


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


async def run_console(core: Core, port: ConsolePort, moderators: frozenset[str], stream: TextIO = sys.stdin,
                      *, name: str = "", terminal: bool = False, started: Callable[[], None] | None = None) -> None:
    """Start the core, say what is still open, and read lines: from a terminal with prompt_toolkit
    when `terminal`, else from `stream` line by line. `started` is called once the core has
    started (the entry point tunes the process there)."""
    app = ConsoleApp(core, port, moderators, name)
    await core.start()
    if started is not None:
        started()
    try:
        app.still_open()
        if terminal:
            await app.run_terminal()
        else:
            await app.run(stream)
    finally:
        await core.stop()
