"""The core's seams: the clock, the chat platforms and the store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.cards import Card
from bot.core.model import ChannelRef


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SystemClock:
    """The real time in UTC, to the millisecond.

    Within one millisecond every caller gets the same datetime object: a storm of ballots pays
    for one datetime (and the store for one text form of it) per millisecond, not per ballot.
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


class FakeClock:
    """A clock that moves only when told to; sleepers wake when `advance` passes their time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + timedelta(seconds=seconds), fut))
        await fut

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        due = [s for s in self._sleepers if s[0] <= self._now]
        self._sleepers = [s for s in self._sleepers if s[0] > self._now]
        for _, fut in due:
            if not fut.done():
                fut.set_result(None)


class ChatPort(Protocol):
    """What the core needs from a chat platform. Message ids are opaque strings."""

    platform: str
    min_edit_interval: float  # seconds between two edits of one message

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        """Post `card` and give the debate a place of its own (a thread where the platform has them).

        Returns the place the debate lives in and the id of the opening message.
        """
        ...

    async def post(self, channel: ChannelRef, card: Card) -> str: ...

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None: ...

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None: ...
