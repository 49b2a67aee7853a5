"""A mock Slack Web API and a signed-request driver for testing a real slack-bolt ``AsyncApp``.

Everything runs over real HTTP on 127.0.0.1 with ephemeral ports; nothing here sleeps.

Mock Web API::

    async with FakeSlackApi(team_id="T1") as fake:      # or: await fake.start() / fake.stop()
        fake.add_user("U1", "alice", is_admin=True, tz="Asia/Tokyo")
        fake.add_channel("C1", "general")
        client = make_client(fake)        # AsyncWebClient(token="xoxb-test", base_url=fake.url)
        app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)   # or make_app(fake)

``fake.url`` is ``http://127.0.0.1:<port>/api/`` (``AsyncWebClient`` joins it with the method
name, so the mock answers ``GET|POST /api/<method>``). Arguments are merged from the query
string, a form body (urlencoded or multipart) and a JSON body; JSON-string values of
``blocks``, ``attachments``, ``view``, ``files`` and ``metadata`` are decoded. A Bearer token
(or a ``token`` argument) equal to ``fake.token`` is required, else ``not_authed`` /
``invalid_auth``.

Answered methods: ``auth.test``, ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``,
``chat.delete``, ``views.open``, ``views.update``, ``users.info``, ``conversations.info``,
``conversations.open``, ``files.getUploadURLExternal`` (+ ``POST /upload/<file_id>``),
``files.completeUploadExternal`` (together: what ``files_upload_v2`` does), ``team.info``, and
for many workspaces ``oauth.v2.access`` and ``views.publish`` (``auth.test`` per token).
Anything else answers ``{"ok": false, "error": "unknown_method"}`` (and is recorded), unless
given a canned answer with ``fake.stub(method, dict_or_callable)``.

State: ``fake.messages[(channel, ts)]`` (dicts shaped like Slack's ``message``), ``fake.views``
(by view id), ``fake.files`` (by file id, with ``content`` bytes), ``fake.users``,
``fake.channels``. ``chat.update``/``chat.delete`` of an unknown message answer
``message_not_found``; ``seed_message`` puts one there. ``chat.postMessage`` to a user id
posts into that user's DM channel, as Slack does.

Recording: every request becomes an ``ApiCall(method, args, at, status, response, http_method,
token)``; ``at`` comes from the injectable ``now`` clock; ``call.ok`` and ``call.matches(**args)``
(a subset check: bolt's per-request client adds ``team_id`` to every call's args).
``fake.calls(method=None)`` lists them; ``await fake.wait_for(method, predicate=None, timeout=2.0,
count=1)`` returns the ``count``-th call matching ``predicate(call)`` as soon as it is recorded (it
wakes on the recording, the timeout is only a failure guard and raises ``AssertionError``). Calls to a ``response_url`` (``fake.new_response_url()``) are recorded as
method ``"response_url"`` (args = the JSON body bolt's ``respond()`` posts), file bytes posted to an
upload URL as method ``"upload_url"``.

Rate limits (off unless ``rate_limits=True`` or ``fake.rate_limits = True``): ``chat.update`` of
one message more than ``update_per_message`` times per ``update_window`` seconds (defaults 1 per
3.0 s, keyed by channel+ts), and any method in ``tier3_methods`` more than ``tier3_limit`` times per
``tier3_window`` seconds (defaults 50 per 60.0 s) answer HTTP 429 with ``Retry-After`` and
``{"ok": false, "error": "ratelimited"}``. Rejected calls do not use up the window.
``fake.count_429`` counts them. ``fail_next(method, error, status=200, retry_after=None)`` queues
a one-off failure.

Driving the app::

    async with serve_app(app) as url:                   # http://127.0.0.1:<port>/slack/events
        driver = SlackDriver(url, SIGNING_SECRET, fake=fake)
        r = await driver.slash_command("/debate", "start format:quick", user_id="U1")
        r = await driver.block_action("vote", "pro", user_id="U2", channel_id="C1", message_ts=ts)
        r = await driver.view_submission("speak", {"b": {"a": "text"}}, private_metadata="7")
        r = await driver.message("hello", user_id="U1", channel_id="C1")   # Events API
        r = await driver.retry(r, retry_num=1)          # same body, fresh signature, retry headers

Every driver call signs the body (``v0=`` HMAC-SHA256 of ``v0:{ts}:{body}``) with the current
time and takes ``bad_signature=True``, ``stale=True`` (timestamp 6 minutes old),
``timestamp=<int>``, ``retry_num=<int>``, ``retry_reason=...`` and ``headers={...}``. It returns a
``DriverResponse(status, body, headers, payload, raw_body, content_type)``. Bolt acks before its
listener finishes, so wait for the listener's Web API calls with ``fake.wait_for``.

Bolt 1.30 quirk seen through this driver: a listener that raises right after ``ack()`` can make
bolt wait its whole 3 s ack timeout and answer 404 ``unhandled request``; catch errors (such as a
429 ``SlackApiError``) inside listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import math
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.testing.slack_fake_workspaces import FakeWorkspace, WorkspacesMixin

log = logging.getLogger(__name__)

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
VERIFICATION_TOKEN = "legacy-verification-token"

_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")
_TS_BASE = 1_700_000_000


@dataclass
class ApiCall:
    """One request the mock received."""

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    http_method: str = "POST"
    token: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    def matches(self, **expected: Any) -> bool:
        """True if every given argument was sent with that value (other args may be present)."""
        return all(k in self.args and self.args[k] == v for k, v in expected.items())


@dataclass
class FakeUser:
    id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "UTC"
    locale: str = "en-US"

    def to_slack(self, team_id: str) -> dict[str, Any]:
        try:
            offset = ZoneInfo(self.tz).utcoffset(datetime.now())
            tz_offset = int(offset.total_seconds()) if offset is not None else 0
        except Exception:  # unknown zone names still answer, with offset 0
            tz_offset = 0
        real_name = self.real_name or self.name
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": real_name,
            "deleted": self.deleted,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": tz_offset,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "locale": self.locale,
            "profile": {"real_name": real_name, "display_name": self.name, "team": team_id},
        }


@dataclass
class FakeChannel:
    id: str
    name: str = ""
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other party of a DM

    def to_slack(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "created": _TS_BASE,
            "is_channel": not self.is_im and not self.is_private,
            "is_group": self.is_private and not self.is_im,
            "is_im": self.is_im,
            "is_private": self.is_private or self.is_im,
            "is_archived": False,
            "is_member": True,
        }
        if self.is_im:
            data["user"] = self.user
        else:
            data["name"] = self.name or self.id.lower()
        return data


class SlackApiFailure(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": error}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None


Stub = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


class FakeSlackApi(WorkspacesMixin):
    """The mock Slack Web API server (see the module docstring; many workspaces and the OAuth
    install: bot.testing.slack_fake_workspaces)."""

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        team_id: str = "T1",
        team_name: str = "Test Team",
        team_domain: str = "test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        bot_name: str = "debatebot",
        app_id: str = "A0TEST",
        now: Callable[[], float] = time.monotonic,
        rate_limits: bool = False,
        update_per_message: int = 1,
        update_window: float = 3.0,
        tier3_limit: int = 50,
        tier3_window: float = 60.0,
        tier3_methods: Iterable[str] = ("chat.update",),
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.now = now
        self.rate_limits = rate_limits
        self.update_per_message = update_per_message
        self.update_window = update_window
        self.tier3_limit = tier3_limit
        self.tier3_window = tier3_window
        self.tier3_methods = frozenset(tier3_methods)
        self.count_429 = 0

        self.users: dict[str, FakeUser] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.add_user(bot_user_id, bot_name, is_bot=True)
        self._init_workspaces()

        self._calls: list[ApiCall] = []
        self._changed = asyncio.Event()
        self._seq = itertools.count(1)
        self._windows: dict[tuple[Any, ...], deque[float]] = defaultdict(deque)
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._stubs: dict[str, Stub] = {}
        self._runner: web.AppRunner | None = None
        self._base = ""
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "team.info": self._team_info,
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base = f"http://{host}:{port}"
        log.debug("fake Slack API on %s", self._base)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if not self._base:
            raise RuntimeError("FakeSlackApi is not started")
        return self._base

    @property
    def url(self) -> str:
        """The ``base_url`` for ``AsyncWebClient``: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.base}/api/"

    # ----------------------------------------------------------------- setup

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str = "",
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        tz: str = "UTC",
    ) -> FakeUser:
        user = FakeUser(
            id=user_id,
            name=name,
            real_name=real_name,
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_primary_owner,
            is_bot=is_bot,
            tz=tz,
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, name: str = "", *, is_private: bool = False
    ) -> FakeChannel:
        channel = FakeChannel(id=channel_id, name=name or channel_id.lower(), is_private=is_private)
        self.channels[channel_id] = channel
        return channel

    def seed_message(
        self,
        channel: str,
        text: str = "",
        *,
        ts: str | None = None,
        user: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """Store a message as if it had been posted (by ``user``, default the bot)."""
        ts = ts or self.new_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": text,
            "user": user or self.bot_user_id,
            "ts": ts,
            "team": self.team_id,
        }
        if user is None or user == self.bot_user_id:
            message.update(bot_id=self.bot_id, app_id=self.app_id)
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        self._known_channel(channel)
        self.messages[(channel, ts)] = message
        return message

    def stub(self, method: str, response: Stub) -> None:
        """Answer ``method`` with ``response`` (a dict, or a callable taking the args)."""
        self._stubs[method] = response

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``error`` (and HTTP ``status``)."""
        for _ in range(times):
            self._failures[method].append(_Failure(error, status, retry_after))

    def new_ts(self) -> str:
        """A unique, increasing Slack message timestamp."""
        n = next(self._seq)
        return f"{_TS_BASE + n}.{n:06d}"

    def new_response_url(self) -> str:
        """A ``response_url`` served by this mock; POSTs to it are recorded as ``response_url``."""
        return f"{self.base}/response/{next(self._seq)}"

    def dm_channel_id(self, user_id: str) -> str:
        return "D" + user_id.lstrip("UW")

    # ----------------------------------------------------------------- inspection

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls, oldest first, optionally only one method."""
        return [c for c in self._calls if method is None or c.method == method]

    def clear_calls(self) -> None:
        self._calls.clear()

    async def wait_for(
        self,
        method: str | None,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        timeout: float = 2.0,
        count: int = 1,
    ) -> ApiCall:
        """Return the ``count``-th recorded call of ``method`` matching ``predicate``.

        Returns at once if it is already recorded, else as soon as it is.

        Raises:
            AssertionError: nothing matched within ``timeout`` seconds (a failure guard only).
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    matches = [
                        c for c in self.calls(method) if predicate is None or predicate(c)
                    ]
                    if len(matches) >= count:
                        return matches[count - 1]
                    await self._changed.wait()
        except TimeoutError:
            seen = "\n  ".join(f"{c.method} {c.status} {c.args}" for c in self._calls)
            raise AssertionError(
                f"no call #{count} of {method!r} matching within {timeout}s; recorded:\n  {seen}"
            ) from None

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        return self.messages[(channel, ts)]

    # ----------------------------------------------------------------- HTTP

    def _record(self, call: ApiCall) -> None:
        self._calls.append(call)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    args[key] = value.file.read() if isinstance(value, web.FileField) else value
            else:
                args["_body"] = await request.read()
        for key in _JSON_FIELDS:
            raw = args.get(key)
            if isinstance(raw, str) and raw[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(raw)
        return args

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        token = token or args.pop("token", None)
        args.pop("token", None)
        call = ApiCall(
            method=method, args=args, at=self.now(), http_method=request.method, token=token
        )
        headers: dict[str, str] = {}
        status = 200
        if method == "oauth.v2.access":  # the app's client id and secret, not a token
            call.token = None
            body: dict[str, Any] = self._oauth_v2_access(request, args)
        elif token is None:
            body = {"ok": False, "error": "not_authed"}
        elif not self._token_known(token):
            body = {"ok": False, "error": "invalid_auth"}
        elif method == "auth.test" and (mine := self._auth_test_for(token)) is not None:
            body = {"ok": True, **mine}
        elif method == "views.publish":
            body = self._views_publish(args, token)
        elif self._failures[method]:
            failure = self._failures[method].popleft()
            status, body = failure.status, {"ok": False, "error": failure.error}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            if status == 429:
                self.count_429 += 1
        elif (retry_after := self._rate_limited(method, args, self.workspace_of(token))) is not None:
            status, body = 429, {"ok": False, "error": "ratelimited"}
            headers["Retry-After"] = str(retry_after)
            self.count_429 += 1
        else:
            body = self._answer(method, args)
        call.status, call.response = status, body
        self._record(call)
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        stub = self._stubs.get(method)
        if stub is not None:
            return dict(stub(args) if callable(stub) else stub)
        handler = self._methods.get(method)
        if handler is None:
            log.debug("fake Slack API: unknown method %s", method)
            return {"ok": False, "error": "unknown_method"}
        try:
            return {"ok": True, **handler(args)}
        except SlackApiFailure as failure:
            return {"ok": False, "error": failure.error}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        entry = self.files.get(file_id)
        call = ApiCall(method="upload_url", args={"file_id": file_id, "size": len(content)},
                       at=self.now())
        if entry is None:
            call.status = 404
            self._record(call)
            return web.Response(status=404, text="file not found")
        entry["content"] = content
        call.response = {"ok": True}
        self._record(call)
        return web.Response(text=f"OK - {len(content)}")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        args = await self._read_args(request)
        args["response_url"] = str(request.url)
        call = ApiCall(method="response_url", args=args, at=self.now(), response={"ok": True})
        self._record(call)
        return web.json_response({"ok": True})

    def _rate_limited(self, method: str, args: dict[str, Any], team: str | None = None) -> int | None:
        """Return a Retry-After in seconds if the call goes over a limit, else count it (tier 3
        limits count per workspace, as Slack's do)."""
        if not self.rate_limits:
            return None
        now = self.now()
        checks: list[tuple[tuple[Any, ...], int, float]] = []
        if method == "chat.update":
            key = ("message", args.get("channel"), args.get("ts"))
            checks.append((key, self.update_per_message, self.update_window))
        if method in self.tier3_methods:
            checks.append((("tier3", method, team), self.tier3_limit, self.tier3_window))
        for key, limit, window in checks:
            stamps = self._windows[key]
            while stamps and now - stamps[0] >= window:
                stamps.popleft()
            if len(stamps) >= limit:
                return max(1, math.ceil(window - (now - stamps[0])))
        for key, _, _ in checks:
            self._windows[key].append(now)
        return None

    # ----------------------------------------------------------------- methods

    def _known_channel(self, channel_id: str) -> FakeChannel:
        channel = self.channels.get(channel_id)
        if channel is None:
            if channel_id.startswith("D"):
                channel = FakeChannel(id=channel_id, is_im=True)
            else:
                channel = FakeChannel(id=channel_id, name=channel_id.lower())
            self.channels[channel_id] = channel
        return channel

    def _open_dm(self, user_id: str) -> FakeChannel:
        channel_id = self.dm_channel_id(user_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = FakeChannel(id=channel_id, is_im=True, user=user_id)
            self.channels[channel_id] = channel
        return channel

    def _channel_arg(self, args: dict[str, Any]) -> str:
        channel = args.get("channel")
        if not channel:
            raise SlackApiFailure("channel_not_found")
        if channel[:1] in ("U", "W"):
            return self._open_dm(channel).id
        return channel

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_arg(args)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise SlackApiFailure("no_text")
        message = self.seed_message(
            channel,
            args.get("text") or "",
            blocks=args.get("blocks"),
            thread_ts=args.get("thread_ts"),
        )
        if args.get("attachments") is not None:
            message["attachments"] = args["attachments"]
        return {"channel": channel, "ts": message["ts"], "message": dict(message)}

    def _existing_message(self, args: dict[str, Any]) -> tuple[tuple[str, str], dict[str, Any]]:
        key = (self._channel_arg(args), str(args.get("ts") or ""))
        message = self.messages.get(key)
        if message is None:
            raise SlackApiFailure("message_not_found")
        return key, message

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        (channel, ts), message = self._existing_message(args)
        for name in ("text", "blocks", "attachments"):
            if name in args:
                message[name] = args[name]
        message["edited"] = {"user": self.bot_user_id, "ts": self.new_ts()}
        return {"channel": channel, "ts": ts, "text": message.get("text", ""),
                "message": dict(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._channel_arg(args)
        if not args.get("user"):
            raise SlackApiFailure("user_not_found")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise SlackApiFailure("no_text")
        return {"message_ts": self.new_ts()}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        (channel, ts), _ = self._existing_message(args)
        del self.messages[(channel, ts)]
        return {"channel": channel, "ts": ts}

    def _store_view(self, view_id: str, view: dict[str, Any], external_id: str) -> dict[str, Any]:
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "type": view.get("type", "modal"),
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "external_id": external_id,
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "state": {"values": {}},
            "hash": f"{_TS_BASE}.{next(self._seq):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
        }
        self.views[view_id] = stored
        return stored

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not args.get("trigger_id") or not isinstance(view, dict):
            raise SlackApiFailure("invalid_arguments")
        view_id = f"V{next(self._seq):08d}"
        stored = self._store_view(view_id, view, view.get("external_id", ""))
        return {"view": dict(stored)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            raise SlackApiFailure("invalid_arguments")
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (k for k, v in self.views.items() if v["external_id"] == args["external_id"]),
                None,
            )
        if not view_id or view_id not in self.views:
            raise SlackApiFailure("not_found")
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            raise SlackApiFailure("hash_conflict")
        stored = self._store_view(view_id, view, self.views[view_id]["external_id"])
        return {"view": dict(stored)}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"user": user.to_slack(self.team_id)}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel") or ""))
        if channel is None:
            raise SlackApiFailure("channel_not_found")
        return {"channel": channel.to_slack()}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise SlackApiFailure("users_list_not_supplied" if not users else "not_supported")
        return {"channel": {"id": self._open_dm(users[0]).id}}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            raise SlackApiFailure("invalid_arguments")
        file_id = f"F{next(self._seq):08d}"
        self.files[file_id] = {
            "id": file_id,
            "name": args["filename"],
            "length": int(args["length"]),
            "content": None,
            "complete": False,
        }
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("files")
        if not isinstance(wanted, list) or not wanted:
            raise SlackApiFailure("invalid_arguments")
        done = []
        for item in wanted:
            entry = self.files.get(item.get("id", ""))
            if entry is None or entry["content"] is None:
                raise SlackApiFailure("file_not_found")
            entry.update(
                complete=True,
                title=item.get("title") or entry["name"],
                channel=args.get("channel_id"),
                initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            done.append({
                "id": entry["id"],
                "name": entry["name"],
                "title": entry["title"],
                "size": len(entry["content"]),
                "channels": [args["channel_id"]] if args.get("channel_id") else [],
            })
        return {"files": done}

    def _team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {},
            }
        }


# --------------------------------------------------------------------- app side


def make_client(fake: FakeSlackApi, token: str | None = None) -> AsyncWebClient:
    """An ``AsyncWebClient`` that talks to ``fake`` (pass it to ``AsyncApp(client=...)``)."""
    return AsyncWebClient(token=token or fake.token, base_url=fake.url)


def make_app(fake: FakeSlackApi, signing_secret: str = SIGNING_SECRET, **kwargs: Any) -> AsyncApp:
    """An ``AsyncApp`` with its Web API client pointed at ``fake``."""
    return AsyncApp(client=make_client(fake), signing_secret=signing_secret, **kwargs)


@contextlib.asynccontextmanager
async def serve_app(app: AsyncApp, path: str = "/slack/events") -> AsyncIterator[str]:
    """Serve ``app`` over HTTP on 127.0.0.1 (ephemeral port); yield the events URL.

    Uses bolt's own aiohttp server handler (``AsyncSlackAppServer``), bound by an
    ``AppRunner`` to 127.0.0.1 instead of ``app.start()``'s 0.0.0.0.
    """
    server = AsyncSlackAppServer(port=0, path=path, app=app, host="127.0.0.1")
    runner = web.AppRunner(server.web_app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}{path}"
    finally:
        await runner.cleanup()


@dataclass
class DriverResponse:
    """What the app answered, and what was sent."""

    status: int
    body: str
    headers: dict[str, str]
    payload: dict[str, Any]
    raw_body: str
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    """Sends signed Slack requests (slash commands, interactivity, events) to an app URL."""

    def __init__(
        self,
        url: str,
        signing_secret: str = SIGNING_SECRET,
        *,
        fake: FakeSlackApi | None = None,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or (fake.team_id if fake else "T1")
        self.team_domain = team_domain or (fake.team_domain if fake else "test")
        self.api_app_id = api_app_id or (fake.app_id if fake else "A0TEST")
        self.clock = clock
        self._seq = itertools.count(1)

    # ----------------------------------------------------------------- transport

    def sign(self, body: str, timestamp: int, secret: str | None = None) -> str:
        base = f"v0:{timestamp}:{body}".encode()
        key = (secret if secret is not None else self.signing_secret).encode()
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    async def post(
        self,
        raw_body: str,
        content_type: str,
        *,
        payload: dict[str, Any] | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        headers: dict[str, str] | None = None,
    ) -> DriverResponse:
        """POST a body to the app, signed as Slack signs it (or deliberately not)."""
        if timestamp is None:
            timestamp = int(self.clock()) - (6 * 60 if stale else 0)
        secret = self.signing_secret + "-wrong" if bad_signature else None
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(raw_body, timestamp, secret),
        }
        if retry_num is not None:
            sent["X-Slack-Retry-Num"] = str(retry_num)
            sent["X-Slack-Retry-Reason"] = retry_reason
        sent.update(headers or {})
        async with ClientSession() as session:
            async with session.post(self.url, data=raw_body.encode(), headers=sent) as resp:
                body = await resp.text()
                return DriverResponse(
                    status=resp.status,
                    body=body,
                    headers=dict(resp.headers),
                    payload=payload or {},
                    raw_body=raw_body,
                    content_type=content_type,
                )

    async def retry(
        self, previous: DriverResponse, retry_num: int = 1, retry_reason: str = "http_timeout",
        **options: Any,
    ) -> DriverResponse:
        """Send the same body again, freshly signed, with Slack's retry headers."""
        return await self.post(
            previous.raw_body, previous.content_type, payload=previous.payload,
            retry_num=retry_num, retry_reason=retry_reason, **options,
        )

    async def _send_form(self, fields: dict[str, Any], payload: dict[str, Any],
                         **options: Any) -> DriverResponse:
        raw = urllib.parse.urlencode(fields)
        return await self.post(
            raw, "application/x-www-form-urlencoded", payload=payload, **options
        )

    async def _send_interactive(self, payload: dict[str, Any], **options: Any) -> DriverResponse:
        return await self._send_form({"payload": json.dumps(payload)}, payload, **options)

    async def _send_json(self, payload: dict[str, Any], **options: Any) -> DriverResponse:
        return await self.post(json.dumps(payload), "application/json", payload=payload, **options)

    # ----------------------------------------------------------------- helpers

    def new_trigger_id(self) -> str:
        n = next(self._seq)
        return f"{_TS_BASE + n}.{n}.{n:032x}"

    def _response_url(self) -> str:
        if self.fake is not None:
            return self.fake.new_response_url()
        return f"https://hooks.slack.com/commands/{self.team_id}/{next(self._seq)}/x"

    def _user_name(self, user_id: str) -> str:
        if self.fake is not None and user_id in self.fake.users:
            return self.fake.users[user_id].name
        return user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        if self.fake is not None and channel_id in self.fake.channels:
            channel = self.fake.channels[channel_id]
            return "directmessage" if channel.is_im else channel.name
        return channel_id.lower()

    def _user(self, user_id: str, team_id: str) -> dict[str, Any]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": team_id}

    def _team(self, team_id: str) -> dict[str, Any]:
        return {"id": team_id, "domain": self.team_domain}

    # ----------------------------------------------------------------- requests

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U1",
        user_name: str | None = None,
        channel_id: str = "C1",
        channel_name: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        """A slash command, form-encoded as Slack sends it."""
        team_id = team_id or self.team_id
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name or self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url(),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return await self._send_form(fields, dict(fields), **options)

    async def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str = "U1",
        channel_id: str | None = "C1",
        message_ts: str | None = None,
        block_id: str = "actions",
        action_type: str = "button",
        action: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        view_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        """A ``block_actions`` payload: a button (or ``action_type``) clicked.

        On a message when ``message_ts`` is given (the message is taken from the fake if it
        holds it, else ``message`` or a stub); in a modal when ``view_id`` is given.
        ``action`` adds or overrides fields of the action (e.g. ``selected_option``).
        """
        team_id = team_id or self.team_id
        act: dict[str, Any] = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{self.clock():.6f}",
        }
        if action_type == "button":
            act["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            act["value"] = value
        act.update(action or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id, team_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [act],
        }
        if view_id is not None:
            view = (self.fake.views.get(view_id) if self.fake else None) or {"id": view_id}
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = dict(view)
        else:
            payload["response_url"] = response_url or self._response_url()
            if channel_id is not None:
                payload["channel"] = {"id": channel_id, "name": self._channel_name(channel_id)}
            if message_ts is not None and channel_id is not None:
                if message is None and self.fake is not None:
                    message = self.fake.messages.get((channel_id, message_ts))
                payload["container"] = {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                }
                payload["message"] = dict(message or {"type": "message", "ts": message_ts,
                                                      "text": ""})
        return await self._send_interactive(payload, **options)

    async def view_submission(
        self,
        callback_id: str | None = None,
        values: dict[str, dict[str, Any]] | None = None,
        private_metadata: str | None = None,
        *,
        user_id: str = "U1",
        view_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        """A ``view_submission`` payload.

        ``values`` is ``{block_id: {action_id: state}}``; a plain string state is shorthand for a
        ``plain_text_input`` with that value. With ``view_id`` of a view opened through the
        fake, its callback_id, private_metadata and blocks are used unless given.
        """
        team_id = team_id or self.team_id
        base: dict[str, Any] = {}
        if view_id is not None and self.fake is not None:
            base = dict(self.fake.views.get(view_id, {}))
        view_id = view_id or f"V{next(self._seq):08d}"
        state = {
            block: {
                action: ({"type": "plain_text_input", "value": v} if isinstance(v, str) else v)
                for action, v in actions.items()
            }
            for block, actions in (values or {}).items()
        }
        view = {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "title": {"type": "plain_text", "text": "Modal"},
            "hash": f"{_TS_BASE}.{next(self._seq):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": self.fake.bot_id if self.fake else "BBOT",
            **base,
        }
        if callback_id is not None:
            view["callback_id"] = callback_id
        if private_metadata is not None:
            view["private_metadata"] = private_metadata
        view.setdefault("callback_id", "")
        view.setdefault("private_metadata", "")
        view["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team(team_id),
            "user": self._user(user_id, team_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self._send_interactive(payload, **options)

    async def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        event_time: int | None = None,
        **options: Any,
    ) -> DriverResponse:
        """An Events API ``event_callback`` wrapping ``event``, sent as JSON."""
        team_id = team_id or self.team_id
        bot_user = self.fake.bot_user_id if self.fake else "UBOT"
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}",
            "event_time": event_time if event_time is not None else int(self.clock()),
            "authorizations": [{
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user,
                "is_bot": True,
                "is_enterprise_install": False,
            }],
            "is_ext_shared_channel": False,
            "event_context": f"4-{next(self._seq)}",
        }
        return await self._send_json(payload, **options)

    async def message(
        self,
        text: str,
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        ts: str | None = None,
        thread_ts: str | None = None,
        channel_type: str = "channel",
        **options: Any,
    ) -> DriverResponse:
        """A ``message`` event from a user (the user's message is also stored in the fake)."""
        if self.fake is not None:
            ts = self.fake.seed_message(channel_id, text, ts=ts, user=user_id,
                                        thread_ts=thread_ts)["ts"]
        ts = ts or f"{self.clock():.6f}"
        event: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": ts,
            "channel": channel_id,
            "channel_type": channel_type,
            "event_ts": ts,
            "team": self.team_id,
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return await self.event(event, **options)

    async def url_verification(self, challenge: str = "challenge", **options: Any
                               ) -> DriverResponse:
        payload = {"token": VERIFICATION_TOKEN, "challenge": challenge,
                   "type": "url_verification"}
        return await self._send_json(payload, **options)


__all__ = [
    "BOT_TOKEN",
    "SIGNING_SECRET",
    "ApiCall",
    "DriverResponse",
    "FakeChannel",
    "FakeSlackApi",
    "FakeUser",
    "FakeWorkspace",
    "SlackApiFailure",
    "SlackDriver",
    "make_app",
    "make_client",
    "serve_app",
]
