"""The multi-workspace bot as `python -m bot` runs it with SLACK_CLIENT_ID: the real AsyncApp and
its OAuth flow on the bot's shared web listener (127.0.0.1, any free port), every Web API call to
the fake Slack, the core on a fake clock and a real store (SQLite file or PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.oauth import OAuthApp, build_oauth_app
from bot.adapters.slack.runner import EVENTS_PATH, mount
from bot.app import build_core
from bot.core.service import Core
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import SIGNING_SECRET, FakeSlackApi, SlackDriver
from bot.web.listener import WebListener

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "the-client-secret"
SECRET = b"k" * 32
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class OAuthEnv:
    fake: FakeSlackApi
    core: Core
    oauth: OAuthApp
    clock: FakeClock
    base: str  # http://127.0.0.1:<port>
    changes: asyncio.Queue[tuple[str, bool]]  # (team, installed) of every install and uninstall

    async def changed(self, team: str, installed: bool) -> None:
        """Wait for the next install (True) or uninstall (False) of `team` (bolt runs the
        uninstall listener after it answered Slack)."""
        async with asyncio.timeout(10):  # a guard against a hang, not a wait for time
            while await self.changes.get() != (team, installed):
                pass

    def driver(self, team: str) -> SlackDriver:
        return SlackDriver(self.base + EVENTS_PATH, SIGNING_SECRET, fake=self.fake, team_id=team)

    async def install_page(self) -> tuple[str, str]:
        """GET /slack/install: (state in the Add to Slack link, the state cookie's value)."""
        async with aiohttp.ClientSession() as session, session.get(self.base + "/slack/install") as r:
            assert r.status == 200, await r.text()
            page = await r.text()
            cookie = r.cookies[STATE_COOKIE].value
        link = re.search(r'href="([^"]+)"', page)
        assert link is not None, page
        query = urllib.parse.parse_qs(urllib.parse.urlparse(link.group(1).replace("&amp;", "&")).query)
        return query["state"][0], cookie

    async def redirect(self, params: dict[str, str], cookie: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie else {}
        async with aiohttp.ClientSession() as session, \
                session.get(self.base + "/slack/oauth_redirect", params=params, headers=headers) as r:
            return r.status, await r.text()

    async def install(self, team: str, name: str, user: str = "U1", rotation: bool = False) -> str:
        """A whole install: the install page, Slack's consent (a code), the redirect; the page."""
        state, cookie = await self.install_page()
        code = self.fake.new_install_code(team, name, user_id=user, rotation=rotation)
        status, page = await self.redirect({"code": code, "state": state}, cookie)
        assert status == 200, page
        return page

    def calls_in(self, team: str, method: str | None = None):
        return [c for c in self.fake.calls(method) if self.fake.workspace_of(c.token) == team]

    async def settle(self) -> None:
        """Let the edit senders and tally workers finish what they can without the clock moving."""
        tasks = {*self.core.debates.tallies.workers(), *self.oauth.port.senders()}
        if tasks:
            await self.clock.settle(*tasks)
        await asyncio.sleep(0)


@asynccontextmanager
async def oauth_env(database: str, *, state_seconds: int = 600, client_secret: str = CLIENT_SECRET
                    ) -> AsyncIterator[OAuthEnv]:
    clock = FakeClock()
    async with FakeSlackApi(team_id="T0", now=lambda: clock.now().timestamp()) as fake:
        fake.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
        fake.add_user("U1", "teacher", real_name="Ms Sato", is_admin=True)
        fake.add_user("U2", "aiko")
        fake.add_user("U9", "sensei", is_admin=True).locale = "ja-JP"
        fake.add_channel("C1", "debate-club")
        fake.add_channel("C2", "kyoushitsu")
        core = await build_core(database, {}, clock=clock, secret=SECRET)
        oauth = build_oauth_app(core, client_id=CLIENT_ID, client_secret=client_secret,
                                signing_secret=SIGNING_SECRET, redirect_uri=None,
                                client=AsyncWebClient(base_url=fake.url), state_seconds=state_seconds)
        changes: asyncio.Queue[tuple[str, bool]] = asyncio.Queue()
        tell = oauth.installs.changed
        assert tell is not None

        async def spy(team: str, installed: bool) -> None:
            await tell(team, installed)
            changes.put_nowait((team, installed))

        oauth.installs.changed = spy
        listener = WebListener("127.0.0.1", 0)
        mount(oauth.app, listener.app, core)
        await core.start()
        try:
            base = await listener.start()
            yield OAuthEnv(fake, core, oauth, clock, base, changes)
        finally:
            await listener.stop()
            await core.stop()
