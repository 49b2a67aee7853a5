"""The PostgreSQL section of `make bench`, run when a server is given (`BOT_BENCH_POSTGRES` or
`--postgres URL`; the URL's database is used only to create and drop one database per measurement).

1. Confirmed votes/s through the full command path with 1,000 voters on PostgreSQL, one process,
   against the naive path (one transaction per vote, same command path, same server) and a raw
   asyncpg `executemany` of the same rows; then the same 1,000 voters split over three bot
   processes (`bench/pg_worker.py`) on one database.
2. Deadlines: debates whose first phase falls due at once, fired by one process and by three;
   deadlines fired a second, and whether each was fired exactly once.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import PLATFORM, ROOT, TEACHER, WORKSPACE, RecordingPort, Row, start_debates
from bench.votes import closed_loop
from bot.app import build_core
from bot.clock import SystemClock
from bot.core.debates.model import ChannelRef
from bot.core.kernel.request import Request
from bot.prompt_folder import PROMPTS_DIR
from bot.storage.postgres import PostgresStore
from bot.storage.postgres_debates import upsert_vote
from bot.testing.postgres import create_database, drop_database

WORKER = "bench.pg_worker"  # run as a module from the project root
PROCESSES = 3


class Databases:
    """Fresh databases on the server, one per measurement, all dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.names: list[str] = []

    async def fresh(self) -> str:
        name, url = await create_database(self.url, "debate_bench_")
        self.names.append(name)
        return url

    async def drop_all(self) -> None:
        for name in self.names:
            await drop_database(self.url, name)
        self.names.clear()


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


async def raw_executemany(url: str, rows: list[tuple], debates: int) -> float:
    """Rows per second of a plain asyncpg `executemany` of `rows` in one transaction, on a database
    made by the store (same migrations) holding as many debates, so the foreign keys are checked."""
    import asyncpg

    store = await PostgresStore.open(url)
    core = await build_core(store, {PLATFORM: RecordingPort()}, clock=SystemClock())
    await core.start()
    await start_debates(core, debates)
    await core.stop()
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.executemany(upsert_vote, [tuple(r)[:5] for r in rows])
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return len(rows) / seconds if seconds else 0.0


class Workers:
    """Bot processes on one database, each a `bench/pg_worker.py` talking over its pipes."""

    def __init__(self, url: str, mode: str, secret: str, prompts: Path, extra: list[list[str]]) -> None:
        self.procs = [
            subprocess.Popen([sys.executable, "-m", WORKER, url, mode, "--secret", secret, "--prompts", str(prompts),
                              *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for args in extra
        ]

    async def _readline(self, proc: subprocess.Popen) -> str:
        out = await asyncio.to_thread(proc.stdout.readline)
        if not out:
            err = await asyncio.to_thread(proc.stderr.read)
            raise RuntimeError(f"a bench worker stopped: {err.strip()[-500:]}")
        return out.strip()

    async def ready(self) -> None:
        for proc in self.procs:
            while await self._readline(proc) != "ready":
                pass

    def tell(self, text: str) -> None:
        for proc in self.procs:
            proc.stdin.write(text + "\n")
            proc.stdin.flush()

    async def results(self) -> list[dict]:
        out = [json.loads(await self._readline(proc)) for proc in self.procs]
        for proc in self.procs:
            await asyncio.to_thread(proc.wait, 60)
        return out

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


async def prepare(url: str, secret: str, prompts: Path, debates: int, fmt: str) -> list[float]:
    """Start `debates` debates through a core of its own, then stop it; the deadlines, as epoch seconds."""
    core = await build_core(url, {PLATFORM: RecordingPort()}, clock=SystemClock(), secret=bytes.fromhex(secret),
                            prompts=prompts)
    await core.start()
    try:
        for i in range(debates):
            channel = ChannelRef(PLATFORM, WORKSPACE, f"c{i}")
            reply = (await core.handle(Request(TEACHER, channel, f"/debate start format:{fmt}")))[0]
            if reply.card.kind != "notice":
                raise RuntimeError(f"could not start a debate: {reply.card.body}")
        return [d.deadline.timestamp() for d in core.debates.debates.values() if d.deadline]
    finally:
        await core.stop()


async def votes_across(url: str, secret: str, processes: int, voters: int, seconds: float) -> dict:
    """`voters` split over `processes` bot processes, all voting in the same window."""
    await prepare(url, secret, PROMPTS_DIR, 20, "quick")
    share = [voters // processes + (1 if i < voters % processes else 0) for i in range(processes)]
    firsts = [sum(share[:i]) for i in range(processes)]
    workers = Workers(url, "votes", secret, PROMPTS_DIR,
                      [["--voters", str(n), "--first-voter", str(f), "--seconds", str(seconds)]
                       for n, f in zip(share, firsts, strict=True)])
    try:
        await workers.ready()
        workers.tell(f"go {time.time() + 0.5}")
        out = await workers.results()
    finally:
        workers.kill()
    window = max(r["ended"] for r in out) - min(r["started"] for r in out)
    refusals: dict[str, int] = {}
    for r in out:
        for text, n in r["refusals"].items():
            refusals[text] = refusals.get(text, 0) + n
    return {"confirmed": sum(r["confirmed"] for r in out), "refused": sum(r["refused"] for r in out),
            "rate": sum(r["confirmed"] for r in out) / window if window else 0.0,
            "each": [r["confirmed"] for r in out], "refusals": refusals}


def bench_prompts(folder: Path, lead: float) -> Path:
    """The shipped library plus a format `bench` whose first phase lasts `lead` seconds."""
    prompts = folder / "prompts"
    if not prompts.exists():
        shutil.copytree(PROMPTS_DIR, prompts)
    quick = (PROMPTS_DIR / "formats" / "quick.toml").read_text(encoding="utf-8")
    text = quick.replace('id = "quick"', 'id = "bench"', 1).replace("seconds = 120", f"seconds = {int(lead)}", 1)
    (prompts / "formats" / "bench.toml").write_text(text, encoding="utf-8")
    return prompts


async def deadlines_across(url: str, secret: str, prompts: Path, processes: int, debates: int,
                           timeout: float) -> dict:
    """`debates` debates whose first deadline falls due within moments of each other, left to
    `processes` bot processes: how fast they fire them all, and whether each fired once."""
    started = time.time()
    due = await prepare(url, secret, prompts, debates, "bench")
    workers = Workers(url, "deadlines", secret, prompts, [[] for _ in range(processes)])
    try:
        await workers.ready()
        ready = time.time()
        store = await PostgresStore.open(url)
        try:
            while time.time() < max(due) + timeout:
                moved = [d for d in await store.load_open_debates() if d.phase_index >= 1]
                if len(moved) == debates:
                    break
                await asyncio.sleep(0.2)
        finally:
            await store.close()
        workers.tell("stop")
        out = await workers.results()
    finally:
        workers.kill()
    posts = [p for r in out for p in r["phases"]]
    by_debate: dict[str, int] = {}
    for channel, _title, _at in posts:
        by_debate[channel] = by_debate.get(channel, 0) + 1
    last = max((at for _c, _t, at in posts), default=min(due))
    span = last - min(due)
    return {"fired": len(by_debate), "twice": sum(n - 1 for n in by_debate.values() if n > 1),
            "missed": debates - len(by_debate), "span": span, "rate": len(by_debate) / span if span > 0 else 0.0,
            "each": [len(r["phases"]) for r in out], "late_start": ready > min(due),
            "prepared_in": ready - started}


async def postgres_rows(url: str, folder: Path, args, notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    dbs = Databases(url)
    secret = secrets.token_hex(32)
    try:
        ours = await closed_loop(folder, "pg", naive=False, voters=args.voters, seconds=args.seconds,
                                 database=await dbs.fresh())
        naive = await closed_loop(folder, "pg-naive", naive=True, voters=args.voters, seconds=args.naive_seconds,
                                  database=await dbs.fresh())
        raw = await raw_executemany(await dbs.fresh(), ours.rows, 20)
        three = await votes_across(await dbs.fresh(), secret, PROCESSES, args.voters, args.seconds)
        ratio = ours.rate / naive.rate if naive.rate else float("inf")
        rows += [
            Row(f"PostgreSQL votes/s, {args.voters:,} voters, one process", rate(ours.rate), "", None,
                f"{ours.confirmed:,} confirmed, {ours.refused} refused, {ours.batches} commits"),
            Row("  naive (1 transaction per vote), same server", rate(naive.rate), "", None,
                f"{naive.confirmed:,} confirmed, {naive.refused} refused"),
            Row("  ours / naive", f"{ratio:.2f}x"),
            Row("  raw asyncpg executemany, same rows", f"{raw:,.0f} rows/s", "", None,
                f"{len(ours.rows):,} rows, one transaction; ours is {ours.rate / raw:.0%} of it" if raw else ""),
            Row(f"PostgreSQL votes/s, {args.voters:,} voters over {PROCESSES} processes", rate(three["rate"]), "", None,
                f"{three['confirmed']:,} confirmed ({' + '.join(f'{n:,}' for n in three['each'])}), "
                f"{three['refused']} refused; {three['rate'] / ours.rate:.2f}x one process" if ours.rate else ""),
        ]
        for result in (ours, naive):
            for text, n in result.refusals.items():
                notes.append(f"PostgreSQL refused: {n} x {text!r}")
        for text, n in three["refusals"].items():
            notes.append(f"PostgreSQL refused ({PROCESSES} processes): {n} x {text!r}")
        prompts = bench_prompts(folder, args.pg_lead)
        for processes in (1, PROCESSES):
            fired = await deadlines_across(await dbs.fresh(), secret, prompts, processes, args.pg_deadlines,
                                           timeout=30.0)
            once = fired["twice"] == 0 and fired["missed"] == 0
            rows.append(Row(f"PostgreSQL deadlines fired/s, {args.pg_deadlines} due at once, "
                            f"{processes} process{'es' if processes > 1 else ''}", rate(fired["rate"]),
                            "each once", once,
                            f"{fired['fired']} fired ({' + '.join(map(str, fired['each']))} by process) in "
                            f"{fired['span']:.2f} s from the first due; {fired['twice']} twice, "
                            f"{fired['missed']} missed"))
            if fired["late_start"]:
                notes.append(f"PostgreSQL deadlines ({processes}): the processes were ready only after the first "
                             f"deadline ({fired['prepared_in']:.1f} s to prepare); raise --pg-lead")
    finally:
        await dbs.drop_all()
    return rows
