"""`SlackPort`: the core's ChatPort on the Slack Web API.

Channel references: `ChannelRef("slack", <team id>, <channel>)` where `<channel>` is a channel id
(`C0123`) or, for a debate's thread, `<channel id>/<thread ts>` (`C0123/1700000000.000100`).
Message ids are message timestamps (`ts`); a posted file answers with its file id.

Edits (`chat.update`) never hold up the caller: the newest card of each message is kept and sent
by one background sender per message, at most once per `min_edit_interval` seconds per message
(counted from Slack's answer to the previous edit) and at most `edits_per_minute` times per
workspace (below Slack's tier-3 ~50 a minute). When the budget is spent the edit waits on the
clock; it is never dropped, and the last card wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card
from bot.core.kernel.errors import RuleError
from bot.core.kernel.tally import EditLog
from bot.core.ports import Clock, Metrics, NoMetrics

log = logging.getLogger(__name__)
PLATFORM = "slack"
EDITS_PER_MINUTE = 40
EDIT_WINDOW = 60.0
MAX_RATE_LIMITED = 10
POST_TRIES = 3
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
MessageKey = tuple[str, str, str]  # team, channel id, ts


class Tokens(Protocol):
    async def token(self, team: str) -> str | None:
        """The workspace's bot token; None when it has none."""
        ...


def split_ref(ref: ChannelRef) -> tuple[str, str | None]:
    """(channel id, thread ts or None) of a Slack channel reference."""
    channel, _, thread = ref.channel.partition("/")
    return channel, thread or None


def channel_ref(team: str, channel: str, thread_ts: str | None = None) -> ChannelRef:
    return ChannelRef(PLATFORM, team, f"{channel}/{thread_ts}" if thread_ts else channel)


def retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asks to wait when it answered 429, else None."""
    response = exc.response
    if getattr(response, "status_code", None) != 429:
        return None
    try:
        return max(1.0, float(response.headers.get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0


class WebSocketSession(Protocol):
    @property
    def closed(self) -> bool: ...


class SocketConnection(Protocol):
    """What GET /healthz reads of slack-sdk's Socket Mode client (its state, without I/O)."""

    @property
    def closed(self) -> bool: ...

    @property
    def stale(self) -> bool: ...

    @property
    def current_session(self) -> WebSocketSession | None: ...


class EditBudget:
    """A sliding window of `chat.update` calls per workspace, on the injected clock."""

    def __init__(self, clock: Clock, limit: int = EDITS_PER_MINUTE, window: float = EDIT_WINDOW) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._sent: dict[str, deque[datetime]] = {}
        self._blocked: dict[str, datetime] = {}

    def wait(self, team: str) -> float:
        """Seconds until `team` may send one more edit (0 when it may now)."""
        now = self.clock.now()
        blocked = self._blocked.get(team)
        if blocked is not None and blocked > now:
            return (blocked - now).total_seconds()
        sent = self._sent.setdefault(team, deque())
        while sent and (now - sent[0]).total_seconds() >= self.window:
            sent.popleft()
        if len(sent) < self.limit:
            return 0.0
        return max(0.001, self.window - (now - sent[0]).total_seconds())

    def record(self, team: str) -> None:
        self._sent.setdefault(team, deque()).append(self.clock.now())

    def release(self, team: str) -> None:
        """Give back the edit last recorded (it was not sent after all)."""
        sent = self._sent.get(team)
        if sent:
            sent.pop()

    def block(self, team: str, seconds: float) -> None:
        """Slack answered 429: nothing more for this workspace for `seconds`."""
        self._blocked[team] = self.clock.now() + timedelta(seconds=seconds)

    def used(self, team: str) -> int:
        self.wait(team)
        return len(self._sent.get(team, ()))


def _log_key(key: MessageKey) -> str:
    return "slack:" + ":".join(key)


class SlackPort:
    """The ChatPort of Slack; one Web API client per workspace (team id), or one for all."""

    platform = PLATFORM
    min_edit_interval = 3.0

    def health(self) -> str | None:
        """None while events can arrive (GET /healthz), else the reason."""
        if self.connection_problem:
            return self.connection_problem
        socket = self.socket
        if socket is not None and (socket.closed or socket.stale or socket.current_session is None
                                   or socket.current_session.closed):
            return "the Socket Mode connection to Slack is down (slack-sdk is reconnecting)"
        return None

    def __init__(self, client: AsyncWebClient, clock: Clock, *, clients: dict[str, AsyncWebClient] | None = None,
                 edits_per_minute: int = EDITS_PER_MINUTE, edit_log: EditLog | None = None,
                 tokens: Tokens | None = None, metrics: Metrics | None = None) -> None:
        """`edit_log` (the store): each message's last edit as every process sees it, so that
        several processes, or one after a restart, never edit a message sooner than the interval.
        `tokens` (many workspaces): each call carries its workspace's own token from there, and a
        workspace without one is refused; `client` then only lends its base URL and timeout."""
        self.client = client
        self.tokens = tokens
        self.edit_log = edit_log
        self.metrics: Metrics = metrics or NoMetrics()  # chat.update calls and 429s, for GET /metrics
        # what GET /healthz says of Slack: the runner clears it once events can arrive
        self.connection_problem: str | None = "not connected to Slack yet"
        self.socket: SocketConnection | None = None  # Socket Mode's connection, once made
        self.clients: dict[str, AsyncWebClient] = dict(clients or {})
        self.clock = clock
        self.budget = EditBudget(clock, edits_per_minute)
        self._latest: dict[MessageKey, Card] = {}
        self._senders: dict[MessageKey, asyncio.Task[None]] = {}
        self._last_edit: dict[MessageKey, datetime] = {}
        self._in_flight = 0

    async def client_for(self, team: str) -> AsyncWebClient:
        """The workspace's client: with `tokens`, one carrying that workspace's current token.

        Raises:
            RuleError: `slack.error.not_installed`, the workspace has no installation.
        """
        if self.tokens is None:
            return self.clients.get(team, self.client)
        token = await self.tokens.token(team)
        if token is None:
            raise RuleError("slack.error.not_installed")
        client = self.clients.get(team)
        if client is None or client.token != token:  # first call, or the token was rotated
            client = AsyncWebClient(token=token, base_url=self.client.base_url, timeout=self.client.timeout)
            self.clients[team] = client
        return client

    def forget_workspace(self, team: str) -> None:
        """The workspace uninstalled the app: its queued tally edits are dropped, its client goes."""
        self.clients.pop(team, None)
        for key in [k for k in self._latest if k[0] == team]:
            del self._latest[key]
        for key, task in list(self._senders.items()):
            if key[0] == team:
                task.cancel()

    # --- ChatPort ---

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        """Post `card` in the channel; the debate lives in that message's thread."""
        chan, _ = split_ref(channel)
        ts = await self.post(channel_ref(channel.workspace, chan), card)
        return channel_ref(channel.workspace, chan, ts), ts

    async def post(self, channel: ChannelRef, card: Card) -> str:
        """Post in the channel or thread; a file goes along as an upload into the same place.

        A card with only a title and body and a file becomes one upload with that text as its
        comment; a card with fields or buttons is posted as a message, then the file follows.
        """
        chan, thread = split_ref(channel)
        client = await self.client_for(channel.workspace)
        if card.attachment is not None and not (card.fields or card.buttons):
            return await self._upload(client, chan, thread, card, comment=True)
        args: dict[str, Any] = {"channel": chan, **blocks.message(card)}
        if thread:
            args["thread_ts"] = thread
        response = await self._call(client.chat_postMessage, args)
        if card.attachment is not None:
            await self._upload(client, chan, thread, card, comment=False)
        return str(response["ts"])

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        """Queue `card` as the message's new state; a background sender delivers the newest one."""
        chan, _ = split_ref(channel)
        key = (channel.workspace, chan, message_id)
        self._latest[key] = card
        task = self._senders.get(key)
        if task is None or task.done():
            self._senders[key] = asyncio.create_task(self._send_edits(key), name=f"slack-edit-{message_id}")

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        """An ephemeral message (in the thread when `channel` is one); a file goes to the user's DM."""
        chan, thread = split_ref(channel)
        client = await self.client_for(channel.workspace)
        only_file = card.attachment is not None and not (card.fields or card.buttons)
        if not only_file:
            args: dict[str, Any] = {"channel": chan, "user": user_id, **blocks.message(card)}
            if thread:
                args["thread_ts"] = thread
            try:
                await self._call(client.chat_postEphemeral, args)
            except (SlackApiError, RuleError):
                log.warning("ephemeral message to %s in %s failed; sending it as a direct message", user_id, chan)
                await self._call(client.chat_postMessage, {"channel": user_id, **blocks.message(card)})
        if card.attachment is not None:
            dm = await self._call(client.conversations_open, {"users": user_id})
            await self._upload(client, dm["channel"]["id"], None, card, comment=only_file)

    # --- edits ---

    async def _send_edits(self, key: MessageKey) -> None:
        limited = 0
        try:
            while key in self._latest:
                await self._wait_turn(key)
                card = self._latest.pop(key, None)
                if card is None:
                    break
                outcome = await self._update(key, card)
                # spaced from when Slack answered, so network jitter never squeezes two edits closer
                self._last_edit[key] = self.clock.now()
                await self._record(key)
                if outcome is None:
                    limited = 0
                    continue
                limited += 1
                if limited >= MAX_RATE_LIMITED:
                    log.error("giving up on editing %s after %d rate limits", key, limited)
                    self._latest.pop(key, None)
                    break
                self._latest.setdefault(key, card)  # a newer card, if any, wins
                self.budget.block(key[0], outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("editing Slack message %s failed", key)
        finally:
            if self._senders.get(key) is asyncio.current_task():
                del self._senders[key]

    async def _wait_turn(self, key: MessageKey) -> None:
        """Wait until this message and its workspace may take one more edit, then take it."""
        while True:
            now = self.clock.now()
            last = self._last_edit.get(key)
            wait = 0.0 if last is None else self.min_edit_interval - (now - last).total_seconds()
            if wait <= 0:
                wait = self.budget.wait(key[0])
            if wait <= 0:
                # taken before any await, so that senders running meanwhile see the budget spent
                self.budget.record(key[0])
                if self.edit_log is not None:
                    taken = await self.edit_log.claim_edit(_log_key(key), now, self.min_edit_interval)
                    if taken is not None:  # another process edited it meanwhile: wait out its interval
                        self.budget.release(key[0])
                        self._last_edit[key] = taken
                        continue
                return
            await self.clock.sleep(wait)

    async def _record(self, key: MessageKey) -> None:
        if self.edit_log is None:
            return
        try:
            await self.edit_log.record_edit(_log_key(key), self._last_edit[key])
        except Exception:
            log.exception("could not record the edit of %s", key)

    async def _update(self, key: MessageKey, card: Card) -> float | None:
        """Send one chat.update; returns Slack's Retry-After when it answered 429, else None."""
        team, chan, ts = key
        self._in_flight += 1
        try:
            await (await self.client_for(team)).chat_update(channel=chan, ts=ts, **blocks.message(card))
            self.metrics.tally_edit(PLATFORM)
        except RuleError:  # the workspace uninstalled the app meanwhile: nobody to show it to
            log.info("not editing %s: workspace %s has no installation", key, team)
            self._latest.pop(key, None)
            return None
        except SlackApiError as exc:
            wait = retry_after(exc)
            if wait is not None:
                self.metrics.rate_limited(PLATFORM)
                log.warning("chat.update rate limited in %s; retrying in %.0f s", team, wait)
                return wait
            log.warning("chat.update of %s failed: %s", key, exc.response.get("error"))
            return None
        finally:
            self._in_flight -= 1
        return None

    async def idle(self) -> None:
        """Wait until every queued edit is sent (tests; the clock must move if edits wait on it)."""
        while self._senders:
            await asyncio.gather(*list(self._senders.values()), return_exceptions=True)

    def senders(self) -> list[asyncio.Task[None]]:
        """The tasks delivering edits (a test on a fake clock settles them before moving it)."""
        return list(self._senders.values())

    def pending_edits(self) -> int:
        """Messages whose newest card is not sent yet."""
        return len(self._latest)

    @property
    def busy(self) -> bool:
        """An edit is on its way to Slack right now."""
        return self._in_flight > 0

    async def close(self) -> None:
        for task in list(self._senders.values()):
            task.cancel()
        await asyncio.gather(*list(self._senders.values()), return_exceptions=True)
        self._senders.clear()

    # --- calls ---

    async def _call(self, method, args: dict[str, Any]):
        """Call a Web API method, waiting out a 429 on the clock; a channel the bot cannot reach is refused."""
        for attempt in range(POST_TRIES):
            try:
                return await method(**args)
            except SlackApiError as exc:
                wait = retry_after(exc)
                if wait is not None:
                    self.metrics.rate_limited(PLATFORM)
                if wait is not None and attempt + 1 < POST_TRIES:
                    await self.clock.sleep(wait)
                    continue
                if exc.response.get("error") in NOT_IN_CHANNEL:
                    raise RuleError("slack.error.not_in_channel") from exc
                raise
        raise AssertionError("unreachable")

    async def _upload(self, client: AsyncWebClient, chan: str, thread: str | None, card: Card,
                      comment: bool) -> str:
        attachment = card.attachment
        assert attachment is not None
        args: dict[str, Any] = {
            "channel": chan,
            "filename": attachment.filename,
            "title": attachment.filename,
            "content": attachment.data,
        }
        if comment:
            args["initial_comment"] = blocks.fallback_text(card)
        if thread:
            args["thread_ts"] = thread
        response = await self._call(client.files_upload_v2, args)
        file = response.get("file") or (response.get("files") or [{}])[0]
        return str(file.get("id", ""))
