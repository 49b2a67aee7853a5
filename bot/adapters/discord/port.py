"""The core's ChatPort on Discord: post, edit, open a debate thread, write privately.

Channels and messages are addressed by id through partial objects, so nothing is fetched
before a post or an edit. Every message carries ``AllowedMentions.none()``.
"""

from __future__ import annotations

import logging
from typing import Final

import discord

from bot.adapters.discord import render
from bot.adapters.discord.convert import PLATFORM
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card
from bot.core.ports import Metrics, NoMetrics

log = logging.getLogger(__name__)
THREAD_ARCHIVE_MINUTES: Final = 10080  # a week without messages before Discord hides the thread


class DiscordPort:
    platform = PLATFORM
    min_edit_interval = 2.0  # a live tally message is edited at most every 2 s

    def __init__(self, client: discord.Client, metrics: Metrics | None = None) -> None:
        self.client = client
        self.metrics: Metrics = metrics or NoMetrics()  # edits sent, for GET /metrics

    def health(self) -> str | None:
        """None while the gateway connection is up (GET /healthz), else the reason."""
        if self.client.is_closed():
            return "closed"
        return None if self.client.is_ready() else "not connected to Discord"

    def messageable(self, ref: ChannelRef) -> discord.PartialMessageable:
        guild_id = int(ref.workspace) if ref.workspace.isdigit() else None
        return self.client.get_partial_messageable(int(ref.channel), guild_id=guild_id)

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        """Post the opening card in `channel` and start a public thread from it.

        Where no thread can be started (already in a thread, or no Create Public Threads
        permission) the debate runs in `channel` itself.
        """
        message = await self.messageable(channel).send(**render.send_kwargs(card))
        try:
            thread = await message.create_thread(name=render.thread_name(title),
                                                 auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except (discord.HTTPException, ValueError):
            log.warning("no thread for %s in channel %s: the debate runs in the channel", title, channel.channel)
            return channel, str(message.id)
        return ChannelRef(PLATFORM, channel.workspace, str(thread.id)), str(message.id)

    async def post(self, channel: ChannelRef, card: Card) -> str:
        message = await self.messageable(channel).send(**render.send_kwargs(card))
        return str(message.id)

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        await self.messageable(channel).get_partial_message(int(message_id)).edit(**render.edit_kwargs(card))
        self.metrics.tally_edit(PLATFORM)

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        """A direct message; if the user does not take DMs from the server, it is only logged."""
        try:
            dm = await self.client.create_dm(discord.Object(int(user_id)))
            await dm.send(**render.send_kwargs(card))
        except (discord.Forbidden, discord.NotFound):
            log.info("could not write to user %s privately (DMs closed?)", user_id)
