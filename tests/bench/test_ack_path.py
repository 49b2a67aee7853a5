"""Acknowledge before storage: a click is acknowledged while its vote still waits for the writer.

Through the real adapters: discord.py's `DebateBot` against the fake Discord, and the slack-bolt
app against the mock Slack Web API. Storage is stalled (its write lock is held), so
the acknowledgement can only have come before any database work on the vote; the voter's
confirmation must come only once the vote is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest

from bot.app import build_core
from bot.core.debates.model import Choice, Stage
from bot.testing.clock import FakeClock
from bot.testing.stall import stall_store


@contextlib.asynccontextmanager
async def stalled_writer(core) -> AsyncIterator[asyncio.Event]:
    """Storage is stalled until the yielded event is set (set on the way out too)."""
    release = await stall_store(core)
    try:
        yield release
    finally:
        release.set()


async def test_discord_defers_a_vote_click_before_the_vote_is_stored(tmp_path):
    from bot.adapters.discord.bot import DebateBot
    from bot.testing.discord_fake import FakeDiscord, FakeUser

    fake = FakeDiscord()
    pupil = fake.add_member(FakeUser("pupil"))
    async with fake:
        core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
        bot = DebateBot(core, guild_id=fake.guild.id, guild_ready_timeout=0.1)
        core.ports[bot.port.platform] = bot.port
        await core.start()
        try:
            async with fake.running(bot):
                start = await fake.slash_command("teacher", "debates", "debate start", {"format": "quick"})
                await fake.wait_for_call(lambda c: c.path.startswith(start.webhook_path))  # started
                d = core.debates.debates[1]
                thread, tally = fake.channel(int(d.space.channel)), d.tally_message_ids[Stage.PRE]
                async with stalled_writer(core) as release:
                    click = await fake.click_button(pupil, thread, tally, f"debate:{d.id}:vote:pro")
                    deferral = await fake.wait_for_callback(click)
                    assert deferral.json["type"] == 6  # a silent deferred update
                    assert str(pupil.id) not in d.votes[Stage.PRE]  # the vote still waits for the writer
                    assert fake.calls_to("POST", click.webhook_path) == []  # and nobody was told yet
                    release.set()
                told = await fake.wait_for_call(method="POST", path=click.webhook_path)
                assert "Your vote: Pro" in json.dumps(told.json)
                assert d.votes[Stage.PRE] == {str(pupil.id): Choice.PRO}
        finally:
            await core.stop()


async def test_slack_acks_a_vote_click_before_the_vote_is_stored(tmp_path):
    pytest.importorskip("bot.adapters.slack.app")
    from bot.adapters.slack.app import build_app
    from bot.adapters.slack.port import SlackPort
    from bot.testing.slack_fake import (
        SIGNING_SECRET,
        FakeSlackApi,
        SlackDriver,
        make_client,
        serve_app,
    )

    clock = FakeClock()
    async with FakeSlackApi(team_id="T1", now=lambda: clock.now().timestamp(), rate_limits=True) as fake:
        fake.add_user("U1", "teacher", is_admin=True)
        fake.add_user("U2", "pupil")
        fake.add_channel("C1", "debate")
        core = await build_core(tmp_path / "s.db", {}, clock=clock)
        client = make_client(fake)
        port = SlackPort(client, clock)
        core.ports["slack"] = port
        app = build_app(core, port, client=client, signing_secret=SIGNING_SECRET)
        await core.start()
        try:
            async with serve_app(app) as url:
                driver = SlackDriver(url, SIGNING_SECRET, fake=fake)
                await driver.slash_command("/debate", "start format:quick", user_id="U1", channel_id="C1")
                tally = await fake.wait_for("chat.postMessage", lambda c: ":vote:pro" in json.dumps(c.args))
                d = core.debates.debates[1]
                async with stalled_writer(core) as release:
                    action = f"debate:{d.id}:vote:con"
                    answer = await driver.block_action(action, action, user_id="U2", channel_id="C1",
                                                       message_ts=tally.response["ts"])
                    assert answer.status == 200  # bolt answered the request: acknowledged
                    assert "U2" not in d.votes[Stage.PRE]  # the vote still waits for the writer
                    assert not [c for c in fake.calls("chat.postEphemeral") if c.args.get("user") == "U2"]
                    release.set()
                told = await fake.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == "U2")
                assert "Your vote: Con" in json.dumps(told.args)
                assert d.votes[Stage.PRE] == {"U2": Choice.CON}
        finally:
            await port.close()
            await core.stop()
