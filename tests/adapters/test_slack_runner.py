"""Starting Slack from the settings: HTTP mode needs the signing secret, Socket Mode does not."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.__main__ import main
from bot.adapters.slack import runner
from bot.adapters.slack.app import build_app
from bot.adapters.slack.errors import SlackSettingsError
from bot.adapters.slack.port import SlackPort
from bot.app import build_core
from bot.core.debates.model import Actor
from bot.settings import Settings
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import SIGNING_SECRET, FakeSlackApi, SlackDriver, make_client
from tests.adapters.test_slack_env import add_people


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.fixture
async def core(tmp_path):
    core = await build_core(tmp_path / "t.db", {}, clock=FakeClock())
    yield core
    await core.stop()


async def test_http_mode_without_a_signing_secret_refuses_to_start(core):
    with pytest.raises(SlackSettingsError, match="SLACK_SIGNING_SECRET") as refused:
        runner.prepare(core, settings(SLACK_BOT_TOKEN="xoxb-test"))
    assert "\n" not in str(refused.value) and str(refused.value).startswith("debate-bot cannot start:")
    assert "slack" not in core.ports


async def test_http_mode_registers_the_port_and_returns_the_server(core):
    serve = runner.prepare(core, settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s3cret",
                                          SLACK_MODERATORS="U7, T2:U8"))
    try:
        assert isinstance(core.ports["slack"], SlackPort) and core.ports["slack"].client.token == "xoxb-test"
        assert await core.is_moderator(Actor("slack", "T1", "U7", "listed"))  # no lookup needed
        assert await core.is_moderator(Actor("slack", "T2", "U8", "listed here"))
        assert serve.cr_code.co_name == "serve_http"
        assert serve.cr_frame.f_locals["host"] == "127.0.0.1" and serve.cr_frame.f_locals["port"] == 3000
    finally:
        serve.close()


async def test_socket_mode_needs_no_signing_secret(core):
    run = runner.prepare(core, settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test"))
    try:
        assert run.cr_code.co_name == "run_socket_mode"
        assert "slack" in core.ports
    finally:
        run.close()


def test_python_m_bot_prints_the_refusal_without_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("BOT_DATABASE", str(tmp_path / "bot.db"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("debate-bot cannot start: HTTP mode needs SLACK_SIGNING_SECRET")
    assert "Traceback" not in err


async def test_the_http_server_answers_signed_requests_on_the_host_it_was_given(tmp_path):
    clock = FakeClock()
    async with FakeSlackApi(team_id="T1", now=lambda: clock.now().timestamp()) as fake:
        add_people(fake)
        core = await build_core(tmp_path / "t.db", {}, clock=clock)
        client = make_client(fake)
        port = SlackPort(client, clock)
        core.ports["slack"] = port
        app = build_app(core, port, client=client, signing_secret=SIGNING_SECRET)
        await core.start()
        ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(runner.serve_http(app, "127.0.0.1", 0, ready.set_result))
        try:
            url = await asyncio.wait_for(ready, 5)
            assert url.startswith("http://127.0.0.1:") and url.endswith("/slack/events")
            driver = SlackDriver(url, SIGNING_SECRET, fake=fake)
            assert (await driver.slash_command("/help", "", user_id="U8", bad_signature=True)).status == 401
            r = await driver.slash_command("/help", "", user_id="U8")
            assert r.status == 200
            reply = await fake.wait_for("chat.postEphemeral")
            assert reply.matches(channel="C1", user="U8") and "/debate" in reply.args["text"]
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
            await port.close()
            await core.stop()


def test_the_manifest_declares_every_command_scope_and_event_the_app_uses():
    from pathlib import Path

    from bot.adapters.slack.app import SLASH_COMMANDS

    text = (Path(__file__).resolve().parents[2] / "manifest.yml").read_text(encoding="utf-8")
    commands = re.findall(r"^\s+- command: /(\S+)", text, re.MULTILINE)
    assert sorted(commands) == sorted(SLASH_COMMANDS)
    scopes = set(re.findall(r"^\s+- ([a-z_.:]+)\s+#", text, re.MULTILINE))
    assert {"commands", "chat:write", "users:read", "files:write", "app_mentions:read"} <= scopes
    assert re.search(r"^\s+- app_mention$", text, re.MULTILINE)
    assert re.search(r"interactivity:\n\s+is_enabled: true", text)
    assert re.search(r"^\s+socket_mode_enabled: true$", text, re.MULTILINE)
