"""The work a process has taken on and not yet answered, so that a stop can wait for it.

An adapter wraps each request it accepted, from receipt to the last reply it posts:
`core.inflight.enter()` … `core.inflight.leave()`. A graceful stop waits for `idle()`.
"""

from __future__ import annotations

import asyncio


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.count = 0
            self._idle.set()

    async def idle(self) -> None:
        """Return once nothing is in flight (at once when nothing is)."""
        await self._idle.wait()
