"""Start Slack from the settings: Socket Mode with SLACK_APP_TOKEN, else HTTP at /slack/events;
with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, many workspaces (bot.adapters.slack.oauth) and the
install pages /slack/install and /slack/oauth_redirect beside it. Given the bot's shared web
listener (`python -m bot` passes it unless SLACK_PORT is set), these routes are served there;
else on a listener of their own, SLACK_HOST:SLACK_PORT (3000 when unset).

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
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.errors import SlackSettingsError
from bot.adapters.slack.oauth import build_oauth_app, failure_page, page_language
from bot.adapters.slack.port import SlackPort, SocketConnection
from bot.core.service import Core
from bot.settings import Settings, SettingsError
from bot.web.listener import WebListener

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000  # a listener of its own, when `prepare` is given no shared one
OPERATOR_LANGUAGE = "en"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):  # Slack answered: the token is refused (invalid_auth, not_allowed_token_type)
        return f"Slack says {exc.response.get('error', 'error')} (copy the app-level token, xapp-…, again)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{exc.host}:{exc.port} cannot be reached: {exc.os_error.strerror or exc.os_error} (is this computer online?)"
    return " ".join((str(exc) or type(exc).__name__).split())


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def prepare(core: Core, settings: Settings, web: WebListener | None = None) -> Coroutine[Any, Any, None]:
    """Register the Slack port on the core and return the coroutine that serves Slack.

    With `web` (BOT_WEB_PORT is set) Slack's routes go on the bot's shared listener, which
    `python -m bot` starts; else HTTP mode listens on SLACK_HOST:SLACK_PORT as it always did.

    Raises:
        SlackSettingsError: HTTP mode (no SLACK_APP_TOKEN) without SLACK_SIGNING_SECRET.
    """
    token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret)
    if not app_token and not signing_secret:
        raise SlackSettingsError(core.t(OPERATOR_LANGUAGE, "slack.error.no_signing_secret"))
    if settings.slack_oauth:  # many workspaces: each one's token comes from its installation
        assert settings.slack_client_id is not None
        # a client without a token: it lends every call its base URL (SLACK_API_URL)
        lender = AsyncWebClient(base_url=settings.slack_api_url) if settings.slack_api_url else None
        oauth = build_oauth_app(core, client_id=settings.slack_client_id.strip(),
                                client_secret=_secret(settings.slack_client_secret), signing_secret=signing_secret,
                                redirect_uri=settings.slack_redirect_uri, moderators=settings.slack_moderator_ids,
                                client=lender)
        app, port = oauth.app, oauth.port
    else:
        if settings.slack_api_url:  # another Web API address (GovSlack, a proxy, the tests' fake Slack)
            app = AsyncApp(client=AsyncWebClient(token=token, base_url=settings.slack_api_url),
                           signing_secret=signing_secret)
        else:
            app = AsyncApp(token=token, signing_secret=signing_secret)  # bolt makes the Web API client
        port = SlackPort(app.client, core.clock, edit_log=core.store, metrics=core.metrics)
        slack = SlackBot(core, port, moderators=settings.slack_moderator_ids)
        core.attach(port, stop=port.close, moderators=slack.is_moderator)
        slack.register(app)

    def announce(key: str, **params: object) -> None:
        port.connection_problem = None
        print(core.t(OPERATOR_LANGUAGE, key, **params), file=sys.stderr, flush=True)

    if app_token:
        def connected(socket: SocketConnection) -> None:
            port.socket = socket  # GET /healthz follows the connection from now on
            announce("slack.socket_mode")

        return run_socket_mode(app, app_token, connected)
    if web is not None:
        mount(app, web.app, core)
        return serve_on(web, lambda url: announce("slack.listening", url=url))
    port_number = DEFAULT_PORT if settings.slack_port is None else settings.slack_port
    return serve_http(app, settings.slack_host, port_number,
                      lambda url: announce("slack.listening", url=url), core=core)


def mount(app: AsyncApp, web_app: web.Application, core: Core | None = None) -> None:
    """Slack's routes on an aiohttp application: POST /slack/events, and with OAuth the install
    page and the redirect. An error in the install flow is a page saying so, never a traceback."""
    web_app.router.add_post(EVENTS_PATH, _events(app))
    flow = app.oauth_flow
    if flow is not None:
        web_app.router.add_get(flow.install_path, _oauth_page(flow.handle_installation, core))
        web_app.router.add_get(flow.redirect_uri_path, _oauth_page(flow.handle_callback, core))


def _events(app: AsyncApp) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    return events


def _oauth_page(step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]],
                core: Core | None) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        try:
            return await to_aiohttp_response(await step(bolt_request))
        except Exception:
            log.exception("the Slack install flow failed at %s", request.path)
            if core is None:
                return web.Response(status=503, text="The install could not finish; try again in a moment.")
            return await to_aiohttp_response(failure_page(core, page_language(bolt_request), "storage_error", 503))

    return handle


async def serve_on(listener: WebListener, on_ready: Callable[[str], None] | None = None) -> None:
    """Slack on the bot's shared listener (started by `python -m bot`): say where, then wait."""
    if on_ready is not None:
        on_ready(f"{listener.public_url}{EVENTS_PATH}")
    await asyncio.Event().wait()


async def serve_http(app: AsyncApp, host: str, port: int, on_ready: Callable[[str], None] | None = None,
                     core: Core | None = None) -> None:
    """Serve the app's events URL (and install pages) on `host:port` (port 0: any free port) until cancelled."""
    web_app = web.Application()
    mount(app, web_app, core)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
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


async def run_socket_mode(app: AsyncApp, app_token: str,
                          on_ready: Callable[[SocketConnection], None] | None = None) -> None:
    """Keep a Socket Mode connection to Slack (no public URL) until cancelled."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    try:
        try:
            await handler.connect_async()
        except (TimeoutError, OSError, aiohttp.ClientError, SlackApiError) as exc:
            raise SettingsError(f"SLACK_APP_TOKEN is set, but Socket Mode cannot connect to Slack: {_reason(exc)}") from None
        if on_ready is not None:
            on_ready(handler.client)
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
