"""Discussion threads: `/discuss start|close` and `/speak` in a discussion thread.

A discussion is a thread (or, without threads, a room) of its own with a debate's moderation
(mutes, removals, slow mode, the message rate limit, the word filter) and no floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.command_specs import (
    DiscussStart,
    SpeechText,
)
from bot.core.kernel.errors import RuleError
from bot.core.moderation.part import ServicePart
from bot.core.moderation.rules import (
    MESSAGE,
    Discussion,
)

if TYPE_CHECKING:
    from bot.core.kernel.request import Request


class DiscussionThreads(ServicePart):
    """Opens, indexes and closes discussions, and posts in them."""

    def speaks_in_discussion(self, req: Request) -> bool:
        """Whether a `/speak` here goes into a discussion thread (no debate runs here)."""
        return self.mod.discussion_at(req.channel) is not None and self.mod.debate_at(req.channel) is None

    async def cmd_speak_in_discussion(self, req: Request) -> list[Reply]:
        disc = self.mod.discussion_at(req.channel)
        if disc is None:  # closed between the routing and now: nothing to post in
            raise RuleError("discuss.error.none_open", "usage.discuss.start")
        return await self.post_in_discussion(req, disc)

    async def post_in_discussion(self, req: Request, disc: Discussion) -> list[Reply]:
        text = req.cmd.read(SpeechText).text.strip()
        if not text:
            raise RuleError("parse.missing_text", "usage.speak")
        self.mod.checks._check_length(text)
        exempt = await self.core.is_moderator(req.actor)
        await self.mod.checks._check(MESSAGE, req.actor, disc.language, disc.scope, text, scope_id=disc.id, exempt=exempt)
        card = Card("speech", title=req.actor.name, body=text, author=req.actor.name, user_text=True)
        await self.core.port(disc.space).post(disc.space, card)
        self.mod.signals._see(req.actor, self.core.clock.now())
        return [Reply(Card("notice", body=self.t(disc.language, "discuss.posted")))]

    def _index_discussion(self, d: Discussion) -> None:
        self.mod.discussions[d.space] = d
        self.mod.discussion_parents[d.parent] = d

    def _unindex_discussion(self, d: Discussion) -> None:
        if self.mod.discussions.get(d.space) is d:
            del self.mod.discussions[d.space]
        if self.mod.discussion_parents.get(d.parent) is d:
            del self.mod.discussion_parents[d.parent]

    async def cmd_discuss_start(self, req: Request) -> list[Reply]:
        topic = req.cmd.read(DiscussStart).topic.strip()[:200]
        if not topic:
            raise RuleError("parse.missing_option", "usage.discuss.start", option="topic")
        lang = await self.core.language(req.channel)
        if self.mod.debate_at(req.channel) is not None:
            raise RuleError("discuss.error.debate_here", "usage.discuss.start")
        existing = self.mod.discussion_at(req.channel, parent_too=True)
        if existing is not None:
            raise RuleError("discuss.error.already_open", "usage.discuss.close", id=existing.id)
        now = self.core.clock.now()
        disc = Discussion(0, req.channel, req.channel, topic, lang, req.actor.user_id, now)
        disc.id = await self.store.create_discussion(disc)
        card = self._discussion_card(disc)
        port = self.core.port(req.channel)
        space, _ = await port.open_space(req.channel, self.t(lang, "discuss.thread_title", id=disc.id, topic=topic),
                                         card)
        key = "discuss.started"
        if space == req.channel:  # no threads on this platform (the console): a room of its own
            space = ChannelRef(req.channel.platform, req.channel.workspace, f"discuss-{disc.id}")
            await port.post(space, card)
            key = "discuss.started_room"
        disc.space = space
        await self.store.set_discussion_channel(disc.id, space.channel)
        await self.core.set_language(space, lang)
        self._index_discussion(disc)
        await self.mod._audit_by(req, "discuss.start", details=f"{disc.scope}: {topic}")
        return [Reply(Card("notice", body=self.t(lang, key, id=disc.id, topic=topic,
                                                 place=space.channel), user_text=True))]

    def _discussion_card(self, disc: Discussion) -> Card:
        lang = disc.language
        rate = self.config.rates.get(MESSAGE)
        rules = self.t(lang, "discuss.rules", count=rate.count if rate else 0,
                       window=int(rate.seconds) if rate else 0, limit=self.config.message_max_chars,
                       mute_at=self.config.mute_at_strikes, remove_at=self.config.remove_at_strikes)
        return Card("notice", title=self.t(lang, "discuss.title", id=disc.id, topic=disc.topic),
                    body=rules, footer=self.t(lang, "discuss.footer"), user_text=True)

    async def cmd_discuss_close(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        disc = self.mod.discussion_at(req.channel, parent_too=True)
        if disc is None:
            raise RuleError("discuss.error.none_open", "usage.discuss.start")
        now = self.core.clock.now()
        disc.closed_at = now
        await self.store.close_discussion(disc.id, now)
        self._unindex_discussion(disc)
        self.mod.removed.pop(disc.scope, None)
        self.mod.slowmode.drop(disc.scope)
        await self.store.drop_scope(disc.scope)
        await self.core.port(disc.space).post(disc.space, Card(
            "notice", body=self.t(disc.language, "discuss.closed", id=disc.id, topic=disc.topic), user_text=True))
        await self.mod._audit_by(req, "discuss.close", details=disc.scope)
        return [Reply(Card("notice", body=self.t(lang, "discuss.closed_reply", id=disc.id)))]
