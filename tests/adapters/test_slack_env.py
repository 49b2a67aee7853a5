"""Shared set-up for the Slack adapter tests (no tests here): the real AsyncApp over a mock Web API.

The core runs on a `FakeClock`; the mock Slack API stamps its calls with the same clock and
enforces Slack's rate limits (one `chat.update` per message per 3 s, 50 a minute), so a test
can assert that the adapter never got a 429.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.slack.app import build_app
from bot.adapters.slack.port import SlackPort
from bot.app import build_core
from bot.core.kernel.cards import Reply
from bot.core.kernel.request import Request
from bot.core.service import Core
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import (
    SIGNING_SECRET,
    ApiCall,
    FakeSlackApi,
    SlackDriver,
    make_client,
    serve_app,
)

TEAM = "T1"
CHANNEL = "C1"


@dataclass
class HandleSpy:
    """Wraps `Core.handle` to see each request the adapter made and what it answered."""

    core: Core
    handled: list[tuple[Request, list[Reply]]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self) -> None:
        original = self.core.handle

        async def handle(request: Request) -> list[Reply]:
            replies = await original(request)
            self.handled.append((request, replies))
            self._changed.set()
            return replies

        self.core.handle = handle  # type: ignore[method-assign]

    async def wait(self, predicate: Callable[[Request, list[Reply]], bool], count: int = 1,
                   timeout: float = 3.0) -> list[tuple[Request, list[Reply]]]:
        async with asyncio.timeout(timeout):
            while True:
                found = [(q, r) for q, r in self.handled if predicate(q, r)]
                if len(found) >= count:
                    return found
                self._changed.clear()
                await self._changed.wait()


@dataclass
class SlackEnv:
    fake: FakeSlackApi
    core: Core
    port: SlackPort
    clock: FakeClock
    driver: SlackDriver
    spy: HandleSpy

    def thread_posts(self, thread_ts: str) -> list[ApiCall]:
        return [c for c in self.fake.calls("chat.postMessage") if c.args.get("thread_ts") == thread_ts]

    async def ephemeral(self, user: str, contains: str, count: int = 1) -> ApiCall:
        """The `count`-th private message to `user` containing `contains` (a generous guard on a busy CI)."""
        return await self.fake.wait_for(
            "chat.postEphemeral", lambda c: c.args.get("user") == user and contains in dump(c.args), count=count,
            timeout=10)

    async def advance(self, seconds: float) -> None:
        """Move the clock once no edit is on its way (as if Slack answered at once): every tally
        worker and edit sender has finished or sleeps, so each wait counts from its last edit."""
        settled: set[asyncio.Task] = set()
        while True:  # a tally worker that finishes may hand its edit to a sender made just then
            tasks = {*self.core.debates.tallies.workers(), *self.core.polls.tallies.workers(), *self.port.senders()}
            if tasks <= settled:
                break
            await self.clock.settle(*tasks)
            settled |= tasks
        self.clock.advance(seconds)


def dump(args: dict[str, Any]) -> str:
    return json.dumps(args, ensure_ascii=False)


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text of a Block Kit message, one per line."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for f in block.get("fields", []):
            out.append(f["text"])
        for e in block.get("elements", []):
            if "text" in e:
                out.append(e["text"] if isinstance(e["text"], str) else e["text"]["text"])
    return "\n".join(out)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def add_people(fake: FakeSlackApi) -> None:
    fake.add_user("U1", "teacher", real_name="Ms Sato", is_admin=True)
    fake.add_user("U2", "aiko")
    fake.add_user("U3", "ben")
    fake.add_user("U4", "chika")
    fake.add_user("U5", "dan")
    fake.add_user("U6", "emi")
    fake.add_user("U7", "listed")
    fake.add_user("U8", "student")
    fake.add_user("U9", "owner", is_owner=True)
    fake.add_channel(CHANNEL, "debate")


@asynccontextmanager
async def slack_env(tmp_path: Path, moderators: frozenset[str] = frozenset({"U7"})) -> AsyncIterator[SlackEnv]:
    clock = FakeClock()
    async with FakeSlackApi(team_id=TEAM, now=lambda: clock.now().timestamp(), rate_limits=True) as fake:
        add_people(fake)
        core = await build_core(tmp_path / "t.db", {}, clock=clock)
        client = make_client(fake)
        port = SlackPort(client, clock)
        core.ports["slack"] = port
        app = build_app(core, port, client=client, signing_secret=SIGNING_SECRET, moderators=moderators)
        spy = HandleSpy(core)
        spy.install()
        await core.start()
        try:
            async with serve_app(app) as url:
                yield SlackEnv(fake, core, port, clock, SlackDriver(url, SIGNING_SECRET, fake=fake), spy)
        finally:
            await port.close()
            await core.stop()
