"""`python -m bot` with DISCORD_TOKEN: the runner logs in while the core starts, then connects."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import discord
import pytest

from bot.adapters.discord import runner
from bot.adapters.discord.bot import DebateBot
from bot.app import build_core
from bot.settings import Settings, SettingsError
from bot.testing.clock import FakeClock
from bot.testing.discord_fake import FakeDiscord


async def test_prepare_registers_the_port_and_the_runner_serves_commands(tmp_path: Path, monkeypatch) -> None:
    async with FakeDiscord() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", fake.token)
        monkeypatch.setenv("DISCORD_GUILD_ID", str(fake.guild.id))
        settings = Settings(_env_file=None)
        core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
        run = runner.prepare(core, settings, guild_ready_timeout=0.1)
        port = core.ports["discord"]  # registered at once, before anything runs
        bot = port.client
        assert isinstance(bot, DebateBot) and bot.guild_id == fake.guild.id
        await core.start()  # logs the bot in: the core can post from here on
        assert {c["name"] for c in fake.app_commands(fake.guild.id)} >= {"debate", "vote", "poll"}
        task = asyncio.create_task(run)
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 5)
            inter = await fake.slash_command("alice", "debates", "formats")
            answer = await fake.wait_for_call(method="PATCH", path=f"{inter.webhook_path}/messages/@original")
            assert answer.json["embeds"][0]["title"] == "Formats"
        finally:
            await bot.close()
            await asyncio.wait_for(task, 5)
            await core.stop()


@pytest.mark.parametrize("shards", [{}, {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARDS": "1"}])
async def test_a_wrong_token_stops_the_start_with_one_line_naming_it(tmp_path: Path, monkeypatch,
                                                                     shards: dict[str, str]) -> None:
    async with FakeDiscord() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", "not-" + fake.token)
        for name, value in shards.items():
            monkeypatch.setenv(name, value)
        core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
        run = runner.prepare(core, Settings(_env_file=None))
        try:
            with pytest.raises(SettingsError) as refused:
                await core.start()
            assert str(refused.value).startswith("Discord refused DISCORD_TOKEN: copy the token again")
            assert core.ports["discord"].client.is_closed()
        finally:
            run.close()
            await core.stop()


async def test_a_guild_the_bot_is_not_in_names_discord_guild_id(tmp_path: Path, monkeypatch) -> None:
    async with FakeDiscord() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", fake.token)
        monkeypatch.setenv("DISCORD_GUILD_ID", str(fake.snowflake()))  # a server the bot was never invited to
        core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
        run = runner.prepare(core, Settings(_env_file=None), guild_ready_timeout=0.1)
        try:
            with pytest.raises(SettingsError) as refused:
                await core.start()
            line = str(refused.value)
            assert line.startswith(f"DISCORD_GUILD_ID={os.environ['DISCORD_GUILD_ID']}: the bot is not in that server")
            assert "\n" not in line
        finally:
            run.close()
            await core.stop()


async def test_discord_out_of_reach_is_one_line_naming_the_token(tmp_path: Path, monkeypatch) -> None:
    port = closed_port()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    run = runner.prepare(core, Settings(_env_file=None))
    try:
        with pytest.raises(SettingsError) as refused:
            await core.start()
        assert str(refused.value) == (f"DISCORD_TOKEN is set, but Discord cannot be reached at 127.0.0.1:{port}: "
                                      "connection refused (is this computer online? a firewall or proxy in the way?)")
    finally:
        run.close()
        await core.stop()


def closed_port() -> int:
    """A local port nobody listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
