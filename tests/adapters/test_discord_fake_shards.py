"""The fake Discord with several guilds and shards, driven by plain discord.py clients.

Each guild's events go to the connection whose shard holds it, `(guild_id >> 22) % count`, as
Discord routes them; a connection without a shard still gets everything.
"""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.testing.discord_fake import (
    FakeDiscord,
    FakeGuild,
    default_guild,
    guild_id_on_shard,
    shard_of,
)


class Listener(discord.AutoShardedClient):
    """A client that keeps the text of the messages it is sent."""

    def __init__(self, **options: object) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.1, **options)
        self.messages: asyncio.Queue[str] = asyncio.Queue()

    async def on_message(self, message: discord.Message) -> None:
        await self.messages.put(message.content)


async def received(client: Listener) -> list[str]:
    """What `client` was sent before the message "end" (frames arrive in order)."""
    seen = []
    while (text := await asyncio.wait_for(client.messages.get(), 5)) != "end":
        seen.append(text)
    return seen


def club(name: str, shard: int, count: int) -> FakeGuild:
    guild = default_guild()
    guild.name, guild.id = name, guild_id_on_shard(shard, count)
    return guild


def test_guild_ids_land_on_the_shard_asked_for() -> None:
    for count in (1, 2, 3, 16):
        for shard in range(count):
            assert shard_of(guild_id_on_shard(shard, count), count) == shard
    assert guild_id_on_shard(1, 2) != guild_id_on_shard(1, 2)


async def test_each_shard_gets_its_guilds_and_their_events_only() -> None:
    a, b, c = club("A", 0, 2), club("B", 1, 2), club("C", 0, 2)
    async with FakeDiscord(guilds=[a, b, c], shard_count=2) as fake:
        zero, one = Listener(shard_ids=[0], shard_count=2), Listener(shard_ids=[1], shard_count=2)
        async with fake.running(zero), fake.running(one):
            assert {g.id for g in zero.guilds} == {a.id, c.id}
            assert {g.id for g in one.guilds} == {b.id}
            assert (await zero.http.get_bot_gateway())[0] == 2

            for guild in (b, a, c):
                await fake.send_user_message("alice", fake.channel("debates", guild=guild), guild.name)
            alice = fake.user("alice", guild=b)
            dm = await one.create_dm(discord.Object(alice.id))  # REST: any shard may open it
            await fake.send_user_message(alice, dm.id, "psst")
            for guild in (a, b):
                await fake.send_user_message("bob", fake.channel("general", guild=guild), "end")
            assert await received(zero) == ["A", "C", "psst"]  # DMs go to shard 0
            assert await received(one) == ["B"]

            inter = await fake.slash_command("teacher", fake.channel("general", guild=b), "anything")
            assert inter.shards == [1]
            assert inter.payload["guild_id"] == str(b.id)
            assert inter.payload["member"]["user"]["id"] == str(fake.user("teacher", guild=b).id)
    assert fake.user("teacher", guild=a) is not fake.user("teacher", guild=b)
    with pytest.raises(KeyError, match="several guilds"):
        fake.user("teacher")


async def test_an_unsharded_connection_still_gets_every_guild() -> None:
    a, b = club("A", 0, 2), club("B", 1, 2)
    async with FakeDiscord(guilds=[a, b]) as fake:
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        async with fake.running(client):
            assert {g.id for g in client.guilds} == {a.id, b.id}
            inter = await fake.slash_command("alice", fake.channel("debates", guild=b), "anything")
            assert inter.shards == [None]
            assert (await client.http.get_bot_gateway())[0] == 1


async def test_a_shard_id_outside_the_count_is_refused_with_4010() -> None:
    async with FakeDiscord() as fake:
        client = Listener(shard_ids=[2], shard_count=2)
        await client.login(fake.token)
        try:
            with pytest.raises(discord.ConnectionClosed) as closed:
                await asyncio.wait_for(client.connect(reconnect=False), 5)
            assert closed.value.code == 4010
        finally:
            await client.close()
