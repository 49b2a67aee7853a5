"""The fake clock's waits: a test moves time only once the sleeps it expects have begun."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.testing.clock import FakeClock


async def test_a_sleep_wakes_at_the_time_fixed_when_it_began():
    clock = FakeClock()
    start = clock.now()
    woke: list = []

    async def sleeper() -> None:
        for _ in range(5):  # some work on the way to the sleep
            await asyncio.sleep(0)
        await clock.sleep(10)
        woke.append(clock.now())

    task = asyncio.create_task(sleeper())
    await clock.wait_for_sleep(start + timedelta(seconds=10))
    assert clock.sleeping() == [start + timedelta(seconds=10)]
    clock.advance(9)
    await asyncio.sleep(0)
    assert woke == []
    clock.advance(1)
    await task
    assert woke == [start + timedelta(seconds=10)]
    assert clock.sleeping() == []


async def test_settle_waits_until_each_task_sleeps_or_ends():
    clock = FakeClock()
    edit = asyncio.get_running_loop().create_future()  # an edit on its way

    async def worker() -> None:
        await edit
        await clock.sleep(2)

    async def short() -> None:
        await edit

    busy, done = asyncio.create_task(worker()), asyncio.create_task(short())
    settling = asyncio.create_task(clock.settle(busy, done))
    await asyncio.sleep(0)
    assert not settling.done()
    edit.set_result(None)
    await settling
    assert done.done() and not busy.done()
    assert clock.sleeping() == [clock.now() + timedelta(seconds=2)]
    clock.advance(2)
    await busy


async def test_a_cancelled_sleep_is_no_longer_waiting():
    clock = FakeClock()
    task = asyncio.create_task(clock.sleep(60))
    await clock.wait_for_sleep()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert clock.sleeping() == []
