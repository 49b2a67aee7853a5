"""A small fake Discord (gateway + REST) on 127.0.0.1 for running the real discord.py client.

dpytest cannot drive slash commands, buttons or modals, so adapter tests run the real
``discord.py`` client against this fake. One aiohttp server answers both the websocket
gateway (``/gateway``) and the REST API (``/api/v10/...``); entering the fake patches
``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` and
leaving it restores them. Only one ``FakeDiscord`` may be active at a time.

Quick start::

    async with FakeDiscord() as fake:
        bot = MyBot(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        async with fake.running(bot):                  # login + connect + wait_until_ready
            await bot.tree.sync()                      # PUT /applications/{app}/commands
            inter = await fake.slash_command("alice", "debates", "debate join", {"side": "pro"})
            call = await fake.wait_for_callback(inter)  # the POST .../callback it caused
            assert call.json["type"] == 4
            msg = fake.original_message(inter)         # the message that response created
            click = await fake.click_button("bob", "debates", msg["id"], "debate:join")
        # bot closed here; the fake keeps its state (messages, commands) for a new bot

World (constructor, all optional)
    ``FakeDiscord(guild=None, *, guilds=None, shard_count=1, bot_user=None,
    application_id=None, token="fake-token", rate_limit_edits_per_message=None,
    clock=time.monotonic, echo_bot_messages=False)``.
    ``guild`` is a :class:`FakeGuild` (default :func:`default_guild`: "Debate Club" with roles
    ``@everyone`` / ``Moderator`` (Manage Messages, Manage Threads, Moderate Members, Kick) /
    ``debate-bot``, text channels ``#general`` and ``#debates``, members ``teacher``
    (Moderator), ``alice``, ``bob``, ``carol``). The bot user (default
    ``FakeUser("debate-bot", bot=True, roles=["debate-bot"])``) is added as a member. Ids are
    snowflakes given out at construction; look entities up with ``fake.user(name_or_id)``,
    ``fake.channel(name_or_id)`` (``"debates"`` or ``"#debates"``), ``fake.role(name)``;
    ``fake.guild``, ``fake.bot_user``, ``fake.application_id``, ``fake.token``,
    ``fake.permissions_of(user) -> int`` (roles OR-ed, or ``FakeUser.permissions`` if set;
    the default guild owner is not a member, so nobody gets owner rights).
    ``fake.add_member(FakeUser)`` adds a member later; ``fake.snowflake()`` gives a fresh id.
    REST calls must carry ``Bot <token>`` (else 401, so a wrong token raises LoginFailure);
    IDENTIFY with a wrong token is closed with 4004.

Several guilds and shards
    ``guilds=[FakeGuild, ...]`` instead of ``guild``: the bot is a member of each, and
    ``fake.guild`` is the first. Entity ids are unique across guilds, names need not be:
    ``fake.channel(name, guild=g)``, ``fake.user(name, guild=g)``, ``fake.role(name, guild=g)``
    look a name up in one guild (without ``guild`` a name must be unique across guilds);
    ``fake.guild_of(channel)`` is the guild a channel or thread belongs to (None for a DM). Events
    about a channel (slash commands, clicks, user messages) resolve user names in its guild.
    A connection that IDENTIFYs with ``shard: [id, count]`` is that shard: its READY (which
    carries ``shard``) lists only the guilds with ``(guild_id >> 22) % count == id``, it gets
    their GUILD_CREATE, and every guild event (INTERACTION_CREATE, MESSAGE_CREATE, THREAD_*,
    ...) goes only to the connections whose shard holds the event's ``guild_id``; events
    without a guild (DMs) go to shard 0. A connection without ``shard`` gets everything, as
    before. An id outside ``0..count-1`` is closed with 4010. ``GET /gateway/bot`` answers
    ``shards: shard_count``. :func:`guild_id_on_shard` gives a guild id that lands on a given
    shard, :func:`shard_of` computes the formula; ``SentInteraction.shards`` lists the shard of
    each connection an interaction was sent to (None for an unsharded one).

REST recording
    Every REST request becomes a :class:`RestCall` ``(method, path, json, query, files,
    status, response, file_data)`` in ``fake.calls`` (429 answers included, with
    ``status == 429``). ``path`` has no ``/api/v10`` prefix. Multipart bodies are parsed:
    ``json`` is the ``payload_json`` part, ``files`` the attachment filenames.
    ``fake.calls_to(method, pattern, since=0)`` filters; in ``pattern`` a ``{name}`` segment
    matches any one path segment (``"/channels/{id}/messages"``) and anything else is
    literal (so an f-string with a real id matches that id only). ``fake.mark()`` is
    ``len(fake.calls)``, to use as ``since``.
    ``await fake.wait_for_call(predicate=None, *, method=None, path=None, since=0,
    timeout=5.0) -> RestCall`` returns as soon as a matching call is (or already was)
    recorded; the timeout is only a failure guard and its error lists the recent calls.
    ``await fake.wait_for_callback(inter, timeout=5.0)`` waits for the interaction's
    callback; ``fake.calls_for(inter)`` lists its callback and followup/webhook calls.
    ``RestCall.response`` is a snapshot of the answer (later edits do not change it).

Stored state the bot builds up
    ``fake.channel_messages(channel) -> list[dict]`` (oldest first, deleted ones removed,
    includes interaction responses and followups; ephemeral ones carry ``flags & 64``),
    ``fake.message(message_id) -> dict``, ``fake.deleted_message_ids``,
    ``fake.original_message(inter) -> dict | None``, ``fake.threads() -> list[FakeChannel]``,
    ``fake.app_commands(guild_id=None) -> list[dict]`` (what the bot synced; ``None`` =
    global), ``fake.modals`` (custom_id -> modal payload the bot opened).

Injecting events (each awaits until the gateway frame was written)
    ``await fake.slash_command(user, channel, name, options=None, *, subcommand=None,
    group=None) -> SentInteraction``; ``name`` may be a path: ``"debate join"`` or
    ``"debate admin reset"``. Option types come from the synced command schema (fallback:
    inferred from the Python value); user/channel/role options accept names and are put in
    ``data.resolved``. ``data.id`` is the synced command id and ``data.guild_id`` is set for
    guild-synced commands.
    ``await fake.click_button(user, channel, message_id, custom_id)`` (type 3,
    component_type 2, carries the stored message; the custom_id must exist on it);
    ``await fake.select_menu(user, channel, message_id, custom_id, values)``;
    ``await fake.submit_modal(user, channel, custom_id, values={"input_id": "text"})``
    (type 5; mirrors the layout of the modal the bot opened: action rows or labels);
    ``await fake.send_user_message(user, channel, content) -> dict`` (MESSAGE_CREATE; the
    content is blanked, as Discord does, unless the bot identified with the message_content
    intent, the bot is mentioned, or it is a DM; only sent with the guild/DM messages intent);
    ``await fake.dispatch(event, data)`` sends any raw event to every identified connection
    that serves its ``guild_id`` (see shards above).
    A :class:`SentInteraction` has ``id``, ``token``, ``type``, ``payload`` and is updated by
    the fake: ``callback_type``, ``original_message_id``, ``callback_path``.

Answers (JSON with content-type exactly ``application/json``)
    gateway: HELLO, READY (``resume_gateway_url``, ``application``, ``shard``), GUILD_CREATE
    for each guild of the connection's shard, heartbeat
    ACK, RESUMED on resume, GUILD_MEMBERS_CHUNK on request; frames are plain text JSON (the
    client's ``compress`` query is ignored; discord.py reads text frames uncompressed).
    REST: ``/gateway``, ``/gateway/bot``, ``/users/@me``, ``/users/{id}``,
    ``/oauth2/applications/@me``, ``/applications/@me``, application commands (global and
    guild: GET, PUT bulk overwrite, POST, DELETE), channel GET/PATCH/DELETE, messages
    POST/GET/PATCH/DELETE/bulk-delete and history, threads (from a message: thread id ==
    message id; without a message), thread members, typing, pins, reactions, guild / roles /
    channels / members GET, member PATCH and role add/remove, DM channel creation, interaction
    callbacks 1/4/5/6/7/8/9 (``?with_response`` body as discord.py 2.7 parses it; a second
    callback for the same interaction gets 400 code 40060) and the followup webhook routes
    (``/webhooks/{app}/{token}`` and ``/messages/@original`` or ``/messages/{id}``). Thread
    creation and edits dispatch THREAD_CREATE / THREAD_UPDATE so the client cache knows them;
    with ``echo_bot_messages=True`` the bot's own message create/edit/delete are echoed as
    MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE. Unknown routes answer 404 (logged).

Rate-limit mode
    ``rate_limit_edits_per_message=(1, 2.0)`` allows 1 edit per message per 2 s (sliding
    window on ``clock``; channel-message PATCH and webhook-message PATCH). Further edits get a
    429 with a JSON body (``retry_after``, ``global``) and ``Retry-After`` /
    ``X-RateLimit-*`` / ``Via`` headers (without ``Via`` discord.py treats a 429 as a
    Cloudflare ban and raises); discord.py sleeps ``retry_after`` and retries by itself.
    ``fake.count_429`` counts them.

Bot lifecycle
    ``async with fake.running(bot, timeout=5.0)`` logs in, connects as a task, waits for
    ``bot.wait_until_ready()`` (a crash at start-up is re-raised instead of timing out) and on
    exit closes the bot and awaits the task (close bots before leaving the fake).
    ``fake.ready`` is an ``asyncio.Event`` set once READY and GUILD_CREATE were written to
    the newest gateway connection and cleared when a new connection opens or the last
    identified one closes; it says nothing about the client having processed them, so prefer
    ``running()`` / ``bot.wait_until_ready()``. Pass ``guild_ready_timeout=0.1`` (a
    ``discord.Client`` keyword, default 2 s) to the bot: ``on_ready`` fires that long after
    the last GUILD_CREATE.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import math
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1420070400000
GATEWAY_PATH = "/gateway"
_API_PREFIX = re.compile(r"^/api/v\d+")

# Gateway intents the fake looks at.
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Channel types.
TEXT, DM, CATEGORY, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 4, 11, 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)

# Message flags.
FLAG_EPHEMERAL = 64
FLAG_LOADING = 128

_P = discord.Permissions
EVERYONE_PERMISSIONS = _P(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    use_application_commands=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    create_public_threads=True,
).value
MODERATOR_PERMISSIONS = _P(
    manage_messages=True, manage_threads=True, moderate_members=True, kick_members=True
).value
BOT_PERMISSIONS = _P(
    manage_messages=True,
    manage_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    moderate_members=True,
    embed_links=True,
    attach_files=True,
).value


# --------------------------------------------------------------------------- world


@dataclass
class FakeRole:
    """A guild role; ``id`` 0 means "assign one" (``@everyone`` gets the guild id)."""

    name: str
    permissions: int = 0
    id: int = 0
    position: int = 1
    color: int = 0
    managed: bool = False


@dataclass
class FakeUser:
    """A user and, in the guild, its member: ``roles`` are role names besides @everyone.

    ``permissions`` overrides the permissions computed from the roles.
    """

    name: str
    roles: list[str] = field(default_factory=list)
    id: int = 0
    bot: bool = False
    nick: str | None = None
    permissions: int | None = None
    timed_out_until: str | None = None


@dataclass
class FakeChannel:
    """A text channel (type 0), category (4), thread (11/12) or DM (1)."""

    name: str
    id: int = 0
    type: int = TEXT
    parent_id: int | None = None
    owner_id: int | None = None
    topic: str | None = None
    position: int = 0
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    rate_limit_per_user: int = 0
    recipient_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES


@dataclass
class FakeGuild:
    name: str = "Debate Club"
    id: int = 0
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    owner_id: int = 0


def default_guild() -> FakeGuild:
    """The default world: a debate club with a teacher (Moderator) and three students."""
    return FakeGuild(
        name="Debate Club",
        roles=[
            FakeRole("@everyone", EVERYONE_PERMISSIONS, position=0),
            FakeRole("Moderator", MODERATOR_PERMISSIONS, position=2, color=0x3498DB),
            FakeRole("debate-bot", BOT_PERMISSIONS, position=1, managed=True),
        ],
        channels=[FakeChannel("general", position=0), FakeChannel("debates", position=1)],
        members=[
            FakeUser("teacher", roles=["Moderator"]),
            FakeUser("alice"),
            FakeUser("bob"),
            FakeUser("carol"),
        ],
    )


# --------------------------------------------------------------------------- records


@dataclass
class RestCall:
    """One REST request the client made, and what the fake answered."""

    method: str
    path: str
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    status: int = 0
    response: Any = None
    file_data: dict[str, bytes] = field(default_factory=dict)


@dataclass
class SentInteraction:
    """An INTERACTION_CREATE the fake sent; the fake fills in what the bot answered."""

    id: int
    token: str
    type: int
    channel_id: int
    user_id: int
    application_id: int
    payload: dict[str, Any]
    message_id: int | None = None
    callback_type: int | None = None
    original_message_id: int | None = None
    shards: list[int | None] = field(default_factory=list)  # connections it was sent to

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.application_id}/{self.token}"


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _RouteError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.reply = _Reply(status, {"message": message, "code": code})


@dataclass
class _GatewaySession:
    ws: web.WebSocketResponse
    session_id: str
    seq: int = 0
    intents: int = 0
    identified: bool = False
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: not sharded
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def shard_id(self) -> int | None:
        return None if self.shard is None else self.shard[0]

    def serves(self, guild_id: int | None) -> bool:
        """Whether this connection receives the events of ``guild_id`` (None: a DM, shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return shard_of(guild_id, count) == shard_id

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            if payload.get("op") == 0:
                self.seq += 1
                payload["s"] = self.seq
            if not self.ws.closed:
                await self.ws.send_str(json.dumps(payload))


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's sharding formula: the shard that receives the events of ``guild_id``."""
    return (guild_id >> 22) % shard_count


_guild_counter = itertools.count(1)


def guild_id_on_shard(shard_id: int, shard_count: int) -> int:
    """A fresh snowflake (with about the current time in it) for a guild on ``shard_id``.

    Its worker bits are 1, which ``FakeDiscord.snowflake`` never sets, so it is unique.
    """
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    ms += shard_id - ms % shard_count
    return ms << 22 | 1 << 17 | (next(_guild_counter) & 0xFFF)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/{}]*\})", pattern)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """Fake Discord gateway + REST server; see the module docstring for the API."""

    _active: FakeDiscord | None = None

    def __init__(
        self,
        guild: FakeGuild | None = None,
        *,
        guilds: Iterable[FakeGuild] | None = None,
        shard_count: int = 1,
        bot_user: FakeUser | None = None,
        application_id: int | None = None,
        token: str = "fake-token",
        rate_limit_edits_per_message: tuple[int, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        echo_bot_messages: bool = False,
    ) -> None:
        self._counter = itertools.count(1)
        self._last_snowflake = 0
        self.token = token
        if guild is not None and guilds is not None:
            raise ValueError("give either guild or guilds")
        self.guilds: list[FakeGuild] = list(guilds) if guilds is not None else [guild or default_guild()]
        if not self.guilds:
            raise ValueError("the fake needs at least one guild")
        self.guild = self.guilds[0]  # the only one unless guilds= was given
        self.shard_count = shard_count  # what GET /gateway/bot recommends
        self.bot_user = bot_user or FakeUser("debate-bot", bot=True, roles=["debate-bot"])
        self.bot_user.bot = True
        self._assign_ids()
        self.application_id = application_id or self.bot_user.id
        self.echo_bot_messages = echo_bot_messages
        self._edit_limit = rate_limit_edits_per_message
        self._clock = clock
        self._edit_stamps: dict[int, list[float]] = {}
        self.count_429 = 0

        self.calls: list[RestCall] = []
        self._waiters: list[tuple[Callable[[RestCall], bool], asyncio.Future[RestCall]]] = []
        self._messages: dict[int, dict[str, Any]] = {}
        self.deleted_message_ids: list[int] = []
        self._dm_channels: dict[int, FakeChannel] = {}
        self._commands: dict[int | None, dict[tuple[int, str], dict[str, Any]]] = {}
        self._interactions: dict[str, SentInteraction] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        self._modal_sources: dict[str, int | None] = {}
        self._sessions: list[_GatewaySession] = []
        self.ready = asyncio.Event()

        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self.port = 0
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start the server on 127.0.0.1 (ephemeral port) and patch discord.py's URLs."""
        if FakeDiscord._active is not None:
            raise RuntimeError("another FakeDiscord is already active")
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._handle_gateway)
        app.router.add_route("*", "/api/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = f"{self.base_url}/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        FakeDiscord._active = self
        log.debug("fake discord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close gateway connections, stop the server and restore discord.py's URLs."""
        for session in list(self._sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None
        for _, fut in self._waiters:
            fut.cancel()
        self._waiters.clear()
        if FakeDiscord._active is self:
            FakeDiscord._active = None

    @contextlib.asynccontextmanager
    async def running(
        self, bot: discord.Client, *, token: str | None = None, timeout: float = 5.0
    ) -> AsyncIterator[discord.Client]:
        """Log ``bot`` in, connect it in a task, wait until ready; close it on exit."""
        try:
            await bot.login(token or self.token)
        except BaseException:
            await bot.close()
            raise
        task = asyncio.create_task(bot.connect(reconnect=False), name="fake-discord-connect")
        ready = asyncio.create_task(bot.wait_until_ready(), name="fake-discord-ready")
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()
                    raise RuntimeError("bot.connect() returned before the bot was ready")
                raise TimeoutError(f"bot not ready after {timeout}s")
            yield bot
        finally:
            await bot.close()
            try:
                await asyncio.wait_for(task, timeout)
            except Exception:  # a failed connect already surfaced or is irrelevant now
                log.debug("bot connect task ended with an error", exc_info=True)

    # ------------------------------------------------------------------ ids and lookups

    def snowflake(self) -> int:
        """A fresh, increasing snowflake id with the current time in it."""
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22 | (next(self._counter) & 0xFFF)
        value = max(value, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    def _assign_ids(self) -> None:
        self.bot_user.id = self.bot_user.id or self.snowflake()
        for g in self.guilds:
            g.id = g.id or self.snowflake()
            for role in g.roles:
                if role.name == "@everyone":
                    role.id = g.id
                role.id = role.id or self.snowflake()
            if not any(r.name == "@everyone" for r in g.roles):
                g.roles.insert(0, FakeRole("@everyone", EVERYONE_PERMISSIONS, id=g.id, position=0))
            for channel in g.channels:
                channel.id = channel.id or self.snowflake()
            if all(m.id != self.bot_user.id for m in g.members):
                g.members.append(self.bot_user)
            for member in g.members:
                member.id = member.id or self.snowflake()
            # By default the owner is nobody in the member list, so no member gets owner rights.
            g.owner_id = g.owner_id or self.snowflake()

    @staticmethod
    def _lookup(kind: str, key: object, pools: list[list[Any]], name_of: Callable[[Any], str]) -> Any:
        """One entity by id or by name, unique among ``pools`` (one list per guild)."""
        wanted = _as_int(key)
        found: list[Any] = []
        for items in pools:
            for item in items:
                if item.id == wanted or (isinstance(key, str) and name_of(item) == key):
                    if all(item is not f for f in found):
                        found.append(item)
        if len(found) == 1:
            return found[0]
        known = sorted({name_of(i) for items in pools for i in items})
        if found:
            raise KeyError(f"{kind} {key!r} is in several guilds: pass guild=")
        raise KeyError(f"unknown {kind} {key!r}; known: {known}")

    def _guilds(self, guild: FakeGuild | None) -> list[FakeGuild]:
        return [guild] if guild is not None else self.guilds

    def user(self, user: FakeUser | str | int, guild: FakeGuild | None = None) -> FakeUser:
        """A member by name or id (FakeUser passes through); a name is looked up in ``guild``."""
        if isinstance(user, FakeUser):
            return user
        pools = [g.members for g in self._guilds(guild)]
        return self._lookup("user", user, pools, lambda m: m.name)

    def channel(self, channel: FakeChannel | str | int, guild: FakeGuild | None = None) -> FakeChannel:
        """A channel, thread or DM channel by name (``"debates"``/``"#debates"``) or id."""
        if isinstance(channel, FakeChannel):
            return channel
        pools = [g.channels for g in self._guilds(guild)] + [list(self._dm_channels.values())]
        key = channel.lstrip("#") if isinstance(channel, str) else channel
        return self._lookup("channel", key, pools, lambda c: c.name)

    def role(self, role: FakeRole | str | int, guild: FakeGuild | None = None) -> FakeRole:
        if isinstance(role, FakeRole):
            return role
        pools = [g.roles for g in self._guilds(guild)]
        return self._lookup("role", role, pools, lambda r: r.name)

    def guild_of(self, channel: FakeChannel | str | int) -> FakeGuild | None:
        """The guild a channel or thread is in; None for a DM channel."""
        ch = self.channel(channel)
        return next((g for g in self.guilds if any(c is ch for c in g.channels)), None)

    def _member_guild(self, member: FakeUser) -> FakeGuild:
        """The (first) guild ``member`` belongs to; the bot is in all of them."""
        return next((g for g in self.guilds if any(m is member for m in g.members)), self.guild)

    def threads(self, guild: FakeGuild | None = None) -> list[FakeChannel]:
        return [c for g in self._guilds(guild) for c in g.channels if c.is_thread]

    def add_member(self, user: FakeUser, guild: FakeGuild | None = None) -> FakeUser:
        """Add a member to ``guild`` (default: the first; no gateway event is sent)."""
        user.id = user.id or self.snowflake()
        (guild or self.guild).members.append(user)
        return user

    def permissions_of(self, user: FakeUser | str | int, guild: FakeGuild | None = None) -> int:
        """Guild-level permissions (roles OR-ed; Administrator means all) in ``guild``
        (default: the member's guild)."""
        member = self.user(user, guild)
        if member.permissions is not None:
            return member.permissions
        guild = guild or self._member_guild(member)
        if member.id == guild.owner_id:
            return _P.all().value
        value = self.role("@everyone", guild).permissions
        for name in member.roles:
            value |= self.role(name, guild).permissions
        if value & _P(administrator=True).value:
            return _P.all().value
        return value

    # ------------------------------------------------------------------ recorded state

    def message(self, message_id: int | str) -> dict[str, Any]:
        return self._messages[int(message_id)]

    def channel_messages(self, channel: FakeChannel | str | int) -> list[dict[str, Any]]:
        cid = str(self.channel(channel).id)
        return [m for m in self._messages.values() if m["channel_id"] == cid]

    def original_message(self, inter: SentInteraction) -> dict[str, Any] | None:
        if inter.original_message_id is None:
            return None
        return self._messages.get(inter.original_message_id)

    def app_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return list(self._commands.get(guild_id, {}).values())

    def mark(self) -> int:
        return len(self.calls)

    def calls_to(self, method: str, pattern: str, *, since: int = 0) -> list[RestCall]:
        regex = _pattern_regex(pattern)
        return [c for c in self.calls[since:] if c.method == method.upper() and regex.match(c.path)]

    async def wait_for_call(
        self,
        predicate: Callable[[RestCall], bool] | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        since: int = 0,
        timeout: float = 5.0,
    ) -> RestCall:
        """Return the first matching call recorded at index >= ``since``, waiting if needed."""
        regex = _pattern_regex(path) if path is not None else None

        def matches(call: RestCall) -> bool:
            if method is not None and call.method != method.upper():
                return False
            if regex is not None and not regex.match(call.path):
                return False
            return predicate is None or predicate(call)

        for call in self.calls[since:]:
            if matches(call):
                return call
        fut: asyncio.Future[RestCall] = asyncio.get_running_loop().create_future()
        entry = (matches, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            recent = "\n  ".join(f"{c.status} {c.method} {c.path}" for c in self.calls[-15:])
            raise TimeoutError(
                f"no REST call matched (method={method}, path={path}) within {timeout}s; "
                f"recent calls:\n  {recent}"
            ) from None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def calls_for(self, inter: SentInteraction) -> list[RestCall]:
        """The callback and every followup/webhook call made with this interaction's token."""
        return [c for c in self.calls if f"/{inter.token}/" in f"{c.path}/"]

    async def wait_for_callback(self, inter: SentInteraction, timeout: float = 5.0) -> RestCall:
        return await self.wait_for_call(method="POST", path=inter.callback_path, timeout=timeout)

    def _record(self, call: RestCall) -> None:
        self.calls.append(call)
        for matches, fut in list(self._waiters):
            if not fut.done():
                try:
                    ok = matches(call)
                except Exception as exc:  # a broken predicate fails the waiting test
                    fut.set_exception(exc)
                    continue
                if ok:
                    fut.set_result(call)

    # ------------------------------------------------------------------ payload builders

    def user_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(user.id),
            "username": user.name,
            "global_name": None if user.bot else user.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": user.bot,
            "public_flags": 0,
            "flags": 0,
            "system": False,
        }

    def member_payload(
        self,
        user: FakeUser,
        *,
        with_user: bool = True,
        permissions: bool = False,
        guild: FakeGuild | None = None,
    ) -> dict[str, Any]:
        guild = guild or self._member_guild(user)
        data: dict[str, Any] = {
            "roles": [str(self.role(r, guild).id) for r in user.roles],
            "nick": user.nick,
            "avatar": None,
            "joined_at": "2024-09-01T08:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": user.timed_out_until,
        }
        if with_user:
            data["user"] = self.user_payload(user)
        if permissions:
            data["permissions"] = str(self.permissions_of(user, guild))
        return data

    def role_payload(self, role: FakeRole) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(role.id),
            "name": role.name,
            "color": role.color,
            "colors": {
                "primary_color": role.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.managed,
            "mentionable": False,
            "flags": 0,
        }
        if role.managed:
            data["tags"] = {"bot_id": str(self.bot_user.id)}
        return data

    def channel_payload(
        self, channel: FakeChannel, *, permissions_for: FakeUser | None = None
    ) -> dict[str, Any]:
        if channel.type == DM:
            recipient = self.user(channel.recipient_id or 0)
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user_payload(recipient)],
            }
        guild = self.guild_of(channel) or self.guild
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [],
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "nsfw": False,
            "rate_limit_per_user": channel.rate_limit_per_user,
            "last_message_id": None,
            "flags": 0,
        }
        if channel.type == TEXT:
            data["topic"] = channel.topic
            data["default_auto_archive_duration"] = 1440
        if channel.is_thread:
            count = len(self.channel_messages(channel))
            data.update(
                owner_id=str(channel.owner_id or self.bot_user.id),
                message_count=count,
                total_message_sent=count,
                member_count=1,
                thread_metadata={
                    "archived": channel.archived,
                    "auto_archive_duration": channel.auto_archive_duration,
                    "archive_timestamp": _now_iso(),
                    "locked": channel.locked,
                    "invitable": True,
                    "create_timestamp": _now_iso(),
                },
            )
        if permissions_for is not None:
            data["permissions"] = str(self.permissions_of(permissions_for, guild))
        return data

    def guild_payload(self, guild: FakeGuild | None = None) -> dict[str, Any]:
        g = guild or self.guild
        return {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(g.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "application_id": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [self.role_payload(r) for r in g.roles],
            "max_members": 500000,
            "premium_progress_bar_enabled": False,
        }

    def guild_create_payload(self, guild: FakeGuild | None = None) -> dict[str, Any]:
        g = guild or self.guild
        data = self.guild_payload(g)
        data.update(
            joined_at="2024-09-01T08:00:00+00:00",
            large=False,
            unavailable=False,
            member_count=len(g.members),
            members=[self.member_payload(m, guild=g) for m in g.members],
            channels=[self.channel_payload(c) for c in g.channels if not c.is_thread],
            threads=[self.channel_payload(c) for c in self.threads(g)],
            presences=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data

    def _make_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: dict[str, Any],
        files: Iterable[tuple[str, bytes]] = (),
        *,
        message_type: int = 0,
        from_interaction: bool = False,
    ) -> dict[str, Any]:
        mid = self.snowflake()
        content = body.get("content") or ""
        guild = self.guild_of(channel)
        members = {m.id: m for g in self._guilds(guild) for m in g.members}.values()
        mentions = [
            self.user_payload(m) for m in members if re.search(rf"<@!?{m.id}>", content)
        ]
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": self.user_payload(author),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": self._attachments(files),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0),
            "sticker_items": [],
        }
        if guild is not None:
            msg["guild_id"] = str(guild.id)
        if body.get("message_reference"):
            msg["message_reference"] = {**body["message_reference"], "channel_id": str(channel.id)}
            msg["type"] = 19
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if from_interaction:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        self._messages[mid] = msg
        return msg

    def _attachments(self, files: Iterable[tuple[str, bytes]]) -> list[dict[str, Any]]:
        out = []
        for name, data in files:
            aid = self.snowflake()
            url = f"{self.base_url}/attachments/{aid}/{name}"
            out.append(
                {"id": str(aid), "filename": name, "size": len(data), "url": url, "proxy_url": url}
            )
        return out

    def _apply_edit(
        self, msg: dict[str, Any], body: dict[str, Any], files: list[tuple[str, bytes]]
    ) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                value = body[key]
                msg[key] = value if value is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in msg["attachments"] if a["id"] in keep]
            msg["attachments"] = kept + self._attachments(files)
        msg["flags"] = int(msg.get("flags") or 0) & ~FLAG_LOADING
        msg["edited_timestamp"] = _now_iso()

    # ------------------------------------------------------------------ gateway

    async def _handle_gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = _GatewaySession(ws, session_id=secrets.token_hex(16))
        self._sessions.append(session)
        self.ready.clear()
        log.debug("gateway connection %s (query %s)", session.session_id, dict(request.query))
        try:
            await session.send({"op": 10, "d": {"heartbeat_interval": 41250}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_op(session, json.loads(msg.data))
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            if session in self._sessions:
                self._sessions.remove(session)
            if not any(s.identified for s in self._sessions):
                self.ready.clear()
        return ws

    async def _on_gateway_op(self, session: _GatewaySession, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data: Any = payload.get("d")  # its shape is the op's: identify's fields, a sequence number, ...
        if op == 1:
            await session.send({"op": 11})
        elif op == 2:
            if data.get("token") != self.token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            shard = data.get("shard")
            if shard is not None:
                shard_id, count = (int(n) for n in shard)
                if not 0 <= shard_id < count:
                    await session.ws.close(code=4010, message=b"Invalid shard.")
                    return
                session.shard = (shard_id, count)
            session.intents = int(data.get("intents") or 0)
            await session.send({"op": 0, "t": "READY", "d": self._ready_payload(session)})
            session.identified = True
            for guild in self._guilds_of(session):
                await session.send(
                    {"op": 0, "t": "GUILD_CREATE", "d": self.guild_create_payload(guild)}
                )
            if session is self._sessions[-1]:
                self.ready.set()
        elif op == 6:
            session.identified = True
            await session.send({"op": 0, "t": "RESUMED", "d": {}})
        elif op == 8:
            await session.send(
                {"op": 0, "t": "GUILD_MEMBERS_CHUNK", "d": self._members_chunk(data)}
            )
        else:
            log.debug("gateway op %s ignored", op)

    def _guilds_of(self, session: _GatewaySession) -> list[FakeGuild]:
        return [g for g in self.guilds if session.serves(g.id)]

    def _ready_payload(self, session: _GatewaySession) -> dict[str, Any]:
        me = self.user_payload(self.bot_user)
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        data: dict[str, Any] = {
            "v": 10,
            "user": me,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._guilds_of(session)],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def _members_chunk(self, data: dict[str, Any]) -> dict[str, Any]:
        guild = self._find_guild(data.get("guild_id")) or self.guild
        members = guild.members
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.name.startswith(data["query"])]
        return {
            "guild_id": str(guild.id),
            "members": [self.member_payload(m, guild=guild) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }

    async def dispatch(
        self, event: str, data: dict[str, Any], *, intent: int | None = None
    ) -> None:
        """Send a DISPATCH frame to every identified connection that serves the event's
        ``guild_id`` (and has ``intent``, if given)."""
        await self._dispatch(event, data, intent=intent)

    async def _dispatch(
        self, event: str, data: dict[str, Any], *, intent: int | None = None
    ) -> list[_GatewaySession]:
        sent = []
        for session in self._listeners(_as_int(data.get("guild_id")), intent):
            await session.send({"op": 0, "t": event, "d": data})
            sent.append(session)
        return sent

    def _listeners(self, guild_id: int | None, intent: int | None) -> list[_GatewaySession]:
        """The identified connections that receive an event of ``guild_id`` (None: no guild)."""
        return [
            s
            for s in self._sessions
            if s.identified
            and not s.ws.closed
            and s.serves(guild_id)
            and (intent is None or s.intents & intent)
        ]

    def _find_guild(self, guild_id: object) -> FakeGuild | None:
        wanted = _as_int(guild_id)
        return next((g for g in self.guilds if g.id == wanted), None)

    # ------------------------------------------------------------------ injecting events

    async def slash_command(
        self,
        user: FakeUser | str | int,
        channel: FakeChannel | str | int,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        """Send a chat-input command: ``name`` may be ``"root"``, ``"root sub"``, ``"root group sub"``."""
        path = name.split()
        if group:
            path.append(group)
        if subcommand:
            path.extend(subcommand.split())
        if not 1 <= len(path) <= 3:
            raise ValueError(f"bad command path {path!r}")
        ch = self.channel(channel)
        guild = self.guild_of(ch)
        member = self.user(user, guild)
        command, guild_scope = self._find_command(path[0], guild)
        schema = command.get("options", []) if command else []
        for part in path[1:]:
            schema = next((o.get("options", []) for o in schema if o["name"] == part), [])
        resolved: dict[str, dict[str, Any]] = {}
        leaf = [
            self._option(key, value, schema, resolved, guild)
            for key, value in (options or {}).items()
        ]
        nested: list[dict[str, Any]] = leaf
        if len(path) >= 2:
            nested = [{"name": path[-1], "type": 1, "options": leaf}]
        if len(path) == 3:
            nested = [{"name": path[1], "type": 2, "options": nested}]
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.snowflake()),
            "name": path[0],
            "type": 1,
            "options": nested,
        }
        if guild_scope is not None:
            data["guild_id"] = str(guild_scope)
        if resolved:
            data["resolved"] = resolved
        return await self._send_interaction(2, member, ch, data, locale=locale)

    async def click_button(
        self,
        user: FakeUser | str | int,
        channel: FakeChannel | str | int,
        message_id: int | str,
        custom_id: str,
    ) -> SentInteraction:
        """Click the button ``custom_id`` on a stored message."""
        return await self._component(user, channel, message_id, custom_id, 2, None)

    async def select_menu(
        self,
        user: FakeUser | str | int,
        channel: FakeChannel | str | int,
        message_id: int | str,
        custom_id: str,
        values: list[str],
    ) -> SentInteraction:
        """Choose ``values`` in the string select ``custom_id`` on a stored message."""
        return await self._component(user, channel, message_id, custom_id, 3, values)

    async def submit_modal(
        self,
        user: FakeUser | str | int,
        channel: FakeChannel | str | int,
        custom_id: str,
        values: dict[str, str | list[str]] | None = None,
    ) -> SentInteraction:
        """Submit the modal ``custom_id`` the bot opened, with text-input (or select) values."""
        modal = self.modals.get(custom_id)
        if modal is None:
            raise ValueError(
                f"the bot never opened a modal {custom_id!r}; opened: {list(self.modals)}"
            )
        values = dict(values or {})
        components = [self._modal_row(c, values) for c in modal.get("components", [])]
        components = [c for c in components if c is not None]
        if values:
            raise ValueError(f"modal {custom_id!r} has no inputs {sorted(values)}")
        data = {"custom_id": custom_id, "components": components}
        source = self._modal_sources.get(custom_id)
        message = self._messages.get(source) if source is not None else None
        ch = self.channel(channel)
        return await self._send_interaction(
            5, self.user(user, self.guild_of(ch)), ch, data, message=message
        )

    async def send_user_message(
        self, user: FakeUser | str | int, channel: FakeChannel | str | int, content: str
    ) -> dict[str, Any]:
        """A user posts ``content``; returns the stored message payload (MESSAGE_CREATE sent)."""
        ch = self.channel(channel)
        guild = self.guild_of(ch)
        author = self.user(user, guild)
        msg = self._make_message(ch, author, {"content": content})
        event = dict(msg)
        if guild is not None:
            event["member"] = self.member_payload(author, with_user=False, guild=guild)
        intent = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
        bot_mentioned = any(m["id"] == str(self.bot_user.id) for m in msg["mentions"])
        for session in self._listeners(guild.id if guild is not None else None, intent):
            frame = dict(event)
            can_read = session.intents & INTENT_MESSAGE_CONTENT or bot_mentioned or ch.type == DM
            if not can_read:
                frame.update(content="", embeds=[], attachments=[], components=[])
            await session.send({"op": 0, "t": "MESSAGE_CREATE", "d": frame})
        return msg

    async def _component(
        self,
        user: FakeUser | str | int,
        channel: FakeChannel | str | int,
        message_id: int | str,
        custom_id: str,
        component_type: int,
        values: list[str] | None,
    ) -> SentInteraction:
        try:
            message = self._messages[int(message_id)]
        except KeyError:
            raise KeyError(f"no stored message {message_id}") from None
        found = [
            c
            for c in _walk_components(message.get("components", []))
            if c.get("custom_id") == custom_id
        ]
        if not found:
            raise ValueError(f"message {message_id} has no component with custom_id {custom_id!r}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        ch = self.channel(channel)
        return await self._send_interaction(
            3, self.user(user, self.guild_of(ch)), ch, data, message=message
        )

    def _modal_row(self, comp: dict[str, Any], values: dict[str, Any]) -> dict[str, Any] | None:
        if comp.get("type") == 1:
            inner = [self._modal_input(c, values) for c in comp.get("components", [])]
            return {"type": 1, "components": [c for c in inner if c is not None]}
        if comp.get("type") == 18:
            one = self._modal_input(comp.get("component", {}), values)
            if one is None:
                return None
            return {"type": 18, "id": comp.get("id", 0), "component": one}
        return None

    @staticmethod
    def _modal_input(comp: dict[str, Any], values: dict[str, Any]) -> dict[str, Any] | None:
        cid = comp.get("custom_id")
        if cid is None:
            return None
        value = values.pop(cid, None)
        if comp.get("type") == 4:
            return {"type": 4, "custom_id": cid, "value": value if value is not None else ""}
        listed = value if isinstance(value, list) else ([] if value is None else [value])
        return {"type": comp.get("type"), "custom_id": cid, "values": listed}

    async def _send_interaction(
        self,
        itype: int,
        member: FakeUser,
        channel: FakeChannel,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> SentInteraction:
        iid, token = self.snowflake(), f"fake-token-{secrets.token_hex(24)}"
        guild = self.guild_of(channel)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel.id),
            "channel": self.channel_payload(channel, permissions_for=member)
            if channel.type != DM
            else self.channel_payload(channel),
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self.permissions_of(self.bot_user, guild or self.guild)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 26214400,
        }
        if guild is not None:
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.member_payload(member, permissions=True, guild=guild),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                user=self.user_payload(member),
                authorizing_integration_owners={"0": str(member.id)},
                context=1,
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        inter = SentInteraction(
            id=iid,
            token=token,
            type=itype,
            channel_id=channel.id,
            user_id=member.id,
            application_id=self.application_id,
            payload=payload,
            message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[token] = inter
        sent = await self._dispatch("INTERACTION_CREATE", payload)
        inter.shards = [session.shard_id for session in sent]
        return inter

    def _find_command(
        self, name: str, guild: FakeGuild | None
    ) -> tuple[dict[str, Any] | None, int | None]:
        if guild is not None:
            guild_cmd = self._commands.get(guild.id, {}).get((1, name))
            if guild_cmd is not None:
                return guild_cmd, guild.id
        return self._commands.get(None, {}).get((1, name)), None

    def _option(
        self,
        name: str,
        value: Any,
        schema: list[dict[str, Any]],
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild | None,
    ) -> dict[str, Any]:
        spec = next((o for o in schema if o.get("name") == name), None)
        otype = spec["type"] if spec else _infer_option_type(value)
        if otype in (3, 4, 5, 10):
            cast = {3: str, 4: int, 5: bool, 10: float}[otype]
            return {"name": name, "type": otype, "value": cast(value)}
        if otype == 6 or (otype == 9 and not isinstance(value, FakeRole)):
            try:
                member = self.user(value, guild)
            except KeyError:
                if otype == 6:
                    raise
            else:
                resolved.setdefault("users", {})[str(member.id)] = self.user_payload(member)
                resolved.setdefault("members", {})[str(member.id)] = self.member_payload(
                    member, with_user=False, permissions=True, guild=guild
                )
                return {"name": name, "type": otype, "value": str(member.id)}
        if otype in (8, 9):
            role = self.role(value, guild)
            resolved.setdefault("roles", {})[str(role.id)] = self.role_payload(role)
            return {"name": name, "type": otype, "value": str(role.id)}
        if otype == 7:
            ch = self.channel(value, guild)
            data = self.channel_payload(ch, permissions_for=self.bot_user)
            resolved.setdefault("channels", {})[str(ch.id)] = data
            return {"name": name, "type": otype, "value": str(ch.id)}
        raise NotImplementedError(f"option type {otype} ({name!r}) is not supported by the fake")

    # ------------------------------------------------------------------ REST plumbing

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = _API_PREFIX.sub("", request.path)
        call = RestCall(method=request.method, path=path, query=dict(request.query))
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):  # discord.py sends no nested multipart
                    continue
                if part.name == "payload_json":
                    call.json = json.loads(await part.text())
                elif part.filename:
                    blob = await part.read()
                    files.append((part.filename, bytes(blob)))
            call.files = [name for name, _ in files]
            call.file_data = dict(files)
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                call.json = json.loads(raw)

        reply = await self._route(request, call, files)
        text = None if reply.body is None else json.dumps(reply.body)
        # A snapshot: stored messages keep changing after this answer.
        call.status, call.response = reply.status, None if text is None else json.loads(text)
        if reply.status == 429:
            self.count_429 += 1
        elif reply.status == 404 and isinstance(reply.body, dict) and reply.body.get("code") == 0:
            log.warning("fake discord: no route for %s %s", call.method, call.path)
        self._record(call)
        if text is None:
            return web.Response(status=reply.status, headers=reply.headers)
        headers = {"Content-Type": "application/json", **reply.headers}
        return web.Response(status=reply.status, body=text.encode(), headers=headers)

    async def _route(
        self, request: web.Request, call: RestCall, files: list[tuple[str, bytes]]
    ) -> _Reply:
        for method, regex, handler, needs_auth in self._routes:
            if method != call.method:
                continue
            match = regex.match(call.path)
            if match is None:
                continue
            auth = request.headers.get("Authorization")
            if needs_auth and auth != f"Bot {self.token}":
                return _Reply(401, {"message": "401: Unauthorized", "code": 0})
            try:
                return await handler(call, files, **match.groupdict())
            except _RouteError as exc:
                return exc.reply
        return _Reply(404, {"message": "404: Not Found", "code": 0})

    def _build_routes(
        self,
    ) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[_Reply]], bool]]:
        sf = r"(?P<{}>\d+)"
        cid, mid, gid, uid = sf.format("cid"), sf.format("mid"), sf.format("gid"), sf.format("uid")
        app, tok = sf.format("app"), r"(?P<token>[^/]+)"
        table: list[tuple[str, str, Callable[..., Awaitable[_Reply]], bool]] = [
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/users/@me", self._get_me, True),
            ("GET", f"/users/{uid}", self._get_user, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", f"/applications/{app}/commands", self._list_commands, True),
            ("PUT", f"/applications/{app}/commands", self._overwrite_commands, True),
            ("POST", f"/applications/{app}/commands", self._upsert_command, True),
            (
                "DELETE",
                f"/applications/{app}/commands/{sf.format('cmd')}",
                self._delete_command,
                True,
            ),
            ("GET", f"/applications/{app}/guilds/{gid}/commands", self._list_commands, True),
            ("PUT", f"/applications/{app}/guilds/{gid}/commands", self._overwrite_commands, True),
            ("POST", f"/applications/{app}/guilds/{gid}/commands", self._upsert_command, True),
            (
                "DELETE",
                f"/applications/{app}/guilds/{gid}/commands/{sf.format('cmd')}",
                self._delete_command,
                True,
            ),
            ("GET", f"/channels/{cid}", self._get_channel, True),
            ("PATCH", f"/channels/{cid}", self._edit_channel, True),
            ("DELETE", f"/channels/{cid}", self._delete_channel, True),
            ("GET", f"/channels/{cid}/messages", self._history, True),
            ("POST", f"/channels/{cid}/messages", self._create_message, True),
            ("POST", f"/channels/{cid}/messages/bulk-delete", self._bulk_delete, True),
            ("GET", f"/channels/{cid}/messages/{mid}", self._get_message, True),
            ("PATCH", f"/channels/{cid}/messages/{mid}", self._edit_message, True),
            ("DELETE", f"/channels/{cid}/messages/{mid}", self._delete_message, True),
            ("POST", f"/channels/{cid}/messages/{mid}/threads", self._thread_from_message, True),
            ("POST", f"/channels/{cid}/threads", self._thread_without_message, True),
            ("PUT", f"/channels/{cid}/thread-members/(?:@me|\\d+)", self._no_content, True),
            ("DELETE", f"/channels/{cid}/thread-members/(?:@me|\\d+)", self._no_content, True),
            ("POST", f"/channels/{cid}/typing", self._no_content, True),
            ("PUT", f"/channels/{cid}/(?:messages/)?pins/{mid}", self._no_content, True),
            ("DELETE", f"/channels/{cid}/(?:messages/)?pins/{mid}", self._no_content, True),
            ("PUT", f"/channels/{cid}/messages/{mid}/reactions/.+", self._no_content, True),
            ("DELETE", f"/channels/{cid}/messages/{mid}/reactions(?:/.*)?", self._no_content, True),
            ("GET", f"/guilds/{gid}", self._get_guild, True),
            ("GET", f"/guilds/{gid}/channels", self._get_guild_channels, True),
            ("GET", f"/guilds/{gid}/roles", self._get_roles, True),
            ("GET", f"/guilds/{gid}/members", self._get_members, True),
            ("GET", f"/guilds/{gid}/members/{uid}", self._get_member, True),
            ("PATCH", f"/guilds/{gid}/members/{uid}", self._edit_member, True),
            ("PUT", f"/guilds/{gid}/members/{uid}/roles/{sf.format('rid')}", self._add_role, True),
            (
                "DELETE",
                f"/guilds/{gid}/members/{uid}/roles/{sf.format('rid')}",
                self._remove_role,
                True,
            ),
            ("POST", f"/interactions/{sf.format('iid')}/{tok}/callback", self._callback, False),
            ("POST", f"/webhooks/{app}/{tok}", self._followup, False),
            (
                "GET",
                f"/webhooks/{app}/{tok}/messages/(?P<wmid>@original|\\d+)",
                self._webhook_get,
                False,
            ),
            (
                "PATCH",
                f"/webhooks/{app}/{tok}/messages/(?P<wmid>@original|\\d+)",
                self._webhook_edit,
                False,
            ),
            (
                "DELETE",
                f"/webhooks/{app}/{tok}/messages/(?P<wmid>@original|\\d+)",
                self._webhook_delete,
                False,
            ),
        ]
        return [(m, re.compile(f"^{p}$"), h, a) for m, p, h, a in table]

    # ------------------------------------------------------------------ REST handlers

    def _require_channel(self, cid: str) -> FakeChannel:
        try:
            return self.channel(int(cid))
        except KeyError:
            raise _RouteError(404, 10003, "Unknown Channel") from None

    def _require_message(self, cid: str | None, mid: str) -> dict[str, Any]:
        msg = self._messages.get(int(mid))
        if msg is None or (cid is not None and msg["channel_id"] != cid):
            raise _RouteError(404, 10008, "Unknown Message")
        return msg

    def _require_member(self, uid: str, guild: FakeGuild | None = None) -> FakeUser:
        try:
            return self.user(int(uid), guild)
        except KeyError:
            raise _RouteError(404, 10007, "Unknown Member") from None

    async def _no_content(self, call: RestCall, files: Any, **_: str) -> _Reply:
        return _Reply(204)

    async def _get_gateway(self, call: RestCall, files: Any) -> _Reply:
        return _Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, call: RestCall, files: Any) -> _Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        body = {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}
        return _Reply(200, body)

    async def _get_me(self, call: RestCall, files: Any) -> _Reply:
        me = self.user_payload(self.bot_user)
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return _Reply(200, me)

    async def _get_user(self, call: RestCall, files: Any, uid: str) -> _Reply:
        return _Reply(200, self.user_payload(self._require_member(uid)))

    async def _create_dm(self, call: RestCall, files: Any) -> _Reply:
        recipient = self._require_member(str(call.json["recipient_id"]))
        channel = next(
            (c for c in self._dm_channels.values() if c.recipient_id == recipient.id), None
        )
        if channel is None:
            channel = FakeChannel(f"dm-{recipient.name}", id=self.snowflake(), type=DM)
            channel.recipient_id = recipient.id
            self._dm_channels[channel.id] = channel
        return _Reply(200, self.channel_payload(channel))

    async def _get_application(self, call: RestCall, files: Any) -> _Reply:
        owner = FakeUser("server-owner", id=self.guild.owner_id)
        return _Reply(
            200,
            {
                "id": str(self.application_id),
                "name": self.bot_user.name,
                "icon": None,
                "description": "fake application",
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.user_payload(owner),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "bot": self.user_payload(self.bot_user),
            },
        )

    def _command_payload(self, body: dict[str, Any], gid: str | None) -> dict[str, Any]:
        scope = int(gid) if gid else None
        existing = self._commands.get(scope, {}).get((int(body.get("type", 1)), body["name"]))
        data = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **body,
        }
        data["id"] = existing["id"] if existing else str(self.snowflake())
        data["application_id"] = str(self.application_id)
        data["version"] = str(self.snowflake())
        if gid:
            data["guild_id"] = gid
        return data

    async def _list_commands(
        self, call: RestCall, files: Any, app: str, gid: str | None = None
    ) -> _Reply:
        return _Reply(200, self.app_commands(int(gid) if gid else None))

    async def _overwrite_commands(
        self, call: RestCall, files: Any, app: str, gid: str | None = None
    ) -> _Reply:
        if gid and all(g.id != int(gid) for g in self.guilds):
            raise _RouteError(403, 50001, "Missing Access")  # Discord's answer for a server the bot is not in
        commands = [self._command_payload(body, gid) for body in call.json or []]
        self._commands[int(gid) if gid else None] = {
            (int(c["type"]), c["name"]): c for c in commands
        }
        return _Reply(200, commands)

    async def _upsert_command(
        self, call: RestCall, files: Any, app: str, gid: str | None = None
    ) -> _Reply:
        command = self._command_payload(call.json, gid)
        self._commands.setdefault(int(gid) if gid else None, {})[
            (int(command["type"]), command["name"])
        ] = command
        return _Reply(201, command)

    async def _delete_command(
        self, call: RestCall, files: Any, app: str, cmd: str, gid: str | None = None
    ) -> _Reply:
        scope = self._commands.get(int(gid) if gid else None, {})
        for key, value in list(scope.items()):
            if value["id"] == cmd:
                del scope[key]
        return _Reply(204)

    async def _get_channel(self, call: RestCall, files: Any, cid: str) -> _Reply:
        return _Reply(200, self.channel_payload(self._require_channel(cid)))

    async def _edit_channel(self, call: RestCall, files: Any, cid: str) -> _Reply:
        channel = self._require_channel(cid)
        body = call.json or {}
        for key in (
            "name",
            "topic",
            "archived",
            "locked",
            "rate_limit_per_user",
            "auto_archive_duration",
        ):
            if key in body:
                setattr(channel, key, body[key])
        payload = self.channel_payload(channel)
        if channel.is_thread:
            await self.dispatch("THREAD_UPDATE", payload)
        else:
            await self.dispatch("CHANNEL_UPDATE", payload)
        return _Reply(200, payload)

    async def _delete_channel(self, call: RestCall, files: Any, cid: str) -> _Reply:
        channel = self._require_channel(cid)
        payload = self.channel_payload(channel)
        guild = self.guild_of(channel)
        if guild is not None:
            guild.channels.remove(channel)
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        await self.dispatch(event, payload)
        return _Reply(200, payload)

    async def _history(self, call: RestCall, files: Any, cid: str) -> _Reply:
        self._require_channel(cid)
        messages = [m for m in self._messages.values() if m["channel_id"] == cid]
        before, after = call.query.get("before"), call.query.get("after")
        if before:
            messages = [m for m in messages if int(m["id"]) < int(before)]
        if after:
            messages = [m for m in messages if int(m["id"]) > int(after)]
        limit = int(call.query.get("limit", 50))
        newest_first = list(reversed(messages))
        return _Reply(200, newest_first[:limit])

    async def _create_message(
        self, call: RestCall, files: list[tuple[str, bytes]], cid: str
    ) -> _Reply:
        channel = self._require_channel(cid)
        body = call.json or {}
        if not (body.get("content") or body.get("embeds") or body.get("components") or files):
            raise _RouteError(400, 50006, "Cannot send an empty message")
        msg = self._make_message(channel, self.bot_user, body, files)
        if self.echo_bot_messages:
            await self.dispatch("MESSAGE_CREATE", msg)
        return _Reply(200, msg)

    async def _get_message(self, call: RestCall, files: Any, cid: str, mid: str) -> _Reply:
        return _Reply(200, self._require_message(cid, mid))

    def _rate_limited(self, message_id: int) -> _Reply | None:
        if self._edit_limit is None:
            return None
        limit, per = self._edit_limit
        now = self._clock()
        stamps = [t for t in self._edit_stamps.get(message_id, []) if now - t < per]
        self._edit_stamps[message_id] = stamps
        if len(stamps) < limit:
            stamps.append(now)
            return None
        retry = max(stamps[0] + per - now, 0.001)
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry, 3),
            "global": False,
        }
        headers = {
            "Retry-After": str(math.ceil(retry)),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
            "X-RateLimit-Reset-After": f"{retry:.3f}",
            "X-RateLimit-Bucket": "fake-message-edit",
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",
        }
        return _Reply(429, body, headers)

    async def _edit_message(
        self, call: RestCall, files: list[tuple[str, bytes]], cid: str, mid: str
    ) -> _Reply:
        msg = self._require_message(cid, mid)
        limited = self._rate_limited(int(mid))
        if limited is not None:
            return limited
        self._apply_edit(msg, call.json or {}, files)
        if self.echo_bot_messages:
            await self.dispatch("MESSAGE_UPDATE", msg)
        return _Reply(200, msg)

    async def _delete_message(self, call: RestCall, files: Any, cid: str, mid: str) -> _Reply:
        msg = self._require_message(cid, mid)
        await self._forget_message(msg)
        return _Reply(204)

    async def _forget_message(self, msg: dict[str, Any]) -> None:
        self._messages.pop(int(msg["id"]), None)
        self.deleted_message_ids.append(int(msg["id"]))
        if self.echo_bot_messages:
            event = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                event["guild_id"] = msg["guild_id"]
            await self.dispatch("MESSAGE_DELETE", event)

    async def _bulk_delete(self, call: RestCall, files: Any, cid: str) -> _Reply:
        for mid in (call.json or {}).get("messages", []):
            msg = self._messages.get(int(mid))
            if msg is not None and msg["channel_id"] == cid:
                await self._forget_message(msg)
        return _Reply(204)

    async def _new_thread(
        self, parent: FakeChannel, body: dict[str, Any], tid: int, ttype: int
    ) -> _Reply:
        if parent.is_thread or parent.type == DM:
            raise _RouteError(400, 50024, "Cannot execute action on this channel type")
        thread = FakeChannel(
            body.get("name", "thread"),
            id=tid,
            type=ttype,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        )
        (self.guild_of(parent) or self.guild).channels.append(thread)
        payload = self.channel_payload(thread)
        payload["member"] = {
            "id": str(thread.id),
            "user_id": str(self.bot_user.id),
            "join_timestamp": _now_iso(),
            "flags": 0,
        }
        await self.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return _Reply(201, payload)

    async def _thread_from_message(self, call: RestCall, files: Any, cid: str, mid: str) -> _Reply:
        parent = self._require_channel(cid)
        msg = self._require_message(cid, mid)
        if any(c.id == int(mid) for g in self.guilds for c in g.channels):
            raise _RouteError(400, 160004, "A thread has already been created for this message")
        reply = await self._new_thread(parent, call.json or {}, int(mid), PUBLIC_THREAD)
        msg["thread"] = reply.body
        return reply

    async def _thread_without_message(self, call: RestCall, files: Any, cid: str) -> _Reply:
        parent = self._require_channel(cid)
        body = call.json or {}
        return await self._new_thread(
            parent, body, self.snowflake(), int(body.get("type") or PRIVATE_THREAD)
        )

    async def _get_guild(self, call: RestCall, files: Any, gid: str) -> _Reply:
        guild = self._require_guild(gid)
        data = self.guild_payload(guild)
        data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return _Reply(200, data)

    def _require_guild(self, gid: str) -> FakeGuild:
        guild = self._find_guild(gid)
        if guild is None:
            raise _RouteError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild_channels(self, call: RestCall, files: Any, gid: str) -> _Reply:
        guild = self._require_guild(gid)
        return _Reply(200, [self.channel_payload(c) for c in guild.channels if not c.is_thread])

    async def _get_roles(self, call: RestCall, files: Any, gid: str) -> _Reply:
        guild = self._require_guild(gid)
        return _Reply(200, [self.role_payload(r) for r in guild.roles])

    async def _get_members(self, call: RestCall, files: Any, gid: str) -> _Reply:
        guild = self._require_guild(gid)
        return _Reply(200, [self.member_payload(m, guild=guild) for m in guild.members])

    async def _get_member(self, call: RestCall, files: Any, gid: str, uid: str) -> _Reply:
        guild = self._require_guild(gid)
        return _Reply(200, self.member_payload(self._require_member(uid, guild), guild=guild))

    async def _edit_member(self, call: RestCall, files: Any, gid: str, uid: str) -> _Reply:
        guild = self._require_guild(gid)
        member, body = self._require_member(uid, guild), call.json or {}
        if "nick" in body:
            member.nick = body["nick"]
        if "communication_disabled_until" in body:
            member.timed_out_until = body["communication_disabled_until"]
        if "roles" in body:
            member.roles = [self.role(int(r), guild).name for r in body["roles"]]
        payload = self.member_payload(member, guild=guild)
        await self.dispatch("GUILD_MEMBER_UPDATE", {**payload, "guild_id": gid})
        return _Reply(200, payload)

    async def _add_role(self, call: RestCall, files: Any, gid: str, uid: str, rid: str) -> _Reply:
        guild = self._require_guild(gid)
        member, role = self._require_member(uid, guild), self.role(int(rid), guild)
        if role.name not in member.roles:
            member.roles.append(role.name)
        return _Reply(204)

    async def _remove_role(
        self, call: RestCall, files: Any, gid: str, uid: str, rid: str
    ) -> _Reply:
        guild = self._require_guild(gid)
        member, role = self._require_member(uid, guild), self.role(int(rid), guild)
        if role.name in member.roles:
            member.roles.remove(role.name)
        return _Reply(204)

    # ------------------------------------------------------------------ interactions

    def _require_interaction(self, token: str) -> SentInteraction:
        inter = self._interactions.get(token)
        if inter is None:
            raise _RouteError(404, 10062, "Unknown interaction")
        return inter

    async def _callback(
        self, call: RestCall, files: list[tuple[str, bytes]], iid: str, token: str
    ) -> _Reply:
        inter = self._require_interaction(token)
        if inter.id != int(iid):
            raise _RouteError(404, 10062, "Unknown interaction")
        if inter.callback_type is not None:
            raise _RouteError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        ctype, data = int(body.get("type", 0)), body.get("data") or {}
        channel = self.channel(inter.channel_id)
        message: dict[str, Any] | None = None
        if ctype == 1:
            inter.callback_type = ctype
            return _Reply(204)
        if ctype == 4:
            mtype = 20 if inter.type == 2 else 0
            message = self._make_message(
                channel, self.bot_user, data, files, message_type=mtype, from_interaction=True
            )
        elif ctype == 5:
            placeholder = {"flags": FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)}
            mtype = 20 if inter.type == 2 else 0
            message = self._make_message(
                channel, self.bot_user, placeholder, message_type=mtype, from_interaction=True
            )
        elif ctype in (6, 7):
            if inter.message_id is None or inter.message_id not in self._messages:
                raise _RouteError(400, 50035, "Invalid Form Body: interaction has no message")
            if ctype == 7:
                message = self._messages[inter.message_id]
                self._apply_edit(message, data, files)
            inter.original_message_id = inter.message_id
        elif ctype == 9:
            self.modals[data.get("custom_id", "")] = data
            self._modal_sources[data.get("custom_id", "")] = inter.message_id
        elif ctype != 8:
            raise _RouteError(400, 50035, f"Invalid Form Body: callback type {ctype}")
        inter.callback_type = ctype
        info: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        out: dict[str, Any] = {"interaction": info}
        if message is not None:
            inter.original_message_id = int(message["id"])
            info.update(
                response_message_id=message["id"],
                response_message_loading=ctype == 5,
                response_message_ephemeral=bool(int(message.get("flags") or 0) & FLAG_EPHEMERAL),
            )
            out["resource"] = {"type": ctype, "message": message}
        if self.echo_bot_messages and message is not None and ctype in (4, 5):
            await self.dispatch("MESSAGE_CREATE", message)
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return _Reply(204)
        return _Reply(200, out)

    def _webhook_message(self, inter: SentInteraction, wmid: str) -> dict[str, Any]:
        if wmid == "@original":
            if inter.original_message_id is None or inter.original_message_id not in self._messages:
                raise _RouteError(404, 10008, "Unknown Message")
            return self._messages[inter.original_message_id]
        msg = self._require_message(None, wmid)
        return msg

    async def _followup(
        self, call: RestCall, files: list[tuple[str, bytes]], app: str, token: str
    ) -> _Reply:
        inter = self._require_interaction(token)
        if inter.callback_type is None:
            raise _RouteError(404, 10015, "Unknown Webhook")
        channel = self.channel(int(call.query.get("thread_id") or inter.channel_id))
        body = call.json or {}
        message = self._make_message(channel, self.bot_user, body, files, from_interaction=True)
        if self.echo_bot_messages:
            await self.dispatch("MESSAGE_CREATE", message)
        if call.query.get("wait", "").lower() in ("true", "1"):
            return _Reply(200, message)
        return _Reply(204)

    async def _webhook_get(
        self, call: RestCall, files: Any, app: str, token: str, wmid: str
    ) -> _Reply:
        return _Reply(200, self._webhook_message(self._require_interaction(token), wmid))

    async def _webhook_edit(
        self, call: RestCall, files: list[tuple[str, bytes]], app: str, token: str, wmid: str
    ) -> _Reply:
        message = self._webhook_message(self._require_interaction(token), wmid)
        limited = self._rate_limited(int(message["id"]))
        if limited is not None:
            return limited
        self._apply_edit(message, call.json or {}, files)
        if self.echo_bot_messages:
            await self.dispatch("MESSAGE_UPDATE", message)
        return _Reply(200, message)

    async def _webhook_delete(
        self, call: RestCall, files: Any, app: str, token: str, wmid: str
    ) -> _Reply:
        message = self._webhook_message(self._require_interaction(token), wmid)
        await self._forget_message(message)
        return _Reply(204)


# --------------------------------------------------------------------------- helpers


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    if isinstance(value, FakeRole):
        return 8
    return 3


def _walk_components(components: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components", []))
        if isinstance(comp.get("component"), dict):
            yield from _walk_components([comp["component"]])
        if isinstance(comp.get("accessory"), dict):
            yield comp["accessory"]
