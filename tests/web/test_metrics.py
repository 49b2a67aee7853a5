"""GET /metrics: what the bot counted, in the Prometheus text format, read back with
prometheus-client's own parser."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
import discord
from discord.ext import commands
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.discord.port import DiscordPort
from bot.adapters.discord.runner import count_rate_limits
from bot.adapters.slack.port import SlackPort
from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.cards import Card
from bot.core.kernel.commands import parse
from bot.core.kernel.request import Request
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from bot.testing.discord_fake import FakeDiscord
from bot.testing.slack_fake import FakeSlackApi, make_client
from bot.web.listener import WebListener
from bot.web.metrics import PrometheusMetrics

ROOM = ChannelRef("test", "w1", "c1")
TEACHER = Actor("test", "w1", "teacher", "Teacher", is_admin=True)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(metrics: PrometheusMetrics) -> tuple[int, str, str]:
    listener = WebListener("127.0.0.1", 0)
    metrics.mount(listener.app)
    url = await listener.start()
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
            return response.status, response.headers["Content-Type"], await response.text()
    finally:
        await listener.stop()


async def test_votes_deadlines_duplicates_open_debates_and_batches_are_counted(tmp_path):
    metrics = PrometheusMetrics()
    clock = FakeClock()
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=clock, secret=b"k" * 32, metrics=metrics)
    metrics.watch(core.open_counts, core.writers)
    await core.start()
    try:
        await core.handle(Request(TEACHER, ROOM, "/debate start format:quick"))
        for n in range(3):
            replies = await core.handle(Request(Actor("test", "w1", f"v{n}", f"v{n}"), ROOM, "/vote pro",
                                                dedupe_key=f"d{n}"))
            assert "Your vote" in replies[0].card.body
        assert await core.handle(Request(Actor("test", "w1", "v0", "v0"), ROOM, "/vote con", dedupe_key="d0")) == []
        # a platform's retry of a ballot the adapter parsed itself (Discord, Slack) is not a vote again
        parsed = parse("/vote con", core.words)
        assert await core.handle(Request(Actor("test", "w1", "v1", "v1"), ROOM, "", command=parsed,
                                         dedupe_key="d1")) == []
        await core.handle(Request(TEACHER, ROOM, "/debate join side:pro"))
        refused = await core.handle(Request(TEACHER, ROOM, "/vote con"))  # a debater may not vote
        assert refused[0].card.kind == "error"
        deadline = core.debates.debates[1].deadline
        clock.advance((deadline - clock.now()).total_seconds() + 1)
        await core.run_due()

        status, content_type, text = await scrape(metrics)
    finally:
        await core.stop()
    assert status == 200 and content_type.startswith("text/plain; version=")
    got = samples(text)
    assert got[("debate_bot_votes_total", (("outcome", "confirmed"), ("platform", "test")))] == 3
    assert got[("debate_bot_votes_total", (("outcome", "refused"), ("platform", "test")))] == 1
    assert got[("debate_bot_vote_seconds_count", (("platform", "test"),))] == 4
    assert got[("debate_bot_deliveries_deduplicated_total", (("platform", "test"),))] == 2
    assert got[("debate_bot_deadlines_fired_total", (("kind", "phase"),))] == 1
    assert got[("debate_bot_open_debates", ())] == 1 and got[("debate_bot_open_polls", ())] == 0
    # three ballots, each committed in a batch of its own (they came one after another)
    assert got[("debate_bot_writer_batch_rows_count", (("writer", "votes"),))] == 3
    assert got[("debate_bot_writer_batch_rows_sum", (("writer", "votes"),))] == 3
    assert got[("debate_bot_writer_batch_rows_bucket", (("le", "1.0"), ("writer", "votes")))] == 3


async def test_a_burst_of_ballots_shows_in_the_batch_sizes(tmp_path):
    metrics = PrometheusMetrics()
    core = await build_core(tmp_path / "t.db", {"test": FakeChat()}, clock=FakeClock(), secret=b"k" * 32,
                            metrics=metrics)
    metrics.watch(core.open_counts, core.writers)
    await core.start()
    try:
        await core.handle(Request(TEACHER, ROOM, "/debate start format:quick"))
        await asyncio.gather(*(core.handle(Request(Actor("test", "w1", f"v{n}", f"v{n}"), ROOM, "/vote pro"))
                               for n in range(200)))
        got = samples(metrics.text().decode())
    finally:
        await core.stop()
    assert got[("debate_bot_writer_batch_rows_sum", (("writer", "votes"),))] == 200
    batches = got[("debate_bot_writer_batch_rows_count", (("writer", "votes"),))]
    assert batches < 200  # ballots that queued together were committed together
    assert got[("debate_bot_votes_total", (("outcome", "confirmed"), ("platform", "test")))] == 200


async def test_slack_edits_and_429s_are_counted_per_platform():
    metrics = PrometheusMetrics()
    clock = FakeClock()
    async with FakeSlackApi(team_id="T1", now=lambda: clock.now().timestamp()) as fake:
        fake.add_channel("C1", "debate")
        port = SlackPort(make_client(fake), clock, metrics=metrics)
        where = ChannelRef("slack", "T1", "C1")
        ts = await port.post(where, Card("tally", title="Pre-vote"))
        fake.fail_next("chat.update", "ratelimited", status=429, retry_after=1)
        await port.edit(where, ts, Card("tally", title="Pre-vote 1"))
        await fake.wait_for("chat.update", lambda c: c.status == 429)
        await clock.settle(*port.senders())
        clock.advance(3)  # past Slack's Retry-After and the message's edit interval
        await fake.wait_for("chat.update", lambda c: c.ok)
        await port.idle()
    got = samples(metrics.text().decode())
    assert got[("debate_bot_rate_limited_total", (("platform", "slack"),))] == 1
    assert got[("debate_bot_tally_edits_total", (("platform", "slack"),))] == 1


async def test_discord_429s_that_discord_py_waits_out_are_counted(tmp_path):
    metrics = PrometheusMetrics()
    core = await build_core(tmp_path / "t.db", {}, clock=FakeClock(), metrics=metrics)
    count_rate_limits(core)
    ticks = itertools.count(0.0, 0.03)  # the fake's clock: the second edit lands inside the window
    try:
        async with FakeDiscord(rate_limit_edits_per_message=(1, 0.04), clock=lambda: next(ticks)) as fake:
            bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default(),
                               guild_ready_timeout=0.1)
            async with fake.running(bot):
                port = DiscordPort(bot, metrics)
                where = ChannelRef("discord", str(fake.guild.id), str(fake.channel("debates").id))
                message_id = await port.post(where, Card("tally", title="Pre-vote"))
                await port.edit(where, message_id, Card("tally", title="Pre-vote 1"))
                await port.edit(where, message_id, Card("tally", title="Pre-vote 2"))
                assert fake.count_429 == 1
    finally:
        await core.stop()
    got = samples(metrics.text().decode())
    assert got[("debate_bot_rate_limited_total", (("platform", "discord"),))] == 1
    assert got[("debate_bot_tally_edits_total", (("platform", "discord"),))] == 2


async def test_each_instance_counts_alone():
    one, two = PrometheusMetrics(), PrometheusMetrics()
    one.deadline_fired("poll")
    assert ("debate_bot_deadlines_fired_total", (("kind", "poll"),)) in samples(one.text().decode())
    assert ("debate_bot_deadlines_fired_total", (("kind", "poll"),)) not in samples(two.text().decode())


def test_an_unwatched_instance_reports_nothing_open():
    got = samples(PrometheusMetrics().text().decode())
    assert got[("debate_bot_open_debates", ())] == 0

