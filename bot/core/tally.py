"""Coalesced tally edits: a live tally message is edited by time, never once per vote.

Each message is edited at most once per `interval` seconds, counted from when the last edit
landed; a burst of votes inside that window becomes one edit drawn from the state at the moment
of the edit. The edits of one message never overlap: a request that comes while an edit is on
its way is served by one more edit, an interval after that one landed, so the newest state
always lands last. `finish()` stops what is pending, lets an edit already on its way land, and
draws the exact final state at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.ports import Clock

log = logging.getLogger(__name__)
Draw = Callable[[], Awaitable[None]]


class TallyCoalescer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._last: dict[str, datetime] = {}  # when each message's last edit landed
        self._pending: dict[str, asyncio.Task[None]] = {}  # one worker per message with work to do
        self._asks: dict[str, tuple[float, Draw]] = {}  # the newest request per message
        self._again: set[str] = set()  # asked again while the worker was drawing
        self._drawing: dict[str, asyncio.Future[None]] = {}  # the edit on its way, per message
        self.edits: dict[str, int] = {}

    def request(self, key: str, interval: float, draw: Draw) -> None:
        """Ask for `key`'s message to be redrawn; at most one edit per `interval` seconds."""
        self._asks[key] = (interval, draw)
        if key in self._pending:
            if key in self._drawing:
                self._again.add(key)
            return
        self._pending[key] = asyncio.create_task(self._work(key))

    async def _work(self, key: str) -> None:
        try:
            while True:
                interval, _ = self._asks[key]
                last = self._last.get(key)
                if last is not None:
                    wait = interval - (self.clock.now() - last).total_seconds()
                    if wait > 0:
                        await self.clock.sleep(wait)
                self._again.discard(key)
                _, draw = self._asks[key]
                edit = self._drawing[key] = asyncio.ensure_future(self._draw(key, draw))
                try:
                    await asyncio.shield(edit)  # a cancelled worker lets its edit land
                finally:
                    if self._drawing.get(key) is edit:
                        del self._drawing[key]
                if key not in self._again:
                    return
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]
                self._asks.pop(key, None)
                self._again.discard(key)

    async def _draw(self, key: str, draw: Draw) -> None:
        self.edits[key] = self.edits.get(key, 0) + 1
        try:
            await draw()
        except Exception:
            log.exception("could not redraw tally %s", key)
        finally:
            # the interval runs from when the edit landed: however long the request took on its
            # way, the platform sees two edits of one message at least `interval` apart
            self._last[key] = self.clock.now()

    async def finish(self, key: str, draw: Draw) -> None:
        """Cancel any pending edit, let one already on its way land, and draw the final state now."""
        task = self._pending.pop(key, None)
        self._asks.pop(key, None)
        self._again.discard(key)
        if task is not None:
            task.cancel()
        edit = self._drawing.pop(key, None)
        if edit is not None:
            await asyncio.wait({edit})
        await self._draw(key, draw)
        self._last.pop(key, None)

    def workers(self) -> list[asyncio.Task[None]]:
        """The tasks with an edit still to make (a test on a fake clock settles them before moving it)."""
        return list(self._pending.values())

    def busy(self) -> bool:
        """Whether an edit is waiting for its time or on its way."""
        return bool(self._pending or self._drawing)

    async def idle(self) -> None:
        """Wait for every pending edit (tests and shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    def cancel_all(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()
        self._asks.clear()
        self._again.clear()
