"""Three bot processes behind one load balancer: the real slack-bolt app of each, over signed
HTTP, on one database, against one mock Slack Web API and one fake clock. Every request goes to
the next process in turn, as a round-robin balancer would send it."""

from __future__ import annotations

import asyncio
import itertools
from contextlib import AsyncExitStack

import pytest

from bot.testing.clock import FakeClock
from bot.testing.slack_fake import FakeSlackApi, SlackDriver
from tests.adapters.test_slack_env import CHANNEL, TEAM, add_people, dump, texts
from tests.adapters.test_slack_restart import bot_process

VOTERS = 1000


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request, tmp_path):
    if request.param == "postgres":
        from bot.storage.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        return lambda: PostgresStore.open(url)
    from bot.storage.sqlite import SqliteStore

    path = tmp_path / "shared.db"
    return lambda: SqliteStore.open(path, shared=True)


def busy(procs) -> bool:
    return any(core.debates.tallies.busy() or port.busy or port.pending_edits() or port._senders
               for core, port, _ in procs)


async def land(procs, clock: FakeClock, step: float = 0.5) -> None:
    """Move the shared clock on in small steps (each process follows the store every 0.5 s)
    until no process has an edit waiting or on its way."""
    for _ in range(200):
        clock.advance(step)
        await asyncio.sleep(0.02)  # the mock answers over real HTTP
        if not busy(procs):
            return
    raise AssertionError("edits never landed")


def updates_of(fake: FakeSlackApi, ts: str) -> list[float]:
    return [c.at for c in fake.calls("chat.update") if c.args["ts"] == ts]


async def test_three_processes_run_one_debate_of_1000_voters_as_one(open_store):
    clock = FakeClock()
    async with FakeSlackApi(team_id=TEAM, now=lambda: clock.now().timestamp(), rate_limits=True) as fake:
        add_people(fake)
        for n in range(VOTERS):
            fake.add_user(f"V{n:04d}", f"voter{n}")
        async with AsyncExitStack() as stack:
            procs = [await stack.enter_async_context(bot_process(fake, clock, await open_store())) for _ in range(3)]
            turn = itertools.cycle(procs)

            def drv() -> SlackDriver:
                return next(turn)[2]

            await drv().slash_command("/debate", "start format:quick", user_id="U1", channel_id=CHANNEL)
            pre = await fake.wait_for("chat.postMessage", lambda c: "debate:1:vote:pro" in dump(c.args.get("blocks", [])))
            pre_ts = pre.response["ts"]

            async def vote_all(ts: str, choice_of) -> None:
                for start in range(0, VOTERS, 100):
                    await asyncio.gather(*(
                        drv().block_action(f"debate:1:vote:{choice_of(n)}", None, user_id=f"V{n:04d}",
                                           channel_id=CHANNEL, message_ts=ts)
                        for n in range(start, start + 100)))
                    clock.advance(0.5)

            pre_choice = ("pro", "con", "undecided")
            await vote_all(pre_ts, lambda n: pre_choice[n % 3])
            await fake.wait_for("chat.postEphemeral", lambda c: c.args["user"].startswith("V"), count=VOTERS, timeout=60)

            # the same signed click, retried by Slack to two other processes, acts once
            first = await procs[0][2].block_action("debate:1:vote:con", None, user_id="U9", channel_id=CHANNEL,
                                                   message_ts=pre_ts)
            await fake.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U9")
            await procs[1][2].retry(first, retry_num=1)
            await procs[2][2].retry(first, retry_num=2)
            await land(procs, clock)
            assert len([c for c in fake.calls("chat.postEphemeral") if c.args["user"] == "U9"]) == 1

            for phase in (2, 3, 4):  # to the post-vote, each step through whichever process is next
                await drv().slash_command("/debate", "next", user_id="U1", channel_id=CHANNEL)
                # Slack's command is acknowledged before it runs: wait for the step to be announced,
                # as a moderator would, or the next click means "leave the phase I see" twice
                await fake.wait_for("chat.postMessage", lambda c, p=phase: f"Phase {p}/4" in c.args.get("text", ""))
                await land(procs, clock)
            post = await fake.wait_for("chat.postMessage", lambda c: "debate:1:vote:pro" in dump(c.args.get("blocks", [])),
                                       count=2)
            post_ts = post.response["ts"]
            await vote_all(post_ts, lambda n: "pro" if n % 2 else "con")
            await fake.wait_for("chat.postEphemeral", lambda c: c.args["user"].startswith("V"), count=2 * VOTERS,
                                timeout=60)
            await drv().slash_command("/debate", "end", user_id="U1", channel_id=CHANNEL)
            result = await fake.wait_for("chat.postMessage", lambda c: "Result · debate #1" in dump(c.args), timeout=30)
            await land(procs, clock)

            # exact: every ballot counted, whichever process took it
            pre_final = texts(fake.message(CHANNEL, pre_ts)["blocks"])
            assert f"Closed · {VOTERS + 1} votes" in pre_final, pre_final
            post_final = texts(fake.message(CHANNEL, post_ts)["blocks"])
            assert f"Closed · {VOTERS} votes" in post_final and "500 (50%)" in post_final, post_final
            body = texts(result.args["blocks"])
            assert "*Pro*\n33% → 50% (334 → 500)" in body and "*Con*\n33% → 50% (334 → 500)" in body, body
            assert "1001 in the pre-vote, 1000 in the post-vote, 1000 in both" in body
            results = [c for c in fake.calls("chat.postMessage") if "Result · debate #1" in dump(c.args)]
            assert len(results) == 1
            phases = [c for c in fake.calls("chat.postMessage") if "Phase " in dump(c.args) and "/4" in dump(c.args)]
            assert len(phases) == 4  # each phase announced once
            # no process edited a message sooner than 3 s after any process's last edit of it
            for ts in {c.args["ts"] for c in fake.calls("chat.update")}:
                stamps = updates_of(fake, ts)
                assert all(b - a >= 3.0 for a, b in itertools.pairwise(stamps)), (ts, stamps)
            assert fake.count_429 == 0
