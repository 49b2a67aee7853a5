"""Coalesced tally edits: a live tally message is edited by time, never once per vote.

Each message is edited at most once per `interval` seconds; a burst of votes inside that window
becomes one edit drawn from the state at the moment of the edit. `finish()` cancels what is
pending and draws the exact final state at once.
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
        self._last: dict[str, datetime] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self.edits: dict[str, int] = {}

    def request(self, key: str, interval: float, draw: Draw) -> None:
        """Ask for `key`'s message to be redrawn; at most one edit per `interval` seconds."""
        if key in self._pending:
            return
        last = self._last.get(key)
        wait = 0.0
        if last is not None:
            wait = max(0.0, interval - (self.clock.now() - last).total_seconds())
        self._pending[key] = asyncio.create_task(self._later(key, wait, draw))

    async def _later(self, key: str, wait: float, draw: Draw) -> None:
        try:
            if wait > 0:
                await self.clock.sleep(wait)
        finally:
            self._pending.pop(key, None)
        await self._draw(key, draw)

    async def _draw(self, key: str, draw: Draw) -> None:
        self._last[key] = self.clock.now()
        self.edits[key] = self.edits.get(key, 0) + 1
        try:
            await draw()
        except Exception:
            log.exception("could not redraw tally %s", key)

    async def finish(self, key: str, draw: Draw) -> None:
        """Cancel any pending edit and draw the final state now."""
        task = self._pending.pop(key, None)
        if task is not None:
            task.cancel()
        await self._draw(key, draw)
        self._last.pop(key, None)

    async def idle(self) -> None:
        """Wait for every pending edit (tests and shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    def cancel_all(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()
