"""Two bot processes, each running half of the Discord shards, on one store.

Process zero runs shard 0 of 2 and process one runs shard 1: each is a core of its own with its
own connection to one shared SQLite store (as two processes on one PostgreSQL database would
be) and a real discord.py `AutoShardedBot`, made by the runner from DISCORD_SHARD_COUNT and
DISCORD_SHARDS. The fake Discord has a server on each shard and routes each server's events to
its shard only, as Discord does. One debate per server, driven by slash commands, buttons and
a typed message, from start to result.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from bot.adapters.discord import runner
from bot.adapters.discord.bot import DebateBot, ShardedDebateBot
from bot.app import build_core
from bot.core.service import Core
from bot.settings import Settings
from bot.storage.sqlite import SqliteStore
from bot.testing.clock import FakeClock
from bot.testing.discord_fake import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    RestCall,
    SentInteraction,
    default_guild,
    guild_id_on_shard,
    shard_of,
)
from tests.adapters.test_discord_debate import answer_to, confirmation, custom_ids, fields, text_of

COUNT = 2
SECRET = b"s" * 32  # every process of one deployment has the same BOT_SECRET
VOTERS = ("carol", "dana", "eli")


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


@dataclass
class Process:
    """One bot process, and what the gateway sent it."""

    shard: int
    bot: ShardedDebateBot
    core: Core
    interactions: set[int] = field(default_factory=set)
    messages: set[int] = field(default_factory=set)


@contextlib.asynccontextmanager
async def bot_process(fake: FakeDiscord, database: Path, clock: FakeClock, shard: int) -> AsyncIterator[Process]:
    """`python -m bot` with DISCORD_SHARDS=`shard`: its own core and store connection."""
    core = await build_core(await SqliteStore.open(database, shared=True), {}, clock=clock, secret=SECRET)
    run = runner.prepare(core, settings(DISCORD_TOKEN=fake.token, DISCORD_SHARD_COUNT=str(COUNT),
                                        DISCORD_SHARDS=str(shard)), guild_ready_timeout=0.1)
    bot = core.ports["discord"].client
    process = Process(shard, bot, core)

    async def sent_interaction(interaction: discord.Interaction) -> None:
        process.interactions.add(interaction.id)

    async def sent_message(message: discord.Message) -> None:
        process.messages.add(message.id)

    bot.add_listener(sent_interaction, "on_interaction")
    bot.add_listener(sent_message, "on_message")
    try:
        await core.start()  # logs the bot in; the process of shard 0 syncs the commands
    except BaseException:
        run.close()
        await core.stop()
        raise
    task = asyncio.create_task(run)
    try:
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()
            raise TimeoutError(f"the process of shard {shard} was not ready")
        yield process
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)
        await core.stop()


@dataclass
class Server:
    """A server on one shard, its debate, and every interaction sent about it."""

    fake: FakeDiscord
    guild: FakeGuild
    shard: int
    sent: list[SentInteraction] = field(default_factory=list)
    thread: FakeChannel | None = None
    opening: dict[str, Any] = field(default_factory=dict)
    debate_id: int = 0

    @property
    def debates(self) -> FakeChannel:
        return self.fake.channel("debates", guild=self.guild)

    async def slash(self, user: str, channel: FakeChannel, name: str, options: dict | None = None) -> RestCall:
        inter = await self.fake.slash_command(user, channel, name, options or {})
        self.sent.append(inter)
        return await answer_to(self.fake, inter)

    async def click(self, user: str, channel: FakeChannel, message: dict[str, Any], action: str) -> RestCall:
        inter = await self.fake.click_button(user, channel, message["id"], f"debate:{self.debate_id}:{action}")
        self.sent.append(inter)
        return await confirmation(self.fake, inter)

    def tally(self, title: str) -> dict[str, Any]:
        return next(m for m in self.fake.channel_messages(self.thread)
                    if m["embeds"] and m["embeds"][0].get("title", "").startswith(title))

    def results(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.channel_messages(self.thread)
                if m["embeds"] and m["embeds"][0].get("title", "").startswith("Result ·")]


def server_on(shard: int, fake_guilds: list[FakeGuild]) -> FakeGuild:
    guild = default_guild()
    guild.name, guild.id = f"Club {shard}", guild_id_on_shard(shard, COUNT)
    fake_guilds.append(guild)
    return guild


async def moved_on(server: Server) -> None:
    assert "next phase" in text_of(await server.slash("teacher", server.thread, "debate next"))


async def test_two_processes_each_running_half_the_shards_run_one_debate_per_server(tmp_path: Path) -> None:
    guilds: list[FakeGuild] = []
    zero_guild, one_guild = server_on(0, guilds), server_on(1, guilds)
    fake = FakeDiscord(guilds=guilds, shard_count=COUNT)
    for guild in guilds:
        for name in VOTERS[1:]:
            fake.add_member(FakeUser(name), guild)
    servers = [Server(fake, zero_guild, 0), Server(fake, one_guild, 1)]
    assert [shard_of(s.guild.id, COUNT) for s in servers] == [0, 1]
    clock, database = FakeClock(), tmp_path / "shared.db"
    async with (fake, bot_process(fake, database, clock, 0) as zero,
                bot_process(fake, database, clock, 1) as one):
        processes = {0: zero, 1: one}
        assert isinstance(zero.bot, discord.AutoShardedClient) and zero.bot.shard_ids == [0]
        assert one.bot.shard_ids == [1] and one.bot.shard_count == COUNT
        assert [g.id for g in zero.bot.guilds] == [zero_guild.id]  # each sees its shard's server only
        assert [g.id for g in one.bot.guilds] == [one_guild.id]
        assert {c["name"] for c in fake.app_commands()} >= {"debate", "vote", "speak"}
        assert len(fake.calls_to("PUT", "/applications/{app}/commands")) == 1  # synced once, by shard 0

        # --- a moderator in each server starts a debate: numbered in one store ---
        for s in servers:
            start = await s.slash("teacher", s.debates, "debate start", {"motion": "public-ban", "format": "quick"})
            assert "started" in text_of(start), text_of(start)
            [s.thread] = fake.threads(s.guild)
            s.opening = fake.message(s.thread.id)
            s.debate_id = int(custom_ids(s.opening)[0].split(":")[1])
        assert [s.debate_id for s in servers] == [1, 2]

        # --- debaters join with the buttons; the audience votes in the pre-vote ---
        for s in servers:
            for user, side in (("alice", "pro"), ("bob", "con")):
                joined = await s.click(user, s.debates, s.opening, f"join:{side}")
                assert f"as {side.title()}" in text_of(joined)
        for s in servers:
            for user, choice in zip(VOTERS, ("con", "con", "undecided"), strict=True):
                voted = await s.click(user, s.thread, s.tally("Pre-vote"), f"vote:{choice}")
                assert f"Your vote: {choice.title()}" in text_of(voted)

        # --- speeches; an off-turn message is removed once, by the process of its server ---
        strays = []
        for s in servers:
            await moved_on(s)
            spoke = await s.slash("alice", s.thread, "speak", {"text": f"Pro in {s.guild.name}."})
            assert "on the floor" in text_of(spoke)
            mark = fake.mark()
            stray = await fake.send_user_message("carol", s.thread, "me too!")
            await fake.wait_for_call(method="DELETE", path=f"/channels/{s.thread.id}/messages/{stray['id']}",
                                     since=mark)
            strays.append((s, int(stray["id"])))
            status = await s.slash("carol", s.debates, "debate status")  # from the parent channel
            assert status.json["embeds"][0]["title"].startswith(f"Debate #{s.debate_id}")
        for s in servers:
            await moved_on(s)
            assert "on the floor" in text_of(await s.slash("bob", s.thread, "speak", {"text": "Con."}))
            await moved_on(s)

        # --- the post-vote, then the result ---
        for s in servers:
            for user, choice in zip(VOTERS, ("pro", "pro", "con"), strict=True):
                voted = await s.click(user, s.thread, s.tally("Post-vote"), f"vote:{choice}")
                assert f"Your vote: {choice.title()}" in text_of(voted)
        for s in servers:
            mark = fake.mark()
            await s.slash("teacher", s.thread, "debate next")
            await fake.wait_for_call(lambda c: "Result ·" in (c.json or {}).get("embeds", [{}])[0].get("title", ""),
                                     method="POST", path=f"/channels/{s.thread.id}/messages", since=mark)

        # --- each result once, in its own thread, counted from both processes' store ---
        for s in servers:
            [result] = s.results()
            embed = result["embeds"][0]
            assert embed["title"].startswith(f"Result · debate #{s.debate_id}")
            assert "Pro wins" in embed["description"]
            assert fields(result)["Pro"] == "0% → 67% (0 → 2)", fields(result)
        assert sum(len(s.results()) for s in servers) == 2

        # --- every interaction reached only its server's process, and was answered once ---
        for s in servers:
            mine, other = processes[s.shard], processes[1 - s.shard]
            for inter in s.sent:
                assert inter.shards == [s.shard]
                assert inter.id in mine.interactions and inter.id not in other.interactions
                [callback] = fake.calls_to("POST", inter.callback_path)
                assert callback.status in (200, 204)
        for s, stray_id in strays:
            assert stray_id in processes[s.shard].messages
            assert stray_id not in processes[1 - s.shard].messages
            assert len(fake.calls_to("DELETE", f"/channels/{s.thread.id}/messages/{stray_id}")) == 1


async def test_without_shard_settings_one_process_runs_one_connection(tmp_path: Path) -> None:
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        bot = runner.make_bot(core, settings(DISCORD_TOKEN="t"))
        assert isinstance(bot, DebateBot) and not isinstance(bot, discord.AutoShardedClient)
        assert bot.shard_count is None and bot.sync_commands
    finally:
        await core.stop()


async def test_the_shard_settings_make_a_sharded_bot_and_only_shard_0_syncs(tmp_path: Path) -> None:
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        upper = runner.make_bot(core, settings(DISCORD_TOKEN="t", DISCORD_SHARD_COUNT="4", DISCORD_SHARDS="2-3"))
        assert isinstance(upper, ShardedDebateBot)
        assert (upper.shard_ids, upper.shard_count, upper.sync_commands) == ([2, 3], 4, False)
        every = runner.make_bot(core, settings(DISCORD_TOKEN="t", DISCORD_SHARD_COUNT="3"))
        assert (every.shard_ids, every.shard_count, every.sync_commands) == ([0, 1, 2], 3, True)
    finally:
        await core.stop()
