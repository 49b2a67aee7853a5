"""SIGTERM in the middle of a vote storm through Slack's HTTP path: the bot stops taking new work,
answers every ballot it took (confirmed and stored, or refused because it is stopping), posts
what it owes, closes the store and exits 0. The bot is a real `python -m bot` process on the fake
Slack Web API; the test reads only what reached Slack and what the store holds."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.__main__ import STOP_SECONDS
from bot.core.debates.model import Stage
from bot.storage import open_store
from bot.testing.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, SlackDriver

ROOT = Path(__file__).resolve().parents[1]
VOTERS = 400
SIGNAL_AFTER = 120  # ballots acknowledged before the SIGTERM
CONCURRENCY = 40


def bot_process(tmp_path: Path, api_url: str) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env = base | {"BOT_DATABASE": str(tmp_path / "bot.db"), "SLACK_BOT_TOKEN": BOT_TOKEN,
                  "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_PORT": "0", "SLACK_API_URL": api_url,
                  "BOT_WEB_PORT": "0"}
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def read_line(proc: subprocess.Popen[str], starts: str) -> str:
    while True:
        line = await asyncio.to_thread(proc.stderr.readline)
        assert line, "the bot stopped before it said: " + starts
        if line.startswith(starts):
            return line


def answers_to(fake: FakeSlackApi, user: str) -> list[str]:
    return [str(c.args) for c in fake.calls("chat.postEphemeral") if c.args.get("user") == user]


async def test_sigterm_in_a_slack_vote_storm_answers_every_ballot_taken_and_loses_none(tmp_path):
    async with FakeSlackApi(team_id="T1") as fake:
        fake.add_user("U1", "teacher", is_admin=True)
        voters = [f"V{n}" for n in range(VOTERS)]
        for v in voters:
            fake.add_user(v, v.lower())
        fake.add_channel("C1", "debate")
        proc = bot_process(tmp_path, fake.url)
        try:
            line = await read_line(proc, "Slack: ")
            events = line.split("http://", 1)[1].split()[0].rstrip(").,")
            driver = SlackDriver(f"http://{events}", fake=fake)
            started = await driver.slash_command("/debate", "start format:quick", user_id="U1")
            assert started.status == 200
            await fake.wait_for("chat.postMessage")

            acked: set[str] = set()
            not_taken: set[str] = set()
            signalled = asyncio.Event()
            gate = asyncio.Semaphore(CONCURRENCY)

            async def vote(user: str) -> None:
                async with gate:
                    try:
                        answer = await driver.slash_command("/vote", "pro", user_id=user)
                    except (aiohttp.ClientConnectionError, OSError):
                        not_taken.add(user)  # the listener had closed: Slack shows its own error
                        return
                if answer.status == 200:
                    acked.add(user)
                else:
                    not_taken.add(user)
                if len(acked) >= SIGNAL_AFTER and not signalled.is_set():
                    signalled.set()
                    proc.send_signal(signal.SIGTERM)

            await asyncio.gather(*(vote(v) for v in voters))
            assert signalled.is_set()
            rc = await asyncio.to_thread(proc.wait, STOP_SECONDS + 20)
            err = proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert rc == 0, err
        assert "Traceback" not in err

        confirmed = {v for v in voters if any("Your vote" in a for a in answers_to(fake, v))}
        refused = {v for v in voters if any("stopping" in a for a in answers_to(fake, v))}
        store = await open_store(tmp_path / "bot.db")
        try:
            debate = await store.load_debate(1)
        finally:
            await store.close()
        stored = set(debate.votes[Stage.PRE])

        assert confirmed <= stored, "a ballot was confirmed and not stored"
        assert stored <= confirmed, "a ballot was stored and its voter told otherwise, or not told"
        assert not confirmed & refused
        assert acked <= confirmed | refused, f"acknowledged and never answered: {sorted(acked - confirmed - refused)[:5]}"
        # the storm straddled the stop: ballots confirmed before it, refused during it
        assert confirmed and refused, (len(confirmed), len(refused), len(not_taken))
        assert acked | not_taken == set(voters)
