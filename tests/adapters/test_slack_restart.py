"""A restart forgets nothing users see: the real slack-bolt app over signed HTTP, stopped and
started again on the same SQLite file, against one mock Slack Web API and one fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.slack.app import build_app
from bot.adapters.slack.port import SlackPort
from bot.app import build_core
from bot.core.ports import Store
from bot.core.service import Core
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import SIGNING_SECRET, FakeSlackApi, SlackDriver, make_client, serve_app
from tests.adapters.test_slack_env import CHANNEL, TEAM, add_people, dump, texts


@asynccontextmanager
async def bot_process(fake: FakeSlackApi, clock: FakeClock, database: Path | Store,
                      ) -> AsyncIterator[tuple[Core, SlackPort, SlackDriver]]:
    """One bot process: its own core, port and HTTP listener, on the shared database (a file, or
    a store already open)."""
    core = await build_core(database, {}, clock=clock, secret=b"k" * 32)
    client = make_client(fake)
    port = SlackPort(client, clock, edit_log=core.store)
    core.ports["slack"] = port
    app = build_app(core, port, client=client, signing_secret=SIGNING_SECRET, moderators=frozenset())
    await core.start()
    try:
        async with serve_app(app) as url:
            yield core, port, SlackDriver(url, SIGNING_SECRET, fake=fake)
    finally:
        await port.close()
        await core.stop()


async def _edits_land(core: Core, port: SlackPort, clock: FakeClock, step: float = 0.25) -> None:
    """Move the clock in small steps until no tally edit is waiting or on its way."""
    for _ in range(400):
        await asyncio.sleep(0.01)  # the mock answers over real HTTP
        if not core.debates.tallies.busy() and not port.busy and not port.pending_edits() and not port._senders:
            return
        clock.advance(step)
    raise AssertionError("edits never landed")


def tally_updates(fake: FakeSlackApi, ts: str) -> list[float]:
    return [c.at for c in fake.calls("chat.update") if c.args["ts"] == ts]


async def test_a_restart_keeps_the_tally_interval_and_ignores_a_retry_it_handled(tmp_path):
    clock = FakeClock()
    database = tmp_path / "bot.db"
    async with FakeSlackApi(team_id=TEAM, now=lambda: clock.now().timestamp(), rate_limits=True) as fake:
        add_people(fake)
        async with bot_process(fake, clock, database) as (core, port, drv):
            await drv.slash_command("/debate", "start format:quick", user_id="U1", channel_id=CHANNEL)
            tally = await fake.wait_for(
                "chat.postMessage", lambda c: "debate:1:vote:pro" in dump(c.args.get("blocks", [])))
            tally_ts = tally.response["ts"]
            first = await drv.block_action("debate:1:vote:pro", "debate:1:vote:pro", user_id="U4",
                                           channel_id=CHANNEL, message_ts=tally_ts)
            await fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == "U4")
            await _edits_land(core, port, clock)
            await drv.block_action("debate:1:vote:con", "debate:1:vote:con", user_id="U5",
                                   channel_id=CHANNEL, message_ts=tally_ts)
            await fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == "U5")
            await _edits_land(core, port, clock)
            before = tally_updates(fake, tally_ts)
            assert len(before) >= 1

        clock.advance(1.0)  # restarted one second after the last edit
        async with bot_process(fake, clock, database) as (core, port, drv):
            # Slack retries a click the first process had handled: nothing happens twice
            await drv.retry(first, retry_num=1)
            await drv.block_action("debate:1:vote:undecided", "debate:1:vote:undecided", user_id="U6",
                                   channel_id=CHANNEL, message_ts=tally_ts)
            await fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == "U6")
            await _edits_land(core, port, clock)
            after = tally_updates(fake, tally_ts)[len(before):]
            assert after, "the vote after the restart was never shown"
            assert after[0] - before[-1] >= port.min_edit_interval  # the interval survived the restart
            assert fake.count_429 == 0
            told_u4 = [c for c in fake.calls("chat.postEphemeral") if c.args.get("user") == "U4"]
            assert len(told_u4) == 1  # the retry was not confirmed a second time
            assert "3 votes so far" in texts(fake.message(CHANNEL, tally_ts)["blocks"])
            d = core.debates.debates[1]
            assert {k: v.value for k, v in d.votes[next(iter(d.votes))].items()} == {
                "U4": "pro", "U5": "con", "U6": "undecided"}
