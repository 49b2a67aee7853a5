"""The slack-bolt listeners: Slack payloads in, core requests out, replies back to Slack.

Every listener calls `ack()` first, before any lookup or database work, and then runs the
request through `Core.handle`; the user's confirmation follows once the core has stored what it
must (a vote is confirmed after its commit). A repeated delivery never acts twice: each
request carries a key that is the same for Slack's retries and for a repeated payload —
slash commands by `trigger_id`, buttons by message ts + action ts + user, modals by view id,
events by `event_id` (Slack's retries, HTTP `X-Slack-Retry-Num` or Socket Mode
`retry_attempt`, resend the same id). Listeners never let an exception escape (bolt 1.30 can
then answer a late 404 after it already acknowledged).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import forms
from bot.adapters.slack import blocks
from bot.adapters.slack.port import PLATFORM, SlackPort, channel_ref
from bot.adapters.slack.users import USER_TTL, Directory, error_of
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.buttons import button_command, opens_ballot
from bot.core.kernel.cards import Reply
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.service import Core

log = logging.getLogger(__name__)
SLASH_COMMANDS = ("debate", "vote", "speak", "ask", "poll", "mod", "motions", "formats", "discuss", "claim", "help")
BUTTON_IDS = re.compile(r"^(debate|poll|claim):\d+:")  # the stable ids of bot.core.kernel.buttons


def _key(team: str, kind: str, *parts: object) -> str | None:
    """The dedupe key of a delivery; None (no de-duplication) when Slack left a part out."""
    if not all(parts):
        return None
    return ":".join(("slack", team, kind, *map(str, parts)))


class SlackBot:
    """The listeners of one AsyncApp, on one core and its SlackPort."""

    def __init__(self, core: Core, port: SlackPort, *, moderators: frozenset[str] = frozenset(),
                 user_ttl: float = USER_TTL) -> None:
        self.core = core
        self.port = port
        self.moderators = moderators
        self.directory = Directory(port, core.clock, user_ttl)

    async def is_moderator(self, actor: Actor) -> bool:
        """Slack admins/owners and SLACK_MODERATORS moderate (the core asks this for Slack's
        actors, before the admin flag and moderation's roles: see `Core.attach`)."""
        if actor.platform != PLATFORM:
            return False
        if actor.user_id in self.moderators or f"{actor.workspace}:{actor.user_id}" in self.moderators:
            return True
        return (await self.directory.user(actor.workspace, actor.user_id, actor.name)).is_admin

    def register(self, app: AsyncApp) -> None:
        for name in SLASH_COMMANDS:
            app.command(f"/{name}")(self.on_command)
        app.action(BUTTON_IDS)(self.on_button)
        app.view(blocks.SPEECH_CALLBACK)(self.on_view)
        app.view(blocks.BALLOT_CALLBACK)(self.on_view)
        app.event("app_mention")(self.on_mention)

    # --- listeners: ack first, then the work, never raising ---

    async def on_command(self, ack, body: dict[str, Any], respond) -> None:
        await ack()
        await self._safely(self.command(body, respond), body)

    async def on_button(self, ack, body: dict[str, Any], respond) -> None:
        await ack()
        await self._safely(self.button(body, respond), body)

    async def on_view(self, ack, body: dict[str, Any]) -> None:
        await ack()
        await self._safely(self.submitted(body), body)

    async def on_mention(self, body: dict[str, Any]) -> None:
        await self._safely(self.mention(body), body)

    async def _safely(self, work: Awaitable[None], body: dict[str, Any]) -> None:
        inflight = self.core.inflight  # a graceful stop waits until every answer is posted
        inflight.enter()
        try:
            await work
        except Exception:
            log.exception("Slack request failed: %s", body.get("type") or body.get("command"))
        finally:
            inflight.leave()

    # --- the work ---

    async def actor(self, team: str, user_id: str, fallback: str = "") -> Actor:
        user = await self.directory.user(team, user_id, fallback)
        return Actor(PLATFORM, team, user_id, user.name, is_admin=user.is_admin, roles=user.roles)

    async def command(self, body: dict[str, Any], respond: Callable | None = None) -> None:
        team, user_id = body.get("team_id", ""), body["user_id"]
        name, text = body["command"].lstrip("/").lower(), blocks.unescape(body.get("text") or "").strip()
        ref = channel_ref(team, body["channel_id"])
        key = _key(team, "command", body.get("trigger_id"))
        actor = await self.actor(team, user_id, body.get("user_name", ""))
        if name == "speak" and not text:
            if await self.core.seen_before(key, PLATFORM):
                return
            replies = await self.open_speech_modal(body, ref, actor)
            if replies is not None:
                await self.deliver(replies, ref, ref, user_id, respond)
                return
            key = None  # no modal after all: the core explains why, once
        line = f"/{name} {text}".rstrip()
        replies = await self.core.handle(Request(actor, ref, line, dedupe_key=key))
        await self.deliver(replies, ref, ref, user_id, respond)

    async def open_speech_modal(self, body: dict[str, Any], ref: ChannelRef, actor: Actor) -> list[Reply] | None:
        """`/speak` without text: the speech form (`forms.speech_form`) as a modal.

        Returns the refusal to show instead (the core's own rule, asked without I/O), `[]` once the
        modal is open, or None when Slack would not open it.
        """
        try:
            form = forms.speech_form(self.core, actor, ref)
        except RuleError as exc:
            lang = await self.core.language(ref)
            return [self.core.error_reply(lang, exc.key, exc.usage, exc.handback, exc.params)]
        return await self._open(ref.workspace, body, self.form_view(form, blocks.SPEECH_CALLBACK, multiline=True,
                                                                     metadata={"channel": ref.channel}))

    async def open_ballot_modal(self, body: dict[str, Any], custom_id: str, ref: ChannelRef,
                                private: ChannelRef) -> list[Reply] | None:
        """A ranked poll's "Rank…" button: the ranking form (`forms.ranking_form`) as a modal."""
        form = forms.ranking_form(self.core, custom_id, await self.core.language(ref), blocks.BALLOT_LIMIT)
        metadata = {"button": custom_id, "channel": ref.channel, "private": private.channel}
        return await self._open(ref.workspace, body, self.form_view(form, blocks.BALLOT_CALLBACK, multiline=False,
                                                                     metadata=metadata))

    def form_view(self, form: forms.Form, callback_id: str, *, multiline: bool,
                  metadata: dict[str, str]) -> dict[str, Any]:
        def text(part: str) -> str:
            return form.text(self.core, PLATFORM, part)

        return blocks.text_modal(
            callback_id=callback_id, title=text("title"), submit=text("submit"), close=text("close"),
            label=text("label"), placeholder=text("placeholder"), hint=text("hint"), max_length=form.max_length,
            multiline=multiline, metadata=metadata,
        )

    async def _open(self, team: str, body: dict[str, Any], view: dict[str, Any]) -> list[Reply] | None:
        try:
            await (await self.port.client_for(team)).views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            log.warning("Slack would not open a modal: %s", error_of(exc))
            return None
        return []

    async def button(self, body: dict[str, Any], respond: Callable | None = None) -> None:
        action = (body.get("actions") or [{}])[0]
        custom_id = str(action.get("action_id") or "")
        parsed = button_command(custom_id)
        opens = opens_ballot(custom_id)
        if parsed is None and opens is None:
            log.info("a click on an unknown button %r", custom_id)
            return
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        message_ts = container.get("message_ts") or message.get("ts", "")
        thread = message.get("thread_ts")
        key = _key(team, "action", message_ts or container.get("view_id"), action.get("action_ts"), user.get("id"))
        ref = channel_ref(team, channel, thread)
        private = channel_ref(team, channel, thread if thread and thread != message_ts else None)
        if parsed is None:
            if not await self.core.seen_before(key, PLATFORM):
                replies = await self.open_ballot_modal(body, custom_id, ref, private)
                await self.deliver(replies or [], ref, private, user["id"], respond)
            return
        command, target = parsed
        actor = await self.actor(team, user["id"], user.get("name") or user.get("username") or "")
        debate_id = target if custom_id.startswith("debate:") else None
        replies = await self.core.handle(Request(actor, ref, command=command, dedupe_key=key, debate_id=debate_id))
        await self.deliver(replies, ref, private, user["id"], respond)

    async def submitted(self, body: dict[str, Any]) -> None:
        """A modal was submitted: a speech (`/speak <text>`) or a whole ranked ballot."""
        view = body.get("view") or {}
        team = (body.get("team") or {}).get("id") or view.get("team_id", "")
        user = body.get("user") or {}
        meta = json.loads(view.get("private_metadata") or "{}")
        ref = ChannelRef(PLATFORM, team, str(meta.get("channel", "")))
        private = ChannelRef(PLATFORM, team, str(meta.get("private") or ref.channel))
        kind = forms.RANKING if view.get("callback_id") == blocks.BALLOT_CALLBACK else forms.SPEECH
        command = forms.submitted(kind, str(meta.get("button", "")), blocks.modal_text(view))
        if command is None:
            return
        key = _key(team, "view", view.get("id"))
        actor = await self.actor(team, user["id"], user.get("name") or user.get("username") or "")
        replies = await self.core.handle(Request(actor, ref, command=command, dedupe_key=key))
        await self.deliver(replies, ref, private, user["id"])

    async def mention(self, body: dict[str, Any]) -> None:
        """`@debate-bot` anywhere: the help, privately to whoever asked."""
        event = body.get("event") or {}
        team = body.get("team_id") or event.get("team", "")
        user_id = event.get("user")
        if not user_id or event.get("bot_id"):
            return
        ref = channel_ref(team, event.get("channel", ""), event.get("thread_ts"))
        key = _key(team, "event", body.get("event_id"))
        actor = await self.actor(team, user_id)
        replies = await self.core.handle(Request(actor, ref, "/help", dedupe_key=key))
        await self.deliver(replies, ref, ref, user_id)

    # --- replies ---

    def public_place(self, ref: ChannelRef) -> ChannelRef:
        """Public replies go into the thread of the debate running here, else into the channel."""
        return self.core.debate_space(ref) or ref

    async def deliver(self, replies: list[Reply], ref: ChannelRef, private: ChannelRef, user_id: str,
                      respond: Callable | None = None) -> None:
        for reply in replies:
            try:
                if reply.private:
                    await self.port.send_private(private, user_id, reply.card)
                else:
                    await self.port.post(self.public_place(ref), reply.card)
            except Exception:
                log.exception("could not deliver a reply in %s", ref.channel)
                if respond is not None and reply.card.attachment is None:
                    try:
                        await respond(response_type="ephemeral", replace_original=False, **blocks.message(reply.card))
                    except Exception:
                        log.exception("the response_url fallback failed too")


def build_app(core: Core, port: SlackPort, *, client: AsyncWebClient, signing_secret: str,
              moderators: frozenset[str] = frozenset(), **options: Any) -> AsyncApp:
    """The AsyncApp with every listener; request signatures are checked (bolt's default)."""
    app = AsyncApp(client=client, signing_secret=signing_secret, **options)
    slack = SlackBot(core, port, moderators=moderators)
    core.attach(port, moderators=slack.is_moderator)
    slack.register(app)
    return app
