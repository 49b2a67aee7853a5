"""An in-memory `EditLog` (the store's record of tally edits), for tests of the coalescer alone."""

from __future__ import annotations

from datetime import datetime


class MemoryEditLog:
    """Keeps each message's last edit as the stores do: a claim takes the turn when the last edit
    lies at least `interval` before, and a recorded edit keeps the later time."""

    def __init__(self) -> None:
        self.last: dict[str, datetime] = {}

    async def claim_edit(self, message_key: str, at: datetime, interval: float) -> datetime | None:
        last = self.last.get(message_key)
        if last is not None and (at - last).total_seconds() < interval:
            return last
        self.last[message_key] = at
        return None

    async def record_edit(self, message_key: str, at: datetime) -> None:
        last = self.last.get(message_key)
        self.last[message_key] = at if last is None else max(last, at)
