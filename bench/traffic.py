"""Platform traffic: acknowledgement while storage is stalled, and tally edits under a vote storm.

Both run through the real adapters — discord.py with `DebateBot`/`DiscordPort` against the fake
Discord, slack-bolt with the Slack listeners/`SlackPort` against the mock Slack Web API — and the
fakes answer 429 as soon as Discord's (1 edit per message per 2 s) or Slack's (1 `chat.update`
per message per 3 s, 50 a minute) limits are passed.

* Acknowledgement: storage is stalled for 5 s (its write lock is held); clicks come
  in meanwhile, and each click's time to its acknowledgement (Discord's deferral callback,
  Slack's HTTP answer to the signed request) is taken while its vote is still unstored.
* Storm: 5,000 votes a second offered at Poisson times (seeded), as the clicks would hand them
  to the core once acknowledged; the tally messages are edited by the core's coalescer through
  the real port. Discord runs in real time; Slack on a fake clock shared by the core, the port
  and the mock, so that its per-minute workspace budget is covered in a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Inflight, StealMeter, percentile
from bot.app import build_core
from bot.clock import SystemClock
from bot.core.debates import cards as debate_cards
from bot.core.debates.model import Actor, Debate, Stage
from bot.core.kernel.commands import Command
from bot.core.kernel.request import Request
from bot.core.service import Core
from bot.testing.clock import FakeClock
from bot.testing.stall import stall_store

log = logging.getLogger(__name__)
CHOICES = ("pro", "con", "undecided")
STALL = 5.0
FORMAT = "async"  # a day-long pre-vote: the fake clock may move a few minutes


@dataclass
class Ack:
    platform: str
    clicks: int = 0
    latencies: list[float] = field(default_factory=list)
    unstored_at_ack: int = 0  # clicks whose vote was not committed yet when they were acknowledged
    told_before_release: int = 0  # confirmations sent before storage came back (must be 0)
    confirmed: int = 0  # confirmations after storage came back
    note: str = ""
    steal: float | None = None  # the VM's steal while the clicks came in

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


@dataclass
class Storm:
    platform: str
    offered: int = 0
    seconds: float = 0.0
    messages: int = 0
    edits: dict[str, int] = field(default_factory=dict)  # successful edits per tally message
    min_gap: float = float("inf")  # shortest time between two edits of one message
    per_minute: int = 0  # most edits in any 60 s (Slack: per workspace)
    count_429: int = 0
    exact: int = 0  # messages that ended on the exact final tally
    final_lag: float = 0.0  # longest time from a message's last vote to its exact final edit
    simulated: bool = False
    note: str = ""


def poisson_times(rate: float, seconds: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    out: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= seconds:
            return out
        out.append(t)


def vote_request(actor: Actor, d: Debate, choice: str) -> Request:
    """What an adapter hands the core for a click on `debate:<id>:vote:<choice>`, once acknowledged."""
    return Request(actor, d.space, command=Command("vote", None, {"choice": choice}), debate_id=d.id)


def expected_fields(core: Core, d: Debate) -> list[str]:
    return [f.value for f in debate_cards.tally(core, d, Stage.PRE, open_=True).fields]


# --- Discord -----------------------------------------------------------------------------------


async def discord_part(folder: Path, *, rate: float, seconds: float, clicks: int, seed: int = 21) -> tuple[Ack, Storm]:
    import discord  # noqa: F401  (the fake patches discord.py's URLs)

    from bot.adapters.discord.bot import DebateBot
    from bot.testing.discord_fake import FakeDiscord, FakeUser

    ack, storm = Ack("Discord"), Storm("Discord")
    fake = FakeDiscord(rate_limit_edits_per_message=(1, 2.0))
    for i in range(clicks):
        fake.add_member(FakeUser(f"voter{i}"))
    async with fake:
        core = await build_core(folder / "discord.db", {}, clock=SystemClock())
        bot = DebateBot(core, guild_id=fake.guild.id, guild_ready_timeout=0.1)
        core.ports[bot.port.platform] = bot.port
        await core.start()
        try:
            async with fake.running(bot):
                await fake.slash_command("teacher", "debates", "debate start", {"format": FORMAT})
                d = await _first_debate(core)
                thread = fake.channel(int(d.space.channel))
                tally_id = d.tally_message_ids[Stage.PRE]
                with StealMeter() as steal:
                    await _discord_ack(fake, core, d, thread, tally_id, clicks, ack)
                ack.steal = steal.share
                await _discord_storm(fake, core, bot, d, tally_id, rate, seconds, seed, storm)
        finally:
            await core.stop()
    return ack, storm


async def _first_debate(core: Core, count: int = 1, timeout: float = 10.0) -> Debate:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        ready = [d for d in core.debates.debates.values() if Stage.PRE in d.tally_message_ids]
        if len(ready) >= count:
            return ready[0]
        await asyncio.sleep(0.01)
    raise TimeoutError("the debate did not start")


async def _discord_ack(fake, core: Core, d: Debate, thread, tally_id: str, clicks: int, ack: Ack) -> None:
    release = await stall_store(core)
    stalled_at = time.perf_counter()
    sent = []

    async def click(i: int) -> None:
        user = fake.user(f"voter{i}")
        started = time.perf_counter()
        inter = await fake.click_button(user, thread, tally_id, f"debate:{d.id}:vote:{CHOICES[i % 3]}")
        await fake.wait_for_callback(inter, timeout=STALL * 3)
        ack.latencies.append(time.perf_counter() - started)
        ack.unstored_at_ack += str(user.id) not in d.votes[Stage.PRE]
        sent.append(inter)

    tasks = []
    for i in range(clicks):  # spread over the first 80 % of the stall
        tasks.append(asyncio.create_task(click(i)))
        await asyncio.sleep(STALL * 0.8 / clicks)
    await asyncio.gather(*tasks)
    ack.clicks = len(sent)
    await asyncio.sleep(max(0.0, STALL - (time.perf_counter() - stalled_at)))
    ack.told_before_release = sum(bool(fake.calls_to("POST", inter.webhook_path)) for inter in sent)
    release.set()
    for inter in sent:
        await fake.wait_for_call(method="POST", path=inter.webhook_path, timeout=STALL * 3)
        ack.confirmed += 1


async def _discord_storm(fake, core: Core, bot, d: Debate, tally_id: str, rate: float, seconds: float,
                         seed: int, storm: Storm) -> None:
    port = bot.port
    edit = port.edit
    landed: list[tuple[float, float]] = []  # (started, done) of each edit of the tally message

    async def timed_edit(channel, message_id, card):
        started = time.perf_counter()
        await edit(channel, message_id, card)
        if message_id == tally_id:
            landed.append((started, time.perf_counter()))

    port.edit = timed_edit
    await asyncio.sleep(2.1)  # the acknowledgement part's last edit is out of the way
    mark, before_429 = fake.mark(), fake.count_429
    landed.clear()
    guild = str(fake.guild.id)
    last_vote = await _offer(core, [d], rate, seconds, seed,
                             lambda j: Actor("discord", guild, str(10**17 + j), f"storm{j}"),
                             storm, clock=None)
    deadline = time.perf_counter() + 15.0
    while time.perf_counter() < deadline and (core.debates.tallies.busy() or not landed
                                                or landed[-1][0] < last_vote[d.id]):
        await asyncio.sleep(0.05)
    port.edit = edit
    storm.messages = 1
    path = f"/channels/{d.space.channel}/messages/{tally_id}"
    ok = [c for c in fake.calls_to("PATCH", path, since=mark) if c.status == 200]
    storm.edits = {tally_id: len(ok)}
    storm.count_429 = fake.count_429 - before_429
    starts = [s for s, _ in landed]
    storm.min_gap = min((b - a for a, b in zip(starts, starts[1:], strict=False)), default=float("inf"))
    storm.per_minute = len(ok)
    shown = [f["value"] for f in (fake.message(tally_id).get("embeds") or [{}])[0].get("fields", [])]
    storm.exact = int(shown == expected_fields(core, d))
    storm.final_lag = landed[-1][1] - last_vote[d.id] if landed else float("nan")


async def _offer(core: Core, debates: list[Debate], rate: float, seconds: float, seed: int, actor_of,
                 storm: Storm, clock: FakeClock | None) -> dict[int, float]:
    """Offer votes at Poisson times over `debates`; returns when each debate's last vote was committed.

    On a real clock the votes are started when due, whatever the backlog. On a fake clock
    the clock moves in 10 ms steps and each step's votes are done before it moves on.
    """
    due = poisson_times(rate, seconds, seed)
    storm.offered = len(due)
    last: dict[int, float] = defaultdict(float)
    now = time.perf_counter if clock is None else (lambda: clock.now().timestamp())
    writer = core.debates.writer
    on_commit = writer._on_commit

    def committed(rows) -> None:
        on_commit(rows)
        at = now()
        for row in rows:
            last[row.debate_id] = at

    writer._on_commit = committed

    async def one(j: int) -> None:
        d = debates[j % len(debates)]
        await core.handle(vote_request(actor_of(j), d, CHOICES[j % 3]))

    started = time.perf_counter()
    if clock is None:
        loop = asyncio.get_running_loop()
        begin = loop.time()
        inflight, j = Inflight(), 0
        while j < len(due):
            while j < len(due) and begin + due[j] <= loop.time():
                inflight.start(one(j))
                j += 1
            if j < len(due):
                await asyncio.sleep(max(0.0, begin + due[j] - loop.time()))
        await inflight.wait()
    else:
        step, t, j = 0.01, 0.0, 0
        while j < len(due):
            t += step
            batch = []
            while j < len(due) and due[j] < t:
                batch.append(one(j))
                j += 1
            await asyncio.gather(*batch)
            clock.advance(step)
            await asyncio.sleep(0)
    writer._on_commit = on_commit
    storm.seconds = time.perf_counter() - started if clock is None else seconds
    return last


# --- Slack -------------------------------------------------------------------------------------


async def slack_part(folder: Path, *, rate: float, seconds: float, clicks: int, debates: int,
                     seed: int = 34) -> tuple[Ack, Storm, Storm]:
    from bot.adapters.slack import blocks
    from bot.adapters.slack.app import build_app
    from bot.adapters.slack.port import SlackPort
    from bot.testing.slack_fake import (
        SIGNING_SECRET,
        FakeSlackApi,
        SlackDriver,
        make_client,
        serve_app,
    )

    clock = FakeClock(datetime.now(UTC))
    ack = Ack("Slack")
    one, many = Storm("Slack", simulated=True), Storm("Slack", simulated=True)
    async with FakeSlackApi(team_id="T1", now=lambda: clock.now().timestamp(), rate_limits=True) as fake:
        fake.add_user("U1", "teacher", is_admin=True)
        for i in range(clicks):
            fake.add_user(f"UV{i:04d}", f"voter{i}")
        channels = [f"C{i:03d}" for i in range(debates + 1)]
        for channel in channels:
            fake.add_channel(channel, f"debate-{channel.lower()}")
        core = await build_core(folder / "slack.db", {}, clock=clock)
        client = make_client(fake)
        port = SlackPort(client, clock)
        core.ports["slack"] = port
        app = build_app(core, port, client=client, signing_secret=SIGNING_SECRET)
        await core.start()
        try:
            async with serve_app(app) as url:
                driver = SlackDriver(url, SIGNING_SECRET, fake=fake)
                for channel in channels:
                    await driver.slash_command("/debate", f"start format:{FORMAT}", user_id="U1", channel_id=channel)
                    await _wait_for(lambda c=channel: _debate_in(core, c) is not None)
                first = _debate_in(core, channels[0])
                with StealMeter() as steal:
                    await _slack_ack(fake, driver, core, first, clicks, ack)
                ack.steal = steal.share
                rest = [_debate_in(core, c) for c in channels[1:]]
                await _slack_storm(fake, core, port, blocks, [first], rate, seconds, seed, clock, one)
                await _slack_storm(fake, core, port, blocks, rest, rate, seconds / 2, seed + 1, clock, many)
        finally:
            await port.close()
            await core.stop()
    return ack, one, many


def _debate_in(core: Core, channel: str) -> Debate | None:
    for d in core.debates.debates.values():
        if d.parent.channel == channel and Stage.PRE in d.tally_message_ids:
            return d
    return None


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the Slack side did not get there")
        await asyncio.sleep(0.01)


async def _slack_ack(fake, driver, core: Core, d: Debate, clicks: int, ack: Ack) -> None:
    channel, thread = d.space.channel.split("/")
    tally_ts = d.tally_message_ids[Stage.PRE]
    release = await stall_store(core)
    stalled_at = time.perf_counter()
    users = []

    async def click(i: int) -> None:
        user = f"UV{i:04d}"
        action = f"debate:{d.id}:vote:{CHOICES[i % 3]}"
        started = time.perf_counter()
        answer = await driver.block_action(action, action, user_id=user, channel_id=channel, message_ts=tally_ts)
        ack.latencies.append(time.perf_counter() - started)
        if answer.status != 200:
            ack.note = f"HTTP {answer.status}"
        ack.unstored_at_ack += user not in d.votes[Stage.PRE]
        users.append(user)

    tasks = []
    for i in range(clicks):
        tasks.append(asyncio.create_task(click(i)))
        await asyncio.sleep(STALL * 0.8 / clicks)
    await asyncio.gather(*tasks)
    ack.clicks = len(users)
    await asyncio.sleep(max(0.0, STALL - (time.perf_counter() - stalled_at)))
    told = {c.args.get("user") for c in fake.calls("chat.postEphemeral")}
    ack.told_before_release = len(told & set(users))
    release.set()
    for user in users:
        await fake.wait_for("chat.postEphemeral", lambda c, u=user: c.args.get("user") == u, timeout=STALL * 3)
        ack.confirmed += 1


async def _slack_storm(fake, core: Core, port, blocks, debates: list[Debate], rate: float, seconds: float,
                       seed: int, clock: FakeClock, storm: Storm) -> None:
    # let edits from before the storm go out, so the storm starts from a quiet workspace
    await _settle(core, port, clock, lambda: True, 70.0)
    clock.advance(61.0)  # and the workspace's edit budget is whole again
    await _settle(core, port, clock, lambda: True, 10.0)
    since = len(fake.calls("chat.update"))
    before_429 = fake.count_429
    last_vote = await _offer(core, debates, rate, seconds, seed,
                             lambda j: Actor("slack", "T1", f"US{seed}{j:06d}", f"storm{j}"), storm, clock)

    def exact(d: Debate) -> bool:
        channel = d.space.channel.split("/")[0]
        shown = fake.messages[(channel, d.tally_message_ids[Stage.PRE])]["blocks"]
        return shown == blocks.message(debate_cards.tally(core, d, Stage.PRE, open_=True))["blocks"]

    await _settle(core, port, clock, lambda: all(exact(d) for d in debates), 120.0)
    storm.messages = len(debates)
    storm.count_429 = fake.count_429 - before_429
    storm.exact = sum(exact(d) for d in debates)
    updates = [c for c in fake.calls("chat.update")[since:] if c.ok]
    by_message: dict[str, list[float]] = defaultdict(list)
    for c in updates:
        by_message[c.args["ts"]].append(c.at)
    storm.edits = {ts: len(times) for ts, times in by_message.items()}
    gaps = [b - a for times in by_message.values() for a, b in zip(times, times[1:], strict=False)]
    storm.min_gap = min(gaps, default=float("inf"))
    stamps = sorted(c.at for c in updates)
    storm.per_minute = max((sum(1 for s in stamps if t <= s < t + 60.0) for t in stamps), default=0)
    lags = []
    for d in debates:
        times = by_message.get(d.tally_message_ids[Stage.PRE], [])
        if times and d.id in last_vote:
            lags.append(times[-1] - last_vote[d.id])
    storm.final_lag = max(lags, default=float("nan"))


async def _settle(core: Core, port, clock: FakeClock, done, limit: float) -> None:
    """Move the fake clock in 0.25 s steps (letting HTTP finish) until `done()` and nothing is pending.

    Simulated time stands still while an edit is on its way to the mock: on a busy machine a
    request may take longer than one real step, and a clock moving on meanwhile would add
    simulated seconds to what the tally took."""
    moved = 0.0
    while moved < limit:
        await asyncio.sleep(0.003)
        while getattr(port, "busy", False):
            await asyncio.sleep(0.001)
        if done() and not core.debates.tallies.busy() and not port.pending_edits() and not getattr(port, "_senders", None):
            return
        clock.advance(0.25)
        moved += 0.25
    log.warning("the Slack tallies did not settle within %.0f simulated seconds", limit)
