"""Waiting for paced tally edits without the wall clock."""

from __future__ import annotations

import asyncio

from bot.core.kernel.tally import TallyCoalescer
from bot.testing.clock import FakeClock


async def land_tallies(tallies: TallyCoalescer, clock: FakeClock, step: float = 0.25, turns: int = 5_000) -> float:
    """Move the fake clock on in small steps until every paced tally edit has landed; returns
    the seconds moved. Small steps cannot skip past a sleeper that registers late; each turn
    also gives the store's thread and a fake platform's HTTP a millisecond to answer."""
    moved = 0.0
    for _ in range(turns):
        await asyncio.sleep(0.001)
        if not tallies.busy():
            return moved
        clock.advance(step)
        moved += step
    raise AssertionError("tally edits never landed")
