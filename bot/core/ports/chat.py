"""The chat platforms: what the core needs from Discord, Slack or the console."""

from __future__ import annotations

from typing import Protocol

from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card


class ChatPort(Protocol):
    """What the core needs from a chat platform. Message ids are opaque strings."""

    platform: str
    min_edit_interval: float  # seconds between two edits of one message

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        """Post `card` and give the debate a place of its own (a thread where the platform has them).

        Returns the place the debate lives in and the id of the opening message.
        """
        ...

    async def post(self, channel: ChannelRef, card: Card) -> str: ...

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None: ...

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None: ...
