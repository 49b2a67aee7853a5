"""Storage held still: what the bench and the tests use to show that a click is answered while
its vote cannot be stored yet."""

from __future__ import annotations

import asyncio

from bot.core.service import Core
from bot.storage.sqlite import SqliteStore

_STALLS: set[asyncio.Task[None]] = set()


async def stall_store(core: Core) -> asyncio.Event:
    """Hold the store's write lock until the returned event is set: no vote can be committed
    meanwhile, however the writer hands its batches over (from the event loop, or drained on
    the store's thread)."""
    store = core.store
    if not isinstance(store, SqliteStore):
        raise TypeError(f"stall_store holds a SqliteStore's write lock, not a {type(store).__name__}'s")
    release = asyncio.Event()
    held = asyncio.Event()

    async def hold() -> None:
        async with store.lock:
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold(), name="stalled-store")
    holder.add_done_callback(_STALLS.discard)
    _STALLS.add(holder)  # a task nobody holds may be collected mid-stall
    await held.wait()
    return release
