"""One writer with group commit: whatever queued while the last commit ran goes in the next one.

There is no fixed wait: a lone vote is written at once; under load, batches grow by themselves.
A vote's `submit()` returns only after its row is committed. When a batch fails, each of its
rows is tried again on its own, so one bad row never takes the others down, and every row that
still fails raises :class:`WriteFailed` to its own submitter — nothing is dropped silently.

With a `drain` (the store's), batches are taken and committed on the store's own thread, one
after another, each the moment the one before is in: the event loop only queues rows and hears
which batches are in. Without one, the loop's writer task hands each batch over and waits for
it; in a storm a commit's answer then waits for the loop's turn twice (to be seen, and to
resume the task), which with 1,000 voters took longer than the commit itself. The store runs
one drain for all the writers that have one, so the bookkeeping behind the votes goes in between
two vote batches instead of taking the store's lock from them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
RELEASE_CHUNK = 100  # submitters answered in one turn of the event loop


@dataclass(slots=True)
class Batch(Generic[T]):
    """Rows taken for one commit, and the futures of whoever waits for each (None: write-behind)."""

    rows: list[T]
    waiting: list[asyncio.Future[None] | None]


class Drain(Protocol):
    """The store's drain (`SqliteStore.drain`, bound to how the rows are stored). Called with a
    writer, it commits batches from that writer, and from every other writer it has drained
    before, on the store's thread: `writer.take()` gives a batch (None: nothing queued), and
    `writer.settle(batch, error)` is called once for each, after its commit (error None) or its
    rollback. It returns when nothing is queued or when others need the store. It raises
    NotImplementedError if this store cannot; the writer then commits from the event loop."""

    async def __call__(self, writer: GroupCommitWriter[Any]) -> None: ...


class WriteFailed(Exception):
    """The row was not stored."""


class RowRefused(WriteFailed):
    """The store left the row out on purpose (`write` returned it): what it was about changed
    since it was queued, e.g. a ballot cast against a debate another process has moved on."""


class GroupCommitWriter(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[list[T] | None]],
        on_commit: Callable[[list[T]], None] | None = None,
        linger: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        drain: Drain | None = None,
        take_limit: int = 0,
    ) -> None:
        """`write` stores a batch in one transaction and returns the rows it left out on purpose
        (their submitters get RowRefused; the rest are committed), or None when it stored them all.
        `linger` > 0 (write-behind bookkeeping only, never votes): gather rows for up to that
        many seconds before a commit, so that they take the store's lock rarely; `flush` cuts it
        short. `sleep` is the clock's (a test's fake clock moves the linger on). `drain`: see
        the module's docstring; `write` still stores the rows of a failed batch one by one.
        `take_limit` > 0: at most that many rows a batch (the bookkeeping's, between votes)."""
        self._write = write
        self._drain = drain
        self._take_limit = take_limit
        # Rows taken by a drain (written on the store's thread only) and rows answered (on the
        # event loop only): `flush` waits until they are equal. A batch that failed holds this
        # writer's later rows back until it has been retried, so that no later ballot of a
        # voter is stored before an earlier one.
        self._taken = 0
        self._answered = 0
        self._answer = asyncio.Event()
        self._held = False
        self._failed: deque[Batch[T]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop `settle` answers on (set by a drain)
        self._linger = linger
        self._sleep = sleep or asyncio.sleep
        self._hurry = asyncio.Event()
        self._on_commit = on_commit
        # appended by the event loop, taken from the left by a drain on the store's thread
        # (a deque's append and popleft are atomic)
        self._pending: deque[tuple[T, asyncio.Future[None] | None]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows = 0
        self.batch_sizes: Counter[int] = Counter()  # rows in a committed batch -> how many batches

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
        while self._pending or self._failed or not self._idle.is_set() or self._taken != self._answered:
            if self._taken != self._answered and self._idle.is_set() and not (self._pending or self._failed):
                self._answer.clear()  # taken by another writer's drain: wait for its answer
                if self._taken != self._answered:
                    await self._answer.wait()
                continue
            self._hurry.set()
            await self._idle.wait()
            if self._pending or self._failed:
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
            while self._pending or self._failed:
                if self._failed:
                    await self._retry(self._failed.popleft())
                elif self._drain is not None:
                    await self._drain_batches(self._drain)
                else:
                    await self._commit(self.take())
                if self._linger > 0 and not self._hurry.is_set():
                    break  # write-behind: rows that came during the commit wait for the next linger
            if self._pending or self._failed:
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

    def take(self) -> Batch[T] | None:
        """What is queued now, as one batch (up to `take_limit` rows; None if nothing is, or while
        a failed batch waits to be retried). A drain calls this on the store's thread while the
        event loop may be appending: it takes only rows that were there when it looked."""
        pending = self._pending
        n = len(pending)
        if not n or self._held:
            return None
        if 0 < self._take_limit < n:
            n = self._take_limit
        rows: list[T] = []
        waiting: list[asyncio.Future[None] | None] = []
        pop, add_row, add_waiting = pending.popleft, rows.append, waiting.append
        for _ in range(n):
            row, fut = pop()
            add_row(row)
            add_waiting(fut)
        self._taken += n
        return Batch(rows, waiting)

    def settle(self, batch: Batch[T], error: BaseException | None) -> None:
        """A drain's word on a batch, from the store's thread: committed (error None) or not."""
        if error is not None:
            self._held = True  # before the drain looks again
        loop = self._loop
        if loop is None:  # a drain sets it before it takes a batch
            raise RuntimeError("settle called before a drain started")
        if error is None:
            loop.call_soon_threadsafe(self._settled, batch)
        else:
            loop.call_soon_threadsafe(self._batch_failed, batch, error)

    async def _drain_batches(self, drain: Drain) -> None:
        """Let the store's drain commit batches until the queue is empty or others need the store."""
        self._loop = asyncio.get_running_loop()
        try:
            await drain(self)
        except NotImplementedError:
            self._drain = None
            await self._commit(self.take())  # now: a lingering writer would wait another linger, or forever on a fake clock
        except Exception:
            log.exception("the store's drain failed; committing from the event loop")
            self._drain = None

    def _settled(self, batch: Batch[T], error: None = None) -> None:
        self.batches += 1
        self.rows += len(batch.rows)
        self.batch_sizes[len(batch.rows)] += 1
        self._committed(batch.rows)
        self._release(batch.waiting, 0)
        self._answered += len(batch.rows)
        self._answer.set()

    def _batch_failed(self, batch: Batch[T], error: BaseException) -> None:
        log.error("a batch of %d rows failed (%s); retrying them one by one", len(batch.rows), error)
        self._failed.append(batch)
        self._answered += len(batch.rows)
        self._answer.set()
        if self._idle.is_set():
            self._wake_writer()

    async def _retry(self, batch: Batch[T]) -> None:
        for row, fut in zip(batch.rows, batch.waiting, strict=True):
            await self._commit_one(row, fut)
        if not self._failed:
            self._held = False

    async def _commit(self, batch: Batch[T] | None) -> None:
        if batch is None:
            return
        try:
            refused = await self._write(batch.rows)
        except Exception:
            log.exception("a batch of %d rows failed; retrying them one by one", len(batch.rows))
            await self._retry(batch)
            self._answered += len(batch.rows)
            return
        if refused:
            kept = self._refuse(batch, set(refused))
            self._answered += len(batch.rows) - len(kept.rows)
            batch = kept
        self._settled(batch)

    @staticmethod
    def _refuse(batch: Batch[T], refused: set[T]) -> Batch[T]:
        """Tell the submitters of the refused rows; the rest of the batch, which was committed."""
        kept: Batch[T] = Batch([], [])
        for row, fut in zip(batch.rows, batch.waiting, strict=True):
            if row not in refused:
                kept.rows.append(row)
                kept.waiting.append(fut)
            elif fut is None:
                log.warning("a queued row was refused by the store: %r", row)
            elif not fut.done():
                fut.set_exception(RowRefused("the store refused the row"))
        return kept

    def _release(self, waiting: list[asyncio.Future[None] | None], start: int) -> None:
        """Answer the submitters of a committed batch, RELEASE_CHUNK at a time, one chunk a turn of
        the event loop. Answered all at once, a storm's voters move in one wave: they all vote
        again within one turn, the writer hears of it only after the turn, and then the loop
        idles while that one batch commits. In chunks, the next commit starts while later
        chunks are still running."""
        end = start + RELEASE_CHUNK
        for fut in waiting[start:end]:
            if fut is not None and not fut.done():
                fut.set_result(None)
        if end < len(waiting):
            asyncio.get_running_loop().call_soon(self._release, waiting, end)

    async def _commit_one(self, row: T, fut: asyncio.Future[None] | None) -> None:
        try:
            refused = await self._write([row])
        except Exception as exc:
            if fut is None:
                log.warning("a queued row was not stored: %s", exc)
            elif not fut.done():
                fut.set_exception(WriteFailed(str(exc)))
            return
        if refused:
            self._refuse(Batch([row], [fut]), {row})
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
