"""The deadline scheduler: one task that sleeps until the earliest deadline of the timed
services (or until woken because a deadline changed) and runs what is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.ports import Clock

log = logging.getLogger(__name__)
IDLE_SECONDS = 3600.0  # how long the scheduler sleeps when no deadline is set


class Timed(Protocol):
    """A service with deadlines: the scheduler asks for the next one and runs what is due."""

    def next_deadline(self) -> datetime | None: ...

    async def run_due(self, now: datetime) -> None: ...


class Scheduler:
    def __init__(self, clock: Clock, timed: Sequence[Timed]) -> None:
        self.clock = clock
        self.timed = tuple(timed)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A deadline changed: look again."""
        self._wake.set()

    def next_deadline(self) -> datetime | None:
        deadlines = [d for d in (t.next_deadline() for t in self.timed) if d is not None]
        return min(deadlines) if deadlines else None

    async def run_due(self) -> None:
        """Run every deadline that has passed; one that fails is logged and the others still run."""
        now = self.clock.now()
        for timed in self.timed:
            try:
                await timed.run_due(now)
            except Exception:
                log.exception("a deadline failed in %s", type(timed).__name__)

    async def run(self) -> None:
        """Until cancelled: run what is due, then sleep until the next deadline or a `wake`."""
        while True:
            self._wake.clear()
            await self.run_due()
            nxt = self.next_deadline()
            delay = IDLE_SECONDS if nxt is None else max(0.0, (nxt - self.clock.now()).total_seconds())
            sleeper = asyncio.ensure_future(self.clock.sleep(delay))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
