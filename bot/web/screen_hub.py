"""One shared view per debate or poll on screen, fanned out to every page that shows it.

The hub looks at each watched debate or poll in the core's memory a few times a second
(`TICK_SECONDS`) and, when what the screen shows has changed, makes the next version of its view
and wakes the pages' streams; each stream then sends that version, encoded once for all of them.
So however fast votes come, a page gets at most one event a tick, a page that fell behind skips
straight to the newest version, and 500 pages cost one view per change, not a store query each.
The store is read only for what is not in memory: an ended debate (once), one another process
runs (until this one follows it), the generation of the links (see `ScreenService.generation`),
and on a shared store (several processes) the open stage's ballots, once a tick per debate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass, field

from bot.core.debates import engine
from bot.core.debates.model import Choice, Debate
from bot.core.polls.model import Poll
from bot.core.service import Core
from bot.web.screen_state import View, debate_view, poll_view, public

log = logging.getLogger(__name__)
TICK_SECONDS = 0.25  # at most four events a second per page, and a change shows within a second
IDLE_SECONDS = 60.0  # a view nobody watched for this long is dropped (a page reloading keeps it)
RELOAD_SECONDS = 2.0  # a debate or poll running beyond this process's memory is read again this often


def encode(event_id: str, view: View) -> bytes:
    """One `state` event of the stream: its id and the view as one line of JSON."""
    data = json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: state\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class Board:
    """The shared view of one debate or poll and the streams waiting for its next version."""

    kind: str
    target: int
    boot: str
    version: int = 0
    view: View | None = None
    generation: int = 0  # of the target's links: a stream whose link is older ends
    watchers: int = 0
    closed: bool = False
    source: Debate | Poll | None = None
    read_at: float = 0.0  # when `source` was last read from the store (0: it is the core's own)
    idle_since: float = field(default_factory=time.monotonic)
    _encoded: dict[bool, bytes] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def event_id(self) -> str:
        return f"{self.boot}.{self.version}"

    def publish(self, view: View) -> bool:
        """Take `view` as the newest version if it differs from the last; True if it did."""
        if view == self.view:
            return False
        self.view = view
        self.version += 1
        self._encoded.clear()
        self.wake()
        return True

    def event(self, tally_live: bool) -> bytes:
        """The newest version as a stream event, for pages with the live tally or without."""
        data = self._encoded.get(tally_live)
        if data is None:
            assert self.view is not None
            data = self._encoded[tally_live] = encode(self.event_id, public(self.view, tally_live))
        return data

    def wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait(self, timeout: float) -> bool:
        """Until the next version (True) or `timeout` seconds (False)."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def watch(self) -> None:
        self.watchers += 1

    def unwatch(self) -> None:
        self.watchers -= 1
        if not self.watchers:
            self.idle_since = time.monotonic()


class ScreenHub:
    """`board()` for a page; `refresh()` looks at every board once (the ticker calls it; tests may)."""

    def __init__(self, core: Core, *, tick: float | None = TICK_SECONDS) -> None:
        self.core = core
        self.tick = tick  # None: no ticker, the caller runs `refresh`
        self.boot = secrets.token_hex(4)  # event ids of another run (before a restart) never match
        self.boards: dict[tuple[str, int], Board] = {}
        self._ticker: asyncio.Task[None] | None = None

    async def board(self, kind: str, target: int) -> Board | None:
        """The shared view of a debate or poll; None when there is no such debate or poll."""
        key = (kind, target)
        board = self.boards.get(key)
        if board is None:
            board = Board(kind, target, self.boot)
            await self._refresh(board)
            if board.view is None:
                return None
            board = self.boards.setdefault(key, board)
            if self.tick is not None and (self._ticker is None or self._ticker.done()):
                self._ticker = asyncio.create_task(self._run(), name="screen-hub")
        return board

    async def refresh(self) -> None:
        now = time.monotonic()
        for key, board in list(self.boards.items()):
            if not board.watchers and now - board.idle_since > IDLE_SECONDS:
                del self.boards[key]
                continue
            try:
                await self._refresh(board)
            except Exception:
                log.exception("could not refresh the screen of %s %s", board.kind, board.target)

    async def _refresh(self, board: Board) -> None:
        source = await self._source(board)
        if source is None:
            return
        if isinstance(source, Debate):
            view = debate_view(self.core, source, await self._counted(source))
            view["claims"] = await self.core.claims.screen_map(source)  # one store read a tick, for every page
            board.publish(view)
        else:
            board.publish(poll_view(self.core, source))
        generation = await self.core.screens.generation(board.kind, board.target)
        if generation != board.generation:
            board.generation = generation
            board.wake()  # streams of older links end

    async def _counted(self, d: Debate) -> dict[str, Choice] | None:
        """On a shared store, the open stage's ballots of every process: one query a tick for the
        board, whatever the number of pages (alone on the store, this process's memory has them all)."""
        if not self.core.store.shared or not d.running:
            return None
        stage = engine.open_stage(d, self.core.library.formats[d.format_id])
        return await self.core.store.stage_votes(d.id, stage) if stage is not None else None

    async def _source(self, board: Board) -> Debate | Poll | None:
        """The debate or poll as the core holds it; what the store holds when the core does not."""
        if board.kind == "debate":
            live: Debate | Poll | None = self.core.debates.debates.get(board.target)
        else:
            live = self.core.polls.open_poll(board.target)
        if live is not None:
            board.source, board.read_at = live, 0.0
            return live
        source = board.source
        if source is not None and not _running(source):
            return source  # ended (in the core's memory, or as read): final
        if source is None or time.monotonic() - board.read_at >= RELOAD_SECONDS:
            if board.kind == "debate":
                source = await self.core.store.load_debate(board.target)
            else:
                source = await self.core.store.polls.load(board.target)
            board.source, board.read_at = source, time.monotonic()
        return source

    async def _run(self) -> None:
        assert self.tick is not None
        while self.boards:
            await asyncio.sleep(self.tick)  # a frame rate of the plumbing, not a deadline: real time
            await self.refresh()

    async def close(self) -> None:
        """End every stream (the bot is stopping) and the ticker."""
        for board in self.boards.values():
            board.closed = True
            board.wake()
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
            self._ticker = None


def _running(source: Debate | Poll) -> bool:
    return source.running if isinstance(source, Debate) else source.open
