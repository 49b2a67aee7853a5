"""The real clock, the one `python -m bot` runs on (the core takes any :class:`bot.core.ports.Clock`)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SystemClock:
    """The real time in UTC, to the millisecond.

    Within one millisecond every caller gets the same datetime object, so the ballots of one
    millisecond share one datetime (and the store one text form of it).
    """

    def __init__(self) -> None:
        self._ms = -1
        self._now = _EPOCH

    def now(self) -> datetime:
        ms = time.time_ns() // 1_000_000
        if ms != self._ms:
            self._ms = ms
            self._now = _EPOCH + timedelta(milliseconds=ms)
        return self._now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
