"""What every benchmark part shares: a recording chat port, a core on a file, debates, percentiles."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from itertools import count
from pathlib import Path

from bot.app import build_core
from bot.clock import SystemClock
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.cards import Card
from bot.core.kernel.pipeline import Pipeline
from bot.core.kernel.request import Request
from bot.core.ports import Clock
from bot.core.service import Core
from bot.process import tune_process

ROOT = Path(__file__).resolve().parent.parent  # the bench's processes run from here: `python -m bench.…`

log = logging.getLogger(__name__)
PLATFORM = "bench"
WORKSPACE = "w1"
TEACHER = Actor(PLATFORM, WORKSPACE, "teacher", "Teacher", is_admin=True)


@dataclass
class Row:
    """One line of the table: what was measured, the figure, the target and whether it is met."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None  # None: a figure for context, no target
    note: str = ""


class RecordingPort:
    """A ChatPort that only records: posts, edits, private messages and the confirmations sent."""

    def __init__(self, platform: str = PLATFORM, min_edit_interval: float = 2.0) -> None:
        self.platform = platform
        self.min_edit_interval = min_edit_interval
        self._ids = count(1)
        self.posts = 0
        self.edits: dict[str, int] = {}
        self.private = 0
        self.confirmed: list[Card] = []

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        mid = await self.post(channel, card)
        return ChannelRef(channel.platform, channel.workspace, f"{channel.channel}/t{mid}"), mid

    async def post(self, channel: ChannelRef, card: Card) -> str:
        self.posts += 1
        return str(next(self._ids))

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        self.edits[message_id] = self.edits.get(message_id, 0) + 1

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        self.private += 1

    def confirm(self, card: Card) -> None:
        """What an adapter does with a vote's reply: here it is only kept."""
        self.confirmed.append(card)


class Inflight:
    """Tasks started and let go as they finish, as a platform's event handlers are.

    Keeping every finished task (a list for `gather`) would grow the heap by tens of thousands
    of objects during a storm and make the garbage collector's pauses the bench's own doing.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._errors: list[BaseException] = []

    def start(self, work: Coroutine) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._errors.append(task.exception())

    async def wait(self) -> None:
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        if self._errors:
            raise self._errors[0]


async def open_core(path: Path | str, port: RecordingPort, clock: Clock | None = None, *,
                    observers: bool = True, guards: bool = True) -> Core:
    """A started core on `path` talking to `port`; without moderation's observers (ballot
    observers too) or its guard when asked, to measure what they cost."""

    def detach(pipeline: Pipeline) -> Pipeline:
        if not observers:
            pipeline = replace(pipeline, observers=(), ballot_observers=())
        if not guards:
            pipeline = replace(pipeline, guards=())
        return pipeline

    core = await build_core(path, {port.platform: port}, clock=clock or SystemClock(), adjust=detach)
    await core.start()
    tune_process()  # as `python -m bot` does
    return core


async def start_debates(core: Core, n: int, fmt: str = "quick") -> list[ChannelRef]:
    """Start `n` debates in `n` channels; returns the place each one lives in (its thread)."""
    spaces = []
    for i in range(n):
        channel = ChannelRef(PLATFORM, WORKSPACE, f"c{i}")
        replies = await core.handle(Request(TEACHER, channel, f"/debate start format:{fmt}"))
        if replies[0].card.kind != "notice":
            raise RuntimeError(f"could not start a debate: {replies[0].card.body}")
        d = core.debates.debates[core.debates.places[channel]]
        spaces.append(d.space)
    return spaces


class StealMeter:
    """The share of CPU time the hypervisor took from this virtual machine (Linux's /proc/stat
    "steal") over a `with` block: on a shared VM it explains runs that differ for no
    reason of ours. None where /proc/stat is not there."""

    def __init__(self) -> None:
        self._start: list[int] | None = None
        self.share: float | None = None

    @staticmethod
    def _ticks() -> list[int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = f.readline().split()
        except OSError:
            return None
        return [int(x) for x in fields[1:9]] if fields and fields[0] == "cpu" and len(fields) >= 9 else None

    def __enter__(self) -> StealMeter:
        self._start = self._ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._ticks()
        if self._start is None or end is None:
            return
        delta = [b - a for a, b in zip(self._start, end, strict=True)]
        self.share = delta[7] / sum(delta) if sum(delta) else 0.0


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"
