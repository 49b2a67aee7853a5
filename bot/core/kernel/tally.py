"""Coalesced tally edits: a live tally message is edited by time, never once per vote.

Each message is edited at most once per `interval` seconds, counted from when the last edit
landed — by this process or any other on the same store, before a restart or after: the time
of each message's last edit is kept in the store (`EditLog`), and an edit claims its turn there
before it is drawn, so two processes never edit one message in the same interval. A burst of
votes inside that window becomes one edit drawn from the state at the moment of the edit. The
edits of one message in this process never overlap: a request that comes while an edit is on
its way is served by one more edit, an interval after that one landed, so the newest state
always lands last. `finish()` replaces whatever is pending with the final drawing, which keeps
the interval too and is never dropped for a later request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.core.ports import Clock

log = logging.getLogger(__name__)
Draw = Callable[[], Awaitable[None]]
STORE_RETRY = 1.0  # seconds before an edit tries again when the store did not answer


class EditLog(Protocol):
    """The store's record of each message's last edit (see `Store.claim_edit`)."""

    async def claim_edit(self, message_key: str, at: datetime, interval: float) -> datetime | None: ...

    async def record_edit(self, message_key: str, at: datetime) -> None: ...


class TallyCoalescer:
    def __init__(self, clock: Clock, log_: EditLog) -> None:
        self.clock = clock
        self.edit_log = log_
        self._last: dict[str, datetime] = {}  # this process's latest knowledge of each last edit
        self._pending: dict[str, asyncio.Task[None]] = {}  # one worker per message with work to do
        self._asks: dict[str, tuple[float, Draw]] = {}  # the newest request per message
        self._final: set[str] = set()  # messages whose pending drawing is the final one
        self._again: set[str] = set()  # asked again while the worker was drawing
        self._drawing: dict[str, asyncio.Future[None]] = {}  # the edit on its way, per message
        self.edits: dict[str, int] = {}

    def request(self, key: str, interval: float, draw: Draw) -> None:
        """Ask for `key`'s message to be redrawn; at most one edit per `interval` seconds."""
        if key in self._final:
            return  # the final drawing is on its way: nothing after it
        self._ask(key, interval, draw)

    def _ask(self, key: str, interval: float, draw: Draw) -> None:
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
                await self._take_turn(key, interval)
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
                if key in self._final:
                    self._final.discard(key)
                    self._last.pop(key, None)  # the message is done: nothing left to pace

    async def _take_turn(self, key: str, interval: float) -> None:
        """Wait until `interval` has passed since the message's last edit by anyone, and claim the
        next edit in the store: another process that claims first makes this one wait again."""
        while True:
            last = self._last.get(key)
            if last is not None:
                wait = interval - (self.clock.now() - last).total_seconds()
                if wait > 0:
                    await self.clock.sleep(wait)
                    continue
            try:
                if await self._try_turn(key, interval):
                    return
            except Exception:
                log.exception("could not claim an edit of tally %s; trying again", key)
                await self.clock.sleep(STORE_RETRY)

    async def _try_turn(self, key: str, interval: float) -> bool:
        """Claim the message's next edit now, if its interval has passed for every process."""
        last = self._last.get(key)
        now = self.clock.now()
        if last is not None and (now - last).total_seconds() < interval:
            return False
        taken = await self.edit_log.claim_edit(key, now, interval)
        self._last[key] = now if taken is None else taken  # else: somebody edited it since
        return taken is None

    async def _draw(self, key: str, draw: Draw) -> None:
        self.edits[key] = self.edits.get(key, 0) + 1
        try:
            await draw()
        except Exception:
            log.exception("could not redraw tally %s", key)
        finally:
            # the interval runs from when the edit landed: however long the request took on its
            # way, the platform sees two edits of one message at least `interval` apart
            landed = self.clock.now()
            self._last[key] = landed
            try:
                await self.edit_log.record_edit(key, landed)
            except Exception:
                log.exception("could not record the edit of tally %s", key)

    async def finish(self, key: str, interval: float, draw: Draw) -> None:
        """Replace any pending edit with the final drawing, which no later request replaces. When
        the message's interval has passed it is drawn before this returns; else it is left to
        land once the interval is over (this never waits for the interval)."""
        self._final.add(key)
        worker = self._pending.get(key)
        if worker is not None and key in self._drawing:
            self._ask(key, interval, draw)  # drawn by that worker, an interval after its edit lands
            return
        if worker is not None:  # waiting for its turn: the final drawing takes that turn
            worker.cancel()
            self._pending.pop(key, None)
            self._asks.pop(key, None)
            self._again.discard(key)
        try:
            free = await self._try_turn(key, interval)
        except Exception:
            log.exception("could not claim the final edit of tally %s; it waits for its turn", key)
            free = False
        if not free:
            self._ask(key, interval, draw)
            return
        try:
            await self._draw(key, draw)
        finally:
            self._final.discard(key)
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
        """Shutdown: stop every worker, and every edit on its way (the store closes next)."""
        for task in [*self._pending.values(), *self._drawing.values()]:
            task.cancel()
        self._pending.clear()
        self._drawing.clear()
        self._asks.clear()
        self._again.clear()
        self._final.clear()
