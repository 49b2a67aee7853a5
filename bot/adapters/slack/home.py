"""Slack's App Home tab: `app_home_opened` → `views.publish` of the workspace's home cards
(bot.core.home_cards) in the user's language; the moderator buttons open the audit log or the
word filter in a modal."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.port import PLATFORM, channel_ref, split_ref
from bot.adapters.slack.users import LOOKUP_ERRORS, error_of
from bot.core.debates.model import ChannelRef
from bot.core.home_cards import home_cards, home_command
from bot.core.kernel.request import Request

if TYPE_CHECKING:
    from slack_bolt.app.async_app import AsyncApp

    from bot.adapters.slack.app import SlackBot

log = logging.getLogger(__name__)
HOME_BUTTONS = re.compile(r"^home:")
MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view


def language_of(user: dict[str, Any]) -> str:
    return "ja" if str(user.get("locale") or "").lower().startswith("ja") else "en"


class Home:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot
        self.core = bot.core
        self.port = bot.port

    def register(self, app: AsyncApp) -> None:
        app.event("app_home_opened")(self.on_opened)
        app.action(HOME_BUTTONS)(self.on_button)

    async def on_opened(self, body: dict[str, Any]) -> None:
        await self.bot._safely(self.opened(body), body)

    async def on_button(self, ack, body: dict[str, Any]) -> None:
        await ack()
        await self.bot._safely(self.button(body), body)

    async def opened(self, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        team, user_id = body.get("team_id") or "", event.get("user")
        if event.get("tab", "home") != "home" or not user_id:
            return
        await self.publish(team, user_id)

    async def publish(self, team: str, user_id: str) -> None:
        client = await self.port.client_for(team)
        lang = await self._language(client, user_id)
        actor = await self.bot.actor(team, user_id)
        names: dict[str, str] = {}

        async def place(ref: ChannelRef) -> str:
            channel, _ = split_ref(ref)
            if channel not in names:
                names[channel] = await self._channel_name(client, channel)
            return names[channel]

        cards = await home_cards(self.core, PLATFORM, team, lang, moderator=await self.core.is_moderator(actor),
                                 place=place)
        view_blocks: list[dict[str, Any]] = []
        for card in cards:
            view_blocks += blocks.card_blocks(card) + [{"type": "divider"}]
        await client.views_publish(user_id=user_id, view={"type": "home", "blocks": view_blocks[:MAX_HOME_BLOCKS]})

    async def _language(self, client: AsyncWebClient, user_id: str) -> str:
        try:
            return language_of((await client.users_info(user=user_id, include_locale=True))["user"])
        except (*LOOKUP_ERRORS, KeyError) as exc:
            log.info("no locale for %s (%s): the Home tab is in English", user_id, error_of(exc))
            return "en"

    @staticmethod
    async def _channel_name(client: AsyncWebClient, channel: str) -> str:
        try:
            name = (await client.conversations_info(channel=channel))["channel"].get("name")
        except (*LOOKUP_ERRORS, KeyError):
            name = None
        return f"#{name}" if name else f"#{channel}"

    async def button(self, body: dict[str, Any]) -> None:
        """A moderator button: the command runs as the clicker (the core checks the right) and its
        answer opens in a modal."""
        action = (body.get("actions") or [{}])[0]
        line = home_command(str(action.get("action_id") or ""))
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        if line is None or not user.get("id"):
            return
        client = await self.port.client_for(team)
        lang = await self._language(client, user["id"])
        actor = await self.bot.actor(team, user["id"], user.get("name") or user.get("username") or "")
        private = channel_ref(team, user["id"])  # the clicker's own conversation with the bot
        if await self.core.language(private) != lang:  # answered in the clicker's Slack language
            await self.core.set_language(private, lang)
        replies = await self.core.handle(Request(actor, private, line))
        if not replies:
            return
        t = self.core.t
        view = {
            "type": "modal",
            "title": blocks.plain(t(lang, "home.modal_title"), blocks.MODAL_TITLE_LIMIT),
            "close": blocks.plain(t(lang, "home.close"), blocks.MODAL_TITLE_LIMIT),
            "blocks": [b for r in replies for b in blocks.card_blocks(r.card)][: blocks.MAX_BLOCKS],
        }
        try:
            await client.views_open(trigger_id=body.get("trigger_id", ""), view=view)
        except SlackApiError as exc:
            log.warning("Slack would not open the Home tab's modal: %s", error_of(exc))
