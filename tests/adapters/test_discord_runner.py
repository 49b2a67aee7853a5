"""`python -m bot` with DISCORD_TOKEN: the runner logs in while the core starts, then connects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.adapters.discord import runner
from bot.adapters.discord.bot import DebateBot
from bot.app import build_core
from bot.core.ports import FakeClock
from bot.settings import Settings
from tests.fakes.discord_fake import FakeDiscord


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
async def test_a_wrong_token_stops_the_start_with_a_clear_log_line(tmp_path: Path, monkeypatch, caplog,
                                                                   shards: dict[str, str]) -> None:
    async with FakeDiscord() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", "not-" + fake.token)
        for name, value in shards.items():
            monkeypatch.setenv(name, value)
        core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
        run = runner.prepare(core, Settings(_env_file=None))
        try:
            with pytest.raises(discord.LoginFailure):
                await core.start()
            assert "Discord refused DISCORD_TOKEN" in caplog.text
            assert core.ports["discord"].client.is_closed()
        finally:
            run.close()
            await core.stop()
