"""A ChatPort that records what the core posts, for core tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card


@dataclass
class Posted:
    channel: ChannelRef
    card: Card
    message_id: str
    edits: list[Card] = field(default_factory=list)


class FakeChat:
    """Records posts, edits and private messages; `open_space` makes a thread-like channel."""

    def __init__(self, platform: str = "test", min_edit_interval: float = 2.0, threads: bool = True) -> None:
        self.platform = platform
        self.min_edit_interval = min_edit_interval
        self.threads = threads
        self._ids = count(1)
        self.posts: list[Posted] = []
        self.by_id: dict[str, Posted] = {}
        self.private: list[tuple[ChannelRef, str, Card]] = []
        self.edit_log: list[tuple[str, Card]] = []

    async def open_space(self, channel: ChannelRef, title: str, card: Card) -> tuple[ChannelRef, str]:
        mid = await self.post(channel, card)
        if not self.threads:
            return channel, mid
        return ChannelRef(channel.platform, channel.workspace, f"{channel.channel}/thread-{mid}"), mid

    async def post(self, channel: ChannelRef, card: Card) -> str:
        mid = str(next(self._ids))
        posted = Posted(channel, card, mid)
        self.posts.append(posted)
        self.by_id[mid] = posted
        return mid

    async def edit(self, channel: ChannelRef, message_id: str, card: Card) -> None:
        self.by_id[message_id].edits.append(card)
        self.edit_log.append((message_id, card))

    async def send_private(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        self.private.append((channel, user_id, card))

    def kinds(self) -> list[str]:
        return [p.card.kind for p in self.posts]

    def last(self, kind: str) -> Card:
        return [p.card for p in self.posts if p.card.kind == kind][-1]

    def current(self, message_id: str) -> Card:
        posted = self.by_id[message_id]
        return posted.edits[-1] if posted.edits else posted.card
