"""One writer with group commit: whatever queued while the last commit ran goes in the next one.

There is no fixed wait: a lone vote is written at once; under load, batches grow by themselves.
A vote's `submit()` returns only after its row is committed. When a batch fails, each of its
rows is tried again on its own, so one bad row never takes the others down, and every row that
still fails raises :class:`WriteFailed` to its own submitter — nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
RELEASE_CHUNK = 400  # submitters answered in one turn of the event loop


class WriteFailed(Exception):
    """The row was not stored."""


class GroupCommitWriter(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        on_commit: Callable[[list[T]], None] | None = None,
        linger: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        """`linger` > 0 (write-behind bookkeeping only, never votes): gather rows for up to that
        many seconds before a commit, so that they take the store's lock rarely; `flush` cuts it
        short. `sleep` is the clock's (a test's fake clock moves the linger on)."""
        self._write = write
        self._linger = linger
        self._sleep = sleep or asyncio.sleep
        self._hurry = asyncio.Event()
        self._on_commit = on_commit
        self._pending: list[tuple[T, asyncio.Future[None] | None]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="group-commit-writer")

    def submit(self, row: T) -> asyncio.Future[None]:
        """Queue `row` now; await the returned future to know it is committed (WriteFailed if it was not).

        A future, not a coroutine: a ballot costs no coroutine frame between its voter and the commit.
        """
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, fut))
        if self._task is None or self._idle.is_set():  # else the writer is busy and will see the row
            self._wake_writer()
        return fut

    def enqueue(self, row: T) -> None:
        """Queue `row` and forget it (write-behind bookkeeping): nobody waits, a failure is logged."""
        self._pending.append((row, None))
        if self._task is None or self._idle.is_set():
            self._wake_writer()

    def _wake_writer(self) -> None:
        """Rows were queued while the writer was idle (or not started): wake it."""
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self.start()

    async def flush(self) -> None:
        """Wait until everything queued so far is committed (or failed)."""
        while self._pending or not self._idle.is_set():
            self._hurry.set()
            await self._idle.wait()
            if self._pending:
                self._idle.clear()
                self._wake.set()

    async def stop(self) -> None:
        await self.flush()
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._linger > 0 and not self._hurry.is_set():
                await self._linger_a_while()
            self._hurry.clear()
            while self._pending:
                batch, self._pending = self._pending, []
                await self._commit(batch)
                if self._linger > 0 and not self._hurry.is_set():
                    break  # write-behind: rows that came during the commit wait for the next linger
            if self._pending:
                self._wake.set()
            else:
                self._idle.set()

    async def _linger_a_while(self) -> None:
        """Until `linger` seconds have passed on the clock, or a flush hurries the writer."""
        timer = asyncio.ensure_future(self._sleep(self._linger))
        hurry = asyncio.ensure_future(self._hurry.wait())
        try:
            await asyncio.wait({timer, hurry}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            hurry.cancel()

    async def _commit(self, batch: list[tuple[T, asyncio.Future[None] | None]]) -> None:
        rows = [row for row, _ in batch]
        try:
            await self._write(rows)
        except Exception:
            log.exception("a batch of %d rows failed; retrying them one by one", len(rows))
            for row, fut in batch:
                await self._commit_one(row, fut)
            return
        self.batches += 1
        self.rows += len(rows)
        self._committed(rows)
        self._release(batch, 0)

    def _release(self, batch: list[tuple[T, asyncio.Future[None] | None]], start: int) -> None:
        """Answer the submitters of a committed batch, RELEASE_CHUNK at a time, one chunk a turn of
        the event loop. Answered all at once, a storm's voters move in one wave: they all vote
        again within one turn, the writer hears of it only after the turn, and then the loop
        idles while that one batch commits. In chunks, the next commit starts while later
        chunks are still running."""
        end = start + RELEASE_CHUNK
        for _, fut in batch[start:end]:
            if fut is not None and not fut.done():
                fut.set_result(None)
        if end < len(batch):
            asyncio.get_running_loop().call_soon(self._release, batch, end)

    async def _commit_one(self, row: T, fut: asyncio.Future[None] | None) -> None:
        try:
            await self._write([row])
        except Exception as exc:
            if fut is None:
                log.warning("a queued row was not stored: %s", exc)
            elif not fut.done():
                fut.set_exception(WriteFailed(str(exc)))
            return
        self.rows += 1
        self._committed([row])
        if fut is not None and not fut.done():
            fut.set_result(None)

    def _committed(self, rows: list[T]) -> None:
        if self._on_commit is not None:
            try:
                self._on_commit(rows)
            except Exception:
                log.exception("on_commit failed")
