"""Starting Slack for many workspaces from the settings: which settings go together, the port on
per-workspace tokens, and Slack's routes on the bot's shared listener when BOT_WEB_PORT is set."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack import runner
from bot.adapters.slack.oauth import SCOPES
from bot.adapters.slack.port import SlackPort
from bot.app import build_core
from bot.settings import Settings, SettingsError, load_settings
from bot.testing.clock import FakeClock
from bot.web.listener import WebListener

MANY = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh-client-secret", "SLACK_SIGNING_SECRET": "s3cret"}


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


def refusal(**values: str) -> str:
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, **values)
    return str(refused.value)


@pytest.fixture
async def core(tmp_path):
    core = await build_core(tmp_path / "t.db", {}, clock=FakeClock())
    yield core
    await core.stop()


def test_client_id_and_secret_turn_slack_on_for_many_workspaces() -> None:
    s = settings(**MANY)
    assert s.slack_oauth and s.platforms == ["slack"] and s.slack_redirect_uri is None
    assert "shh-client-secret" not in repr(s)
    assert settings(**MANY, BOT_PUBLIC_URL="https://bot.example.org/").slack_redirect_uri == \
        "https://bot.example.org/slack/oauth_redirect"
    assert settings(**MANY, BOT_PUBLIC_URL="https://a.example", SLACK_INSTALL_URL_BASE="https://b.example"
                    ).slack_redirect_uri == "https://b.example/slack/oauth_redirect"


@pytest.mark.parametrize(("values", "line"), [
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET is not set: installing in many"),
    ({"SLACK_CLIENT_SECRET": "x", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_ID is not set"),
    ({**MANY, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set"),
    ({**MANY, "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID"),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x"}, "SLACK_CLIENT_ID is set but SLACK_SIGNING_SECRET is not"),
    ({**MANY, "SLACK_INSTALL_URL_BASE": "bot.example.org"}, "SLACK_INSTALL_URL_BASE=bot.example.org is not a web"),
])
def test_settings_that_do_not_go_together_are_one_line(values: dict[str, str], line: str) -> None:
    text = refusal(**values)
    assert text.startswith(line) and "\n" not in text and "shh-client-secret" not in text


def test_the_install_asks_for_the_scopes_of_the_manifest() -> None:
    manifest = (Path(__file__).parents[2] / "manifest.yml").read_text(encoding="utf-8")
    bot = manifest.split("    bot:\n", 1)[1].split("  user:", 1)[0].split("settings:", 1)[0]
    assert tuple(re.findall(r"^      - ([a-z:._]+)", bot, re.M)) == SCOPES
    assert "/slack/oauth_redirect" in manifest and "app_home_opened" in manifest
    assert "app_uninstalled" in manifest and "tokens_revoked" in manifest and "token_rotation_enabled" in manifest


async def test_without_bot_web_port_many_workspaces_listen_on_slack_port(core) -> None:
    serve = runner.prepare(core, settings(**MANY))
    try:
        port = core.ports["slack"]
        assert isinstance(port, SlackPort) and port.tokens is not None and port.client.token is None
        assert serve.cr_code.co_name == "serve_http" and serve.cr_frame.f_locals["port"] == 3000
    finally:
        serve.close()


async def test_with_bot_web_port_slacks_routes_are_on_the_shared_listener(core) -> None:
    listener = WebListener("127.0.0.1", 0)
    serve = runner.prepare(core, settings(**MANY, SLACK_PORT="1"), web=listener)
    assert serve.cr_code.co_name == "serve_on"
    base = await listener.start()
    task = asyncio.create_task(serve)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/slack/install", headers={"Accept-Language": "ja,en;q=0.5"}) as r:
                page = await r.text()
                assert r.status == 200 and "Slack に追加" in page and "client_id=1111.2222" in page
                assert "shh-client-secret" not in page
            async with session.post(base + "/slack/events", data="{}") as r:
                assert r.status == 401  # unsigned: refused, as on SLACK_PORT
            async with session.get(base + "/slack/oauth_redirect?code=x&state=y") as r:
                assert r.status == 400 and "Traceback" not in await r.text()
        await asyncio.sleep(0)
        assert core.ports["slack"].health() is None  # serve_on said where Slack is served
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await listener.stop()
