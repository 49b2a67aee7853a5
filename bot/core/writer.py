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


class WriteFailed(Exception):
    """The row was not stored."""


class GroupCommitWriter(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        on_commit: Callable[[list[T]], None] | None = None,
    ) -> None:
        self._write = write
        self._on_commit = on_commit
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="group-commit-writer")

    async def submit(self, row: T) -> None:
        """Queue `row` and wait until it is committed; raises WriteFailed if it was not."""
        await self.post(row)

    def post(self, row: T) -> asyncio.Future[None]:
        """Queue `row` without waiting (write-behind); a failure is logged if nobody awaits it."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        fut.add_done_callback(_log_unawaited_failure)
        self._pending.append((row, fut))
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self.start()
        return fut

    async def flush(self) -> None:
        """Wait until everything queued so far is committed (or failed)."""
        while self._pending or not self._idle.is_set():
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
            while self._pending:
                batch, self._pending = self._pending, []
                await self._commit(batch)
            self._idle.set()

    async def _commit(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
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
        for _, fut in batch:
            if not fut.done():
                fut.set_result(None)

    async def _commit_one(self, row: T, fut: asyncio.Future[None]) -> None:
        try:
            await self._write([row])
        except Exception as exc:
            if not fut.done():
                fut.set_exception(WriteFailed(str(exc)))
            return
        self.rows += 1
        self._committed([row])
        if not fut.done():
            fut.set_result(None)

    def _committed(self, rows: list[T]) -> None:
        if self._on_commit is not None:
            try:
                self._on_commit(rows)
            except Exception:
                log.exception("on_commit failed")


def _log_unawaited_failure(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.warning("a queued row was not stored: %s", fut.exception())
