"""Slack installations in the bot's own store, for many workspaces at once.

slack-sdk's async `AsyncInstallationStore` and `AsyncOAuthStateStore` interfaces, implemented on
the core's `Store` (SQLite or PostgreSQL, so several HTTP workers share them). An installation is
kept whole but sealed: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from BOT_SECRET, so
a copy of the database alone hands out no token. One installation per workspace, the latest.

`token(team)` gives the bot token a Web API call in that workspace must carry, also when no
request is running (a timer, a tally edit): read from the store, rotated first when Slack's token
rotation is on and it expires soon, and kept for TOKEN_TTL seconds in this process.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import Clock, InstallationStorage

log = logging.getLogger(__name__)
PLATFORM = "slack"
KEY_LABEL = b"debate-bot: Slack installations, v1"
# seconds a token read from the store is used before it is read again: a hit costs ~1 µs a call,
# a read and decrypt ~0.3 ms on SQLite (measured), so a vote storm's replies read it twice a minute
TOKEN_TTL = 30.0
ROTATION_MINUTES = 120  # rotate a token this long before it expires (bolt's default)
STATE_SECONDS = 600  # an install's `state` is good for ten minutes, once
BOT_FIELDS = ("bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at")
Changed = Callable[[str, bool], Awaitable[None]]  # (team id, installed now)


def fernet_key(secret: bytes) -> bytes:
    """The Fernet key of the installations: HMAC-SHA256 of a fixed label under BOT_SECRET."""
    return base64.urlsafe_b64encode(hmac.new(secret, KEY_LABEL, hashlib.sha256).digest())


class Sealer:
    """Installations to sealed bytes and back."""

    def __init__(self, secret: bytes) -> None:
        self._fernet = Fernet(fernet_key(secret))

    def seal(self, installation: Installation) -> bytes:
        return self._fernet.encrypt(json.dumps(vars(installation)).encode())

    def open(self, sealed: bytes) -> Installation | None:
        """The installation, or None when it was sealed under another BOT_SECRET."""
        try:
            values: dict[str, Any] = json.loads(self._fernet.decrypt(sealed))
        except InvalidToken:
            return None
        return Installation(**values)


def _where(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    return enterprise_id or "", team_id or ""


class SlackInstallations(AsyncInstallationStore):
    """slack-sdk's installation store on the core's store; tells `changed` of every install and
    uninstall made through it."""

    def __init__(self, storage: InstallationStorage, sealer: Sealer, clock: Clock, *,
                 rotator: AsyncTokenRotator | None = None, rotation_minutes: int = ROTATION_MINUTES,
                 changed: Changed | None = None) -> None:
        self.storage = storage
        self.sealer = sealer
        self.clock = clock
        self.rotator = rotator
        self.rotation_minutes = rotation_minutes
        self.changed = changed
        self._tokens: dict[str, tuple[datetime, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _tell(self, team: str, installed: bool) -> None:
        self._tokens.pop(team, None)
        if self.changed is not None:
            await self.changed(team, installed)

    # --- slack-sdk's interface ---

    async def async_save(self, installation: Installation) -> None:
        enterprise, team = _where(installation.enterprise_id, installation.team_id)
        await self.storage.save(PLATFORM, enterprise, team, installation.user_id or "",
                                self.sealer.seal(installation), self.clock.now())
        log.info("Slack workspace %s installed (or its token rotated)", team)
        await self._tell(team, True)

    async def async_save_bot(self, bot: Bot) -> None:
        """A rotated bot token: kept in the workspace's installation."""
        installation = await self.async_find_installation(enterprise_id=bot.enterprise_id, team_id=bot.team_id)
        if installation is None:
            installation = Installation(user_id="", app_id=bot.app_id, enterprise_id=bot.enterprise_id,
                                        team_id=bot.team_id, team_name=bot.team_name)
        for name in BOT_FIELDS:
            setattr(installation, name, getattr(bot, name))
        await self.async_save(installation)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        """The workspace's installation; with `user_id`, only if that user installed it."""
        found = await self.storage.find(PLATFORM, *_where(enterprise_id, team_id))
        if found is None:
            return None
        installer, sealed = found
        if user_id is not None and user_id != installer:
            return None
        installation = self.sealer.open(sealed)
        if installation is None:
            log.error("the Slack installation of %s cannot be opened: BOT_SECRET is not the one it was "
                      "sealed with (set it back, or install the app in that workspace again)", team_id)
        return installation

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        installation = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        return installation.to_bot() if installation is not None and installation.bot_token else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The bot token was revoked or the app uninstalled: the workspace's installation goes."""
        enterprise, team = _where(enterprise_id, team_id)
        if await self.storage.delete(PLATFORM, enterprise, team):
            log.info("Slack workspace %s uninstalled: its tokens are deleted, its debates kept", team)
        await self._tell(team, False)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        """Without `user_id`: as `async_delete_bot`. A user's own token is never asked for (the app
        has no user scopes), so a revoked user token leaves the bot installed."""
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    # --- the token of a workspace, for every Web API call in it ---

    async def token(self, team: str) -> str | None:
        """The workspace's bot token, rotated first if it expires within `rotation_minutes`;
        None when the workspace has no installation (or it cannot be opened or rotated)."""
        hit = self._tokens.get(team)
        if hit is not None and hit[0] > self.clock.now():
            return hit[1]
        async with self._locks.setdefault(team, asyncio.Lock()):  # one rotation at a time per workspace
            hit = self._tokens.get(team)
            if hit is not None and hit[0] > self.clock.now():
                return hit[1]
            installation = await self.async_find_installation(enterprise_id=None, team_id=team)
            if installation is None or not installation.bot_token:
                return None
            if installation.bot_refresh_token and self.rotator is not None:
                installation = await self._rotated(team, installation)
                if installation is None:
                    return None
            token = str(installation.bot_token)
            self._tokens[team] = (self.clock.now() + timedelta(seconds=TOKEN_TTL), token)
            return token

    async def _rotated(self, team: str, installation: Installation) -> Installation | None:
        """The installation with a token good for `rotation_minutes` more (rotated and saved if it
        was not); None when Slack refuses and no other process rotated it meanwhile."""
        assert self.rotator is not None
        try:
            refreshed = await self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=self.rotation_minutes)
        except SlackTokenRotationError as exc:
            again = await self.async_find_installation(enterprise_id=None, team_id=team)
            if again is not None and again.bot_token != installation.bot_token:
                return again  # another process (or bolt, for a request) rotated it first
            log.error("Slack refused to rotate the token of %s: %s", team, exc)
            return None
        if refreshed is None:
            return installation
        await self.async_save(refreshed)
        return refreshed

    def forget(self, team: str) -> None:
        """Read the workspace's token from the store again when next asked."""
        self._tokens.pop(team, None)


class SlackStates(AsyncOAuthStateStore):
    """slack-sdk's OAuth state store on the core's store: a state is good once, for `seconds`."""

    def __init__(self, storage: InstallationStorage, clock: Clock, seconds: int = STATE_SECONDS) -> None:
        self.storage = storage
        self.clock = clock
        self.seconds = seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.storage.issue_state(state, now + timedelta(seconds=self.seconds), now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        fresh = await self.storage.consume_state(state, self.clock.now())
        if not fresh:
            log.warning("an OAuth redirect brought a state that is unknown, used or expired: refused")
        return fresh


def rotator(client_id: str, client_secret: str, client: AsyncWebClient) -> AsyncTokenRotator:
    """slack-sdk's token rotator on the app's Web API client (its base URL, its proxy)."""
    return AsyncTokenRotator(client_id=client_id, client_secret=client_secret,
                             client=AsyncWebClient(base_url=client.base_url, timeout=client.timeout))
