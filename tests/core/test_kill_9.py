"""kill -9 of one process in the middle of a debate, on PostgreSQL: every vote confirmed before
the kill is stored, and another process fires the dead one's next deadline, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.app import build_core
from bot.core.debates.model import Stage
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
CONFIRMED_BEFORE_KILL = 200


async def test_a_killed_process_loses_no_confirmed_vote_and_its_deadline_fires_elsewhere(postgres_url):
    worker = subprocess.Popen([sys.executable, "-m", "tests.procs.vote_worker", postgres_url], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    confirmed: list[str] = []
    try:
        assert worker.stdout.readline().strip() == "started", worker.stderr.read()
        while len(confirmed) < CONFIRMED_BEFORE_KILL:
            line = worker.stdout.readline()
            assert line, worker.stderr.read()
            if line.startswith("confirmed "):
                confirmed.append(line.split()[1])
        os.kill(worker.pid, signal.SIGKILL)  # in the middle of the vote storm
    finally:
        worker.kill()
        worker.wait(timeout=30)
    for line in worker.stdout.read().splitlines():  # confirmed after we stopped counting, before the kill
        if line.startswith("confirmed "):
            confirmed.append(line.split()[1])

    probe = await build_core(postgres_url, {"test": FakeChat()}, clock=FakeClock(), secret=b"k" * 32)
    d = await probe.store.load_debate(1)
    await probe.store.close()
    stored = d.votes[Stage.PRE]
    assert set(confirmed) <= set(stored), "a vote was confirmed and then lost"
    assert d.phase_index == 0 and d.deadline is not None

    # another process, at the dead one's deadline plus 4 s: it fires it at start, once
    chat = FakeChat()
    other = await build_core(postgres_url, {"test": chat}, clock=FakeClock(d.deadline + timedelta(seconds=4)),
                             secret=b"k" * 32)
    await other.start()
    try:
        await other.run_due()
        await other.debates.fresh(other.debates.debates[1])
        assert other.debates.debates[1].phase_index == 1
        phases = [p.card for p in chat.posts if p.card.kind == "phase"]
        assert len(phases) == 1 and "Time is up." in phases[0].body
    finally:
        await other.stop()
