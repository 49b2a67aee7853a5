"""A clock for tests and scripted runs: it moves only when told to (the `Clock` of `bot.core.ports`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that moves only when told to; sleepers wake when `advance` passes their time.

    A sleep's wake time is fixed when the sleeping task reaches it, so a test that moves the
    clock while a task is still on its way to a sleep wakes it at the wrong time, or never.
    Before `advance`, such a test waits for the sleeps it expects: `wait_for_sleep` for one that
    wakes at a known time, `settle` for tasks that are busy (an edit on its way) until they sleep.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None], asyncio.Task | None]] = []
        self._watchers: set[asyncio.Event] = set()  # tests waiting for the next sleep (see `_change`)

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + timedelta(seconds=seconds), fut, asyncio.current_task()))
        for watcher in self._watchers:
            watcher.set()
        try:
            await fut
        finally:
            self._sleepers = [s for s in self._sleepers if s[1] is not fut]  # woken or cancelled

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        due = [s for s in self._sleepers if s[0] <= self._now]
        self._sleepers = [s for s in self._sleepers if s[0] > self._now]
        for _, fut, _task in due:
            if not fut.done():
                fut.set_result(None)

    def sleeping(self) -> list[datetime]:
        """When each sleep now waiting wakes, earliest first."""
        return sorted(at for at, fut, _ in self._sleepers if not fut.done())

    async def wait_for_sleep(self, until: datetime | None = None, timeout: float = 30.0) -> None:
        """Return once some task sleeps until `until` (any sleep, if None)."""
        try:
            async with asyncio.timeout(timeout):  # a guard against a hang, not a wait for time
                while not any(until is None or at == until for at in self.sleeping()):
                    await self._change()
        except TimeoutError:
            raise self._stuck(f"no task slept until {until or 'any time'}", timeout) from None

    async def settle(self, *tasks: asyncio.Task, timeout: float = 30.0) -> None:
        """Return once each of `tasks` has finished or sleeps on this clock."""
        try:
            async with asyncio.timeout(timeout):
                while not all(task.done() or task in self._asleep() for task in tasks):
                    await self._change(tasks)
        except TimeoutError:
            raise self._stuck("a task neither finished nor slept", timeout) from None

    def _asleep(self) -> set[asyncio.Task | None]:
        return {task for _, fut, task in self._sleepers if not fut.done()}

    async def _change(self, tasks: tuple[asyncio.Task, ...] = ()) -> None:
        """Until the next sleep begins or one of `tasks` ends."""
        watcher = asyncio.Event()
        self._watchers.add(watcher)
        slept = asyncio.ensure_future(watcher.wait())
        try:
            await asyncio.wait({slept, *(t for t in tasks if not t.done())}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            slept.cancel()
            self._watchers.discard(watcher)

    def _stuck(self, what: str, timeout: float) -> AssertionError:
        return AssertionError(f"{what} within {timeout} s; sleeps now end at {self.sleeping()}")
