"""GET /healthz on the bot's own listener: real HTTP, a real store, real platform clients."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

import aiohttp
import discord
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_core
from bot.settings import SettingsError, load_settings
from bot.testing.clock import FakeClock
from bot.web.health import Health, platform_checks
from bot.web.listener import WebListener, WebListenerError


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def serve(health: Health) -> tuple[WebListener, str]:
    listener = WebListener("127.0.0.1", 0)
    health.mount(listener.app)
    return listener, await listener.start()


async def test_healthz_answers_200_while_the_store_answers(tmp_path):
    core = await build_core(tmp_path / "bot.db", {})
    listener, url = await serve(Health(core.store))
    try:
        assert await get(f"{url}/healthz") == (200, "store: ok\n")
        await core.store.close()  # the database is gone: the check says so, it does not crash
        status, body = await get(f"{url}/healthz")
        assert status == 503
        assert body.startswith("store: ")
    finally:
        await listener.stop()


async def test_healthz_names_the_platform_that_is_not_connected(tmp_path):
    core = await build_core(tmp_path / "bot.db", {})
    connected: dict[str, str | None] = {"discord": "not connected to Discord", "slack": None}
    checks = {"discord": lambda: connected["discord"], "slack": lambda: connected["slack"]}
    listener, url = await serve(Health(core.store, checks))
    try:
        assert await get(f"{url}/healthz") == (503, "discord: not connected to Discord\n")
        connected["discord"] = None
        assert await get(f"{url}/healthz") == (200, "store: ok\ndiscord: ok\nslack: ok\n")
        connected["slack"] = "not connected to Slack yet"
        assert await get(f"{url}/healthz") == (503, "slack: not connected to Slack yet\n")
    finally:
        await listener.stop()
        await core.stop()


async def test_a_discord_client_that_has_not_logged_in_is_not_healthy():
    from bot.adapters.discord.port import DiscordPort

    client = discord.Client(intents=discord.Intents.none())
    port = DiscordPort(client)
    checks = platform_checks({"discord": port, "console": object()})
    assert list(checks) == ["discord"]  # the console has no connection to lose
    assert checks["discord"]() == "not connected to Discord"
    await client.close()
    assert checks["discord"]() == "closed"


async def test_a_port_in_use_is_one_line_that_names_the_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(WebListenerError) as refused:
            await WebListener("127.0.0.1", port).start()
    assert str(refused.value) == (f"BOT_WEB_PORT={port} on BOT_WEB_HOST=127.0.0.1 is in use: "
                                  "choose another port, or 0 for any free one")


def test_bot_web_port_must_be_a_port_number(monkeypatch):
    monkeypatch.setenv("BOT_WEB_PORT", "web")
    with pytest.raises(SettingsError, match="BOT_WEB_PORT=web is not a port number"):
        load_settings()


def test_the_console_serves_healthz_when_bot_web_port_is_set(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path,
                            env=base | {"BOT_DATABASE": "bot.db", "BOT_WEB_PORT": "0"},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.startswith("Web: the bot's own listener answers at http://127.0.0.1:"), line
        base_url = line.split("answers at ")[1].split(" ")[0]
        assert asyncio.run(get(f"{base_url}/healthz")) == (200, "store: ok\n")
        status, metrics = asyncio.run(get(f"{base_url}/metrics"))
        assert status == 200 and "debate_bot_open_debates 0.0" in metrics
        _, err = proc.communicate("teacher: /help\n", timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0
    assert "Traceback" not in err


async def test_a_socket_mode_connection_that_dropped_after_the_start_is_reported():
    from types import SimpleNamespace

    from slack_sdk.socket_mode.aiohttp import SocketModeClient

    from bot.adapters.slack.port import SlackPort

    port = SlackPort(AsyncWebClient(token="xoxb-test"), FakeClock())
    port.connection_problem = None  # the runner connected at start
    port.socket = SimpleNamespace(closed=False, stale=False, current_session=SimpleNamespace(closed=False))
    assert port.health() is None
    port.socket.current_session.closed = True  # the WebSocket dropped; slack-sdk reconnects
    assert port.health() == "the Socket Mode connection to Slack is down (slack-sdk is reconnecting)"
    client = SocketModeClient(app_token="xapp-test")  # slack-sdk's own client, never connected
    port.socket = client
    assert port.health() == "the Socket Mode connection to Slack is down (slack-sdk is reconnecting)"
    await client.close()
