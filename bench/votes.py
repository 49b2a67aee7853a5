"""The vote path under load: closed loop (throughput), the naive baseline, raw sqlite3, open loop.

Every vote goes through the whole command path — `Core.handle` with a typed `/vote pro`: parse,
the moderator and phase checks, the moderation guards, the store, the reply — and its reply is
handed to a recording port, as an adapter would send it.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    PLATFORM,
    WORKSPACE,
    Inflight,
    RecordingPort,
    StealMeter,
    open_core,
    start_debates,
)
from bot.clock import SystemClock
from bot.core.debates.model import Actor, ChannelRef, Debate, VoteRow
from bot.core.kernel.request import Request
from bot.core.kernel.writer import WriteFailed
from bot.core.service import Core
from bot.storage.debate_store import upsert_vote
from bot.storage.sqlite import SqliteStore

LINES = ("/vote pro", "/vote con", "/vote undecided")


@dataclass
class LoadResult:
    confirmed: int = 0
    refused: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # what the writer was given, in order
    batches: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    loop_cpu: float = 0.0  # CPU seconds of the event loop's thread while the votes ran
    steal: float | None = None  # share of the machine's CPU time the hypervisor took meanwhile

    @property
    def busy(self) -> float:
        """The share of the run the event loop's thread spent on the CPU."""
        return self.loop_cpu / self.seconds if self.seconds else 0.0

    @property
    def rate(self) -> float:
        return self.confirmed / self.seconds if self.seconds else 0.0

    def count(self, body: str, kind: str) -> None:
        if kind == "notice":
            self.confirmed += 1
        else:
            self.refused += 1
            key = body.splitlines()[0][:60]
            self.refusals[key] = self.refusals.get(key, 0) + 1


class NaiveWriter:
    """The baseline: one transaction per vote (on SQLite execute + commit under the store lock)."""

    def __init__(self, store: SqliteStore, on_commit, captured: list[tuple]) -> None:
        self.store = store
        self.on_commit = on_commit
        self.captured = captured
        self.batches = 0
        self.rows = 0

    def start(self) -> None:
        pass

    async def submit(self, row: VoteRow) -> None:
        self.captured.append(row)
        try:
            if isinstance(self.store, SqliteStore):
                await self.store.write_many(upsert_vote, [(row.debate_id, row.stage, row.voter, row.choice,
                                                           row.at.isoformat())])
            else:  # PostgreSQL: the store's own ballot statement, one ballot, one transaction
                await self.store.write_votes([row])
        except Exception as exc:
            raise WriteFailed(str(exc)) from exc
        self.batches += 1
        self.rows += 1
        self.on_commit([row])

    async def flush(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def capture_rows(core: Core, captured: list[tuple]) -> None:
    """Keep every row the group-commit writer commits, in order (for the raw sqlite3 run).

    A VoteRow is a plain tuple of strings, ints and a datetime: keeping tens of thousands costs
    one `extend` a batch, and the garbage collector leaves them alone.
    """
    writer = core.debates.writer
    committed = writer._on_commit

    def recording(rows: list[VoteRow]) -> None:
        captured.extend(rows)
        if committed is not None:
            committed(rows)

    writer._on_commit = recording


SPREAD = 0x9E3779B97F4A7C15  # odd, so multiplying by it modulo 2**64 maps distinct numbers apart


def user_id(i: int, k: int) -> str:
    """Voter `i`'s `k`-th person's id. Ids are spread like real platform ids (Slack's, or the
    keyed hashes of an anonymous debate), not in voting order: in voting order every batch would
    land on the last pages of the votes table, which flatters the store."""
    return f"U{(i * 100_000 + k) * SPREAD % 2**64:016x}"


def person(i: int, k: int) -> Actor:
    """Voter `i`'s `k`-th person."""
    return Actor(PLATFORM, WORKSPACE, user_id(i, k), f"Voter {i}")


def user_ids(voters: range, per_voter: int) -> dict[int, list[str]]:
    """Each voter's first `per_voter` people's ids, made before the clock starts: a platform hands
    the bot a user id as a string, and formatting one (2 us) is the fake platform's work, not the bot's."""
    return {i: [user_id(i, k) for k in range(per_voter)] for i in voters}


async def closed_loop(folder: Path, name: str, *, naive: bool, voters: int, seconds: float,
                      debates: int = 20, observers: bool = True, guards: bool = True,
                      database: str | None = None) -> LoadResult:
    """`voters` tasks at once, each casting votes back to back for `seconds`, on a SQLite file
    in `folder` (or on `database`, a PostgreSQL URL, when given).

    Each task speaks for a new person every second vote: a first ballot, then a change of mind
    (the UPSERT path), so no person hits the moderation rate limit.
    """
    port = RecordingPort()
    core = await open_core(database or folder / f"{name}.db", port, observers=observers, guards=guards)
    result = LoadResult()
    try:
        spaces = await start_debates(core, debates)
        if naive:
            await core.debates.writer.stop()
            core.debates.writer = NaiveWriter(core.store, core.debates._committed, result.rows)
        else:
            capture_rows(core, result.rows)
        await _warm_up(core, spaces)
        result.rows.clear()
        await cast_votes(core, port, spaces, voters, seconds, result)
    finally:
        await core.stop()
    return result


async def cast_votes(core: Core, port: RecordingPort, spaces: list[ChannelRef], voters: int, seconds: float,
                     result: LoadResult, first_voter: int = 0) -> None:
    """Run `voters` voters (numbered from `first_voter`, so that processes never share a person)
    against the debates in `spaces` for `seconds`, adding what they saw to `result`."""
    # enough people for 60,000 votes a second from 1,000 voters (beyond, ids are made as needed)
    ids_of = user_ids(range(first_voter, first_voter + voters), max(2, int(60_000 * seconds / max(voters, 1) / 2)))
    stop_at = time.perf_counter() + seconds

    async def voter(i: int) -> None:
        space = spaces[i % len(spaces)]
        handle, confirm, latencies, clock = core.handle, port.confirm, result.latencies, time.perf_counter
        ids, name = ids_of[i], f"Voter {i}"
        k = confirmed = 0
        while (started := clock()) < stop_at:
            j = k // 2
            who = Actor(PLATFORM, WORKSPACE, ids[j], name) if j < len(ids) else person(i, j)
            request = Request(who, space, LINES[(i + k) % 3])
            card = (await handle(request))[0].card
            confirm(card)
            latencies.append(clock() - started)
            if card.kind == "notice":
                confirmed += 1
            else:
                result.count(card.body, card.kind)
            k += 1
        result.confirmed += confirmed

    with StealMeter() as steal:
        cpu, started = time.thread_time(), time.perf_counter()
        await asyncio.gather(*(voter(i) for i in range(first_voter, first_voter + voters)))
        result.seconds = time.perf_counter() - started
        result.loop_cpu = time.thread_time() - cpu
    result.steal = steal.share
    result.batches = core.debates.writer.batches


async def _warm_up(core: Core, spaces: list[ChannelRef]) -> None:
    """A few votes first, so that parsing memos and caches are what they are in a running bot."""
    for i, space in enumerate(spaces):
        await core.handle(Request(Actor(PLATFORM, WORKSPACE, f"warm{i}", "Warm"), space, LINES[i % 3]))


async def open_loop(folder: Path, *, rate: float, seconds: float, debates: int = 20, seed: int = 8,
                    observers: bool = True, name: str = "open") -> LoadResult:
    """Votes offered at Poisson times (`rate` a second on average, seeded), whatever the backlog.

    A vote's latency runs from the moment it was due to the moment its confirmation came back,
    so time spent waiting to be started counts too. Every person votes twice, `seconds / 2` apart.
    """
    port = RecordingPort()
    core = await open_core(folder / f"{name}.db", port, observers=observers)
    result = LoadResult()
    loop = asyncio.get_running_loop()
    try:
        spaces = await start_debates(core, debates)
        await _warm_up(core, spaces)
        rng = random.Random(seed)
        due: list[float] = []
        t = 0.0
        while True:
            t += rng.expovariate(rate)
            if t >= seconds:
                break
            due.append(t)
        people = max(1, len(due) // 2)

        async def one(j: int, at: float) -> None:
            request = Request(person(j % people, 0), spaces[j % debates], LINES[j % 3])
            card = (await core.handle(request))[0].card
            port.confirm(card)
            result.latencies.append(loop.time() - at)
            result.count(card.body, card.kind)

        inflight = Inflight()
        with StealMeter() as steal:
            begin = loop.time() + 0.01
            j = 0
            while j < len(due):
                now = loop.time()
                while j < len(due) and begin + due[j] <= now:
                    inflight.start(one(j, begin + due[j]))
                    j += 1
                if j < len(due):
                    await asyncio.sleep(max(0.0, begin + due[j] - loop.time()))
            await inflight.wait()
            result.seconds = loop.time() - begin
        result.steal = steal.share
        result.batches = core.debates.writer.batches
    finally:
        await core.stop()
    return result


async def raw_executemany(folder: Path, rows: list[tuple]) -> float:
    """Rows per second of plain `sqlite3` `executemany` + commit of `rows` (same schema, same UPSERT).

    The file is made by the store (same migrations) and holds as many debates as the rows point
    at, with the same ids, so the foreign key checks run as in the bot.
    """
    path = folder / "raw.db"
    store = await SqliteStore.open(path)
    now = SystemClock().now()
    place = ChannelRef(PLATFORM, WORKSPACE, "raw")
    for _ in range(max((r[0] for r in rows), default=0)):
        await store.create_debate(Debate(0, place, place, "m", "t", "x", "quick", "en", "teacher", now))
    await store.close()
    params = [(r.debate_id, r.stage, r.voter, r.choice, r.at.isoformat()) for r in rows]
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        started = time.perf_counter()
        db.executemany(upsert_vote, params)
        db.commit()
        seconds = time.perf_counter() - started
    finally:
        db.close()
    return len(params) / seconds if seconds else 0.0
