"""Memory and restart: a store full of running debates, taken back by a fresh process.

`seed()` fills a SQLite file (through the store's own queries) with running debates, two
debaters and `votes` ballots each. Run as a script, this module is that fresh process: it
opens the core on the file, times the restart (the core's start, plus the Discord adapter's
setup where it exists), checks that every deadline is armed and that a click on every debate's
vote button is answered, and prints one JSON line with its RSS (VmRSS) before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

from bench.common import PLATFORM, WORKSPACE, RecordingPort
from bot.clock import SystemClock
from bot.storage import debate_store as queries
from bot.storage.sqlite import SqliteStore

MOTION_TITLE = "Schools should require masks during flu season"
MOTION_TEXT = ("This house believes that schools should require everyone on site to wear a mask "
               "whenever the local flu rate passes the seasonal threshold set by the health office.")


async def seed(path: Path, debates: int, votes: int, seed_value: int = 4) -> None:
    """Write `debates` running quick-format debates in their pre-vote, each with `votes` ballots."""
    store = await SqliteStore.open(path)
    await store.close()
    rng = random.Random(seed_value)
    now = SystemClock().now()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.executemany(queries.insert_debate, [
            (PLATFORM, WORKSPACE, f"c{i}/t", f"c{i}", "masks-schools", MOTION_TITLE, MOTION_TEXT, "quick",
             "en", "teacher", now.isoformat(), 0, "running",
             (now + timedelta(seconds=rng.uniform(60, 3600))).isoformat(), None, 0, None,
             json.dumps({"opening": f"{i}01", "tally_pre": f"{i}02"}), 0)  # phase 0 announced
            for i in range(debates)
        ])
        for side in ("pro", "con"):
            db.executemany(queries.upsert_participant, [
                (i + 1, f"D{i:06d}{side}", f"Debater {i} {side}", side, now.isoformat()) for i in range(debates)
            ])
        choices = ("pro", "con", "undecided")
        at = now.isoformat()
        for start in range(0, debates, 1000):  # in key order: distinct 11-character voter ids per debate
            db.executemany(queries.upsert_vote, [
                (i + 1, "pre", f"U{i:06d}{k:04d}", rng.choice(choices), at)
                for i in range(start, min(debates, start + 1000)) for k in range(votes)
            ])
        db.commit()
    finally:
        db.close()


def rss_mb() -> float:
    """This process's resident set (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def discord_bot_class():
    try:
        from bot.adapters.discord.bot import DebateBot
    except ImportError:
        return None
    return DebateBot


async def discord_setup(core, bot_class) -> str:
    """The Discord adapter's part of a restart (cogs, persistent buttons), if the adapter is there."""
    if bot_class is None:
        return "no Discord adapter"
    bot = bot_class(core, sync_commands=False)
    try:
        await bot.setup_hook()  # cogs, slash commands, the persistent debate:… and poll:… buttons
        return "with the Discord adapter's setup"
    finally:
        await bot.close()


async def measure(path: Path, with_adapter: bool) -> dict:
    from bot.app import build_core
    from bot.core.debates import engine
    from bot.core.debates.model import Actor, Stage
    from bot.core.kernel.buttons import button_command, debate_button
    from bot.core.kernel.request import Request

    bot_class = discord_bot_class() if with_adapter else None  # imports are not part of the restart
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    port = RecordingPort()
    core = await build_core(path, {port.platform: port}, clock=SystemClock())
    await core.start()
    adapter = await discord_setup(core, bot_class) if with_adapter else "core only"
    restart = time.perf_counter() - started
    try:
        service = core.debates
        loaded = list(service.debates.values())
        ballots = sum(len(d.votes[Stage.PRE]) for d in loaded)
        deadlines = [d.deadline for d in loaded if d.deadline]
        armed = len(deadlines) == len(loaded) and core.next_deadline() == min(deadlines, default=None)
        gc.collect()
        after = rss_mb()
        # every debate's vote button, clicked once after the restart, is answered by the core
        answered = 0
        for chunk in range(0, len(loaded), 500):
            clicks = []
            for d in loaded[chunk:chunk + 500]:
                command, target = button_command(debate_button(d.id, "vote", "pro"))
                voter = Actor(PLATFORM, WORKSPACE, f"click{d.id}", "Clicker")
                clicks.append(core.handle(Request(voter, d.space, command=command, debate_id=target)))
            for replies in await asyncio.gather(*clicks):
                answered += replies[0].card.kind == "notice"
        open_stages = sum(engine.open_stage(d, service.fmt(d)) is Stage.PRE for d in loaded)
        return {
            "debates": len(loaded), "ballots": ballots, "rss_before_mb": round(before, 1),
            "rss_mb": round(after, 1), "restart_s": round(restart, 3), "deadlines_armed": armed,
            "buttons_answered": answered, "open_stages": open_stages, "adapter": adapter,
        }
    finally:
        await core.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database", type=Path)
    parser.add_argument("--adapter", action="store_true", help="time the Discord adapter's setup too")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.database, args.adapter))))


if __name__ == "__main__":
    main()
