"""Slack for many workspaces: slack-bolt's own OAuth install flow on the bot's own store.

`build_oauth_app` makes the AsyncApp with `AsyncOAuthSettings` (scopes of `manifest.yml`, our
installation and state stores, bolt's `AsyncInstallationStoreAuthorize` with token rotation on
the app's Web API client) and an `AsyncOAuthFlow` whose pages come from the catalogs. Bolt's own
`app_uninstalled` / `tokens_revoked` listeners delete a workspace's installation;
`Workspaces` then marks it away on the core (its timers wait) and drops its tally edits. Its
debates stay in the store; a re-install brings it back.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.home import Home
from bot.adapters.slack.installs import (
    STATE_SECONDS,
    Sealer,
    SlackInstallations,
    SlackStates,
    rotator,
)
from bot.adapters.slack.port import PLATFORM, SlackPort
from bot.core.service import Core

log = logging.getLogger(__name__)
# the bot scopes of manifest.yml (a test holds them equal)
SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "usergroups:read", "files:write",
          "im:write", "app_mentions:read")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
FAILURES = ("access_denied", "invalid_browser", "invalid_state", "missing_code", "invalid_code", "storage_error")
PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}}
a.button{{display:inline-block;padding:.6em 1.2em;background:#4a154b;color:#fff;border-radius:6px;text-decoration:none}}</style>
</head><body><h1>{title}</h1><p>{body}</p>{link}</body></html>
"""


def page_language(request: AsyncBoltRequest) -> str:
    """`ja` when the browser asks for Japanese first, else `en`."""
    wanted = (request.headers.get("accept-language") or [""])[0].strip().lower()
    return "ja" if wanted.startswith("ja") else "en"


def page(lang: str, title: str, body: str, link: tuple[str, str] | None = None) -> str:
    anchor = f'<p><a class="button" href="{html.escape(link[0])}">{html.escape(link[1])}</a></p>' if link else ""
    return PAGE.format(lang=lang, title=html.escape(title), body=html.escape(body).replace("\n", "<br>"), link=anchor)


class InstallFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow with the install, done and failed pages in the visitor's language."""

    def __init__(self, core: Core, *, client: AsyncWebClient, settings: AsyncOAuthSettings) -> None:
        self.core = core
        settings.callback_options = AsyncCallbackOptions(success=self.succeeded, failure=self.failed)
        super().__init__(client=client, logger=log, settings=settings)

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        lang = page_language(request)
        t = self.core.t
        return page(lang, t(lang, "slack.install.title"), t(lang, "slack.install.body"),
                    (url, t(lang, "slack.install.button")))

    async def succeeded(self, args: AsyncSuccessArgs) -> BoltResponse:
        lang = page_language(args.request)
        t = self.core.t
        team = args.installation.team_name or args.installation.team_id or ""
        return BoltResponse(status=200, headers={"Content-Type": "text/html; charset=utf-8"},
                            body=page(lang, t(lang, "slack.install.done_title"), t(lang, "slack.install.done", team=team)))

    async def failed(self, args: AsyncFailureArgs) -> BoltResponse:
        log.warning("a Slack install was refused: %s", args.reason)
        return failure_page(self.core, page_language(args.request), args.reason, args.suggested_status_code)


def failure_page(core: Core, lang: str, reason: str, status: int) -> BoltResponse:
    """The page of an install that did not finish: what happened, and a link to start again."""
    t = core.t
    text = t(lang, f"slack.install.failed.{reason}") if reason in FAILURES else \
        t(lang, "slack.install.failed.unknown", reason=reason[:100])
    body = page(lang, t(lang, "slack.install.failed_title"), text, (INSTALL_PATH, t(lang, "slack.install.again")))
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


class Workspaces:
    """Which Slack workspaces have the app installed, as the store says: the core's `away` and
    the port's tally edits follow every install and uninstall."""

    def __init__(self, core: Core, port: SlackPort, installs: SlackInstallations) -> None:
        self.core = core
        self.port = port
        self.installs = installs

    async def changed(self, team: str, installed: bool) -> None:
        if installed:
            self.core.away.discard((PLATFORM, team))
        else:
            self.core.away.add((PLATFORM, team))
            self.port.forget_workspace(team)
        self.core.wake()

    async def refresh(self) -> None:
        """At start, and on a shared store at every sync: workspaces with open debates or polls and
        no installation (another process saw the uninstall) are away; reinstalled ones are back."""
        installed = set(await self.core.store.installations.workspaces(PLATFORM))
        teams = {d.space.workspace for d in self.core.open_debates(PLATFORM)}
        teams |= {p.channel.workspace for p in self.core.open_polls(PLATFORM)}
        away = {(PLATFORM, team) for team in teams - installed}
        before = {a for a in self.core.away if a[0] == PLATFORM}
        if away == before:
            return
        for _, team in away - before:
            self.port.forget_workspace(team)
            self.installs.forget(team)
        self.core.away.difference_update(before - away)
        self.core.away.update(away)
        self.core.wake()


@dataclass(frozen=True)
class OAuthApp:
    app: AsyncApp
    port: SlackPort
    installs: SlackInstallations
    workspaces: Workspaces


def build_oauth_app(core: Core, *, client_id: str, client_secret: str, signing_secret: str,
                    redirect_uri: str | None, client: AsyncWebClient | None = None,
                    moderators: frozenset[str] = frozenset(), state_seconds: int = STATE_SECONDS) -> OAuthApp:
    """The multi-workspace AsyncApp on `core`'s store; registers the Slack port on the core.

    `client` lends every Web API call its base URL (tests: the fake Slack); it carries no token.
    """
    client = client or AsyncWebClient()
    installs = SlackInstallations(core.store.installations, Sealer(core.secret), core.clock,
                                  rotator=rotator(client_id, client_secret, client))
    settings = AsyncOAuthSettings(
        client_id=client_id, client_secret=client_secret, scopes=list(SCOPES), user_scopes=[],
        redirect_uri=redirect_uri, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        installation_store=installs, state_store=SlackStates(core.store.installations, core.clock, state_seconds),
        state_expiration_seconds=state_seconds, logger=log,
    )
    # bolt's authorize, but rotating tokens through the app's client (its default one is slack.com's)
    settings.authorize = AsyncInstallationStoreAuthorize(
        logger=log, installation_store=installs, client_id=client_id, client_secret=client_secret,
        token_rotation_expiration_minutes=settings.token_rotation_expiration_minutes, client=client)
    not_installed = "\n".join(core.t(lang, "slack.error.not_installed") for lang in ("en", "ja"))
    app = AsyncApp(client=client, signing_secret=signing_secret,
                   oauth_flow=InstallFlow(core, client=client, settings=settings),
                   user_facing_authorize_error_message=not_installed)
    app.enable_token_revocation_listeners()
    port = SlackPort(client, core.clock, edit_log=core.store, tokens=installs, metrics=core.metrics)
    workspaces = Workspaces(core, port, installs)
    installs.changed = workspaces.changed
    bot = SlackBot(core, port, moderators=moderators)
    # which workspaces are installed: read at start, and followed on a shared store
    core.attach(port, start=workspaces.refresh, stop=port.close, moderators=bot.is_moderator,
                sync=workspaces.refresh)
    bot.register(app)
    Home(bot).register(app)
    return OAuthApp(app, port, installs, workspaces)
