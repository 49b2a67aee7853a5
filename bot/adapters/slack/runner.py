"""Start Slack from the settings: Socket Mode with SLACK_APP_TOKEN, else HTTP at /slack/events.

`prepare(core, settings)` registers the SlackPort on `core.ports["slack"]` at once and returns
the coroutine that runs Slack; `python -m bot` gathers it with the other platforms' runners.
A listener that cannot open (SLACK_HOST/SLACK_PORT) or a Socket Mode connection that fails at
start is a `SettingsError`, the one line `python -m bot` prints.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.errors import SlackSettingsError
from bot.adapters.slack.port import SlackPort
from bot.core.service import Core
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
OPERATOR_LANGUAGE = "en"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):  # Slack answered: the token is refused (invalid_auth, not_allowed_token_type)
        return f"Slack says {exc.response.get('error', 'error')} (copy the app-level token, xapp-…, again)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{exc.host}:{exc.port} cannot be reached: {exc.os_error.strerror or exc.os_error} (is this computer online?)"
    return " ".join((str(exc) or type(exc).__name__).split())


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def prepare(core: Core, settings: Settings) -> Coroutine[Any, Any, None]:
    """Register the Slack port on the core and return the coroutine that serves Slack.

    Raises:
        SlackSettingsError: HTTP mode (no SLACK_APP_TOKEN) without SLACK_SIGNING_SECRET.
    """
    token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret)
    if not app_token and not signing_secret:
        raise SlackSettingsError(core.t(OPERATOR_LANGUAGE, "slack.error.no_signing_secret"))
    app = AsyncApp(token=token, signing_secret=signing_secret)  # bolt makes the Web API client
    port = SlackPort(app.client, core.clock, edit_log=core.store)
    slack = SlackBot(core, port, moderators=settings.slack_moderator_ids)
    core.attach(port, stop=port.close, moderators=slack.is_moderator)
    slack.register(app)

    def announce(key: str, **params: object) -> None:
        port.connection_problem = None
        print(core.t(OPERATOR_LANGUAGE, key, **params), file=sys.stderr, flush=True)

    if app_token:
        return run_socket_mode(app, app_token, lambda: announce("slack.socket_mode"))
    return serve_http(app, settings.slack_host, settings.slack_port,
                      lambda url: announce("slack.listening", url=url))


async def serve_http(app: AsyncApp, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the app's events URL on `host:port` (port 0: any free port) until cancelled."""
    server = AsyncSlackAppServer(port=port, path=EVENTS_PATH, app=app, host=host)
    runner = web.AppRunner(server.web_app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            reason = os.strerror(exc.errno).lower() if exc.errno else " ".join(str(exc).split())
            raise SettingsError(f"SLACK_HOST={host} SLACK_PORT={port}: cannot listen there: {reason} "
                                "(another program on that port? choose another SLACK_PORT)") from None
        bound_host, bound_port = runner.addresses[0][:2]
        if on_ready is not None:
            on_ready(f"http://{bound_host}:{bound_port}{EVENTS_PATH}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def run_socket_mode(app: AsyncApp, app_token: str, on_ready: Callable[[], None] | None = None) -> None:
    """Keep a Socket Mode connection to Slack (no public URL) until cancelled."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    try:
        try:
            await handler.connect_async()
        except (TimeoutError, OSError, aiohttp.ClientError, SlackApiError) as exc:
            raise SettingsError(f"SLACK_APP_TOKEN is set, but Socket Mode cannot connect to Slack: {_reason(exc)}") from None
        if on_ready is not None:
            on_ready()
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
