"""The guard: the rules every post, question, ballot and chat message passes.

`Guard.guard` is the pipeline's guard for "speak", "ask", "vote" and "join" (removed and muted
users, rate limits, slow mode, the word filter); `Guard.check_message` holds a plain chat
message typed in a debate thread to the floor (the rule of /speak) and in a discussion thread
to its rules; `Guard.refused` is the core's refusal listener, which audits refused speeches,
questions and ballots. The state (mutes, removals, limits) is `ModerationService`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.debates import engine
from bot.core.debates.model import Actor, ChannelRef, Debate
from bot.core.kernel.errors import RuleError
from bot.core.moderation.filter import WordFilter
from bot.core.moderation.mirror import BOT, FILTER_BLOCK
from bot.core.moderation.part import ServicePart
from bot.core.moderation.rules import (
    ASK,
    CLAIM,
    MESSAGE,
    SPEAK,
    VOTE,
    Discussion,
    minutes_left,
    seconds_left,
    user_key,
)

if TYPE_CHECKING:
    from bot.core.kernel.request import Request

# Refusals that are slips rather than moderation (nothing running here, a closed vote): not audited.
UNAUDITED = frozenset({"debate.error.none_running", "debate.error.none_here", "vote.error.closed",
                       "vote.error.not_stored", "parse.missing_text", "error.internal"})
_AUDITED_REFUSALS = {"speak": SPEAK, "ask": ASK, "vote": VOTE}  # command -> the action its refusal names
_CLAIM_WRITES = frozenset((("claim", "pro"), ("claim", "con"), ("claim", "edit")))
_SIDES = frozenset(("pro", "con"))  # the sides of `/debate join` that make a debater


class Guard(ServicePart):
    """Refuses what moderation forbids, with the reason; counts what it lets through."""

    async def _check(self, action: str, actor: Actor, lang: str, scope: str | None, text: str,
                     *, scope_id: int | None = None, exempt: bool | None = False) -> None:
        """Refuse with the reason (RuleError, text handed back) or count the action as done.

        `exempt` None means "ask whether `actor` moderates only if a limit would refuse them",
        which keeps the moderator look-up off the path of every ordinary vote.
        """
        now = self.core.clock.now()
        self._refuse_removed_or_muted(actor, scope, scope_id, text, now)
        limit = self.config.rates.get(action)
        rate_key = (*user_key(actor), action)
        if exempt is not True:
            if scope is not None and action != VOTE:
                wait = self.mod.slowmode.retry_after(scope, actor.user_id, now)
                if wait > 0 and not (exempt is None and await self.core.is_moderator(actor)):
                    raise RuleError("moderation.error.slowmode", handback=text, seconds=seconds_left(wait),
                                    every=self.mod.slowmode.seconds.get(scope, 0))
            if limit is not None:
                wait = self.mod.limiter.retry_after(rate_key, now, limit)
                if wait > 0 and not (exempt is None and await self.core.is_moderator(actor)):
                    raise RuleError("moderation.error.rate_limited", handback=text, seconds=seconds_left(wait),
                                    what=self.t(lang, f"moderation.what.{action}"), count=limit.count,
                                    window=int(limit.seconds))
        if text:
            match = (await self.word_filter(actor.platform, actor.workspace)).find(text)
            if match is not None:
                raise RuleError("moderation.error.filtered", handback=text, word=match.found, entry=match.word)
        if exempt is not True:
            if scope is not None and action != VOTE:
                await self._claim_slow_turn(actor, scope, text, now, exempt)
            if limit is not None:
                self.mod.limiter.hit(rate_key, now, limit)
            if scope is not None and action != VOTE:
                self.mod.slowmode.hit(scope, actor.user_id, now)

    async def _claim_slow_turn(self, actor: Actor, scope: str, text: str, now: datetime,
                               exempt: bool | None) -> None:
        """On a shared store, the user's slow-mode turn in `scope` is claimed in the store, so a
        post through another process counts too (the store's per-key turn, the record that also
        paces tally edits); refused when somebody's process took it less than the interval ago."""
        seconds = self.mod.slowmode.seconds.get(scope, 0)
        if not seconds or not self.core.store.shared:
            return
        taken = await self.core.store.claim_edit(f"slowmode:{scope}:{actor.user_id}", now, seconds)
        if taken is None or (exempt is None and await self.core.is_moderator(actor)):
            return
        wait = max(0.0, seconds - (now - taken).total_seconds())
        raise RuleError("moderation.error.slowmode", handback=text, seconds=seconds_left(wait), every=seconds)

    def _refuse_removed_or_muted(self, actor: Actor, scope: str | None, scope_id: int | None, text: str,
                                 now: datetime) -> None:
        # Both tables are empty in almost every place and moment: look no further then.
        if self.mod.removed and scope is not None and actor.user_id in self.mod.removed.get(scope, ()):
            raise RuleError(f"moderation.error.removed_{scope.split(':')[0]}", handback=text, id=scope_id or "")
        if self.mod.mutes:
            mute = self.mod.active_mute(actor.platform, actor.workspace, actor.user_id, now)
            if mute is not None:
                raise RuleError("moderation.error.muted", handback=text, until=mute.until,  # shown in the zone read there
                                minutes=minutes_left(mute.until, now))

    def _scope_of(self, target: object) -> str | None:
        """The moderation scope of a debate or a discussion (its removals and slow mode)."""
        if isinstance(target, Discussion):  # a claim in a discussion thread
            return target.scope
        return self.mod.debate_scope(target) if isinstance(target, Debate) else None

    async def guard(self, action: str, actor: Actor, channel: ChannelRef, target: object, text: str) -> None:
        """The pipeline's guard for "speak", "ask", "vote" (debates and polls) and "join".

        A ballot (a vote without text) meets removal, the mute and its rate limit only, and a
        moderator is looked up only when the rate limit would refuse one. For "join", `text` is
        the side asked for: a muted user may watch, not take a side.
        """
        d = target if isinstance(target, Debate) else None
        if action == VOTE and not text:
            now = self.core.clock.now()
            if self.mod.removed or self.mod.mutes:  # else no scope to work out: 0.25 µs of a 1.6 µs guard (measured)
                self._refuse_removed_or_muted(actor, self._scope_of(target), d.id if d else None, text, now)
            limit = self.mod._vote_limit
            if limit is None or self.mod.limiter.take((actor.platform, actor.workspace, actor.user_id, VOTE), now, limit) == 0:
                return
        scope = self._scope_of(target)
        if action == "join":
            if d is not None and scope is not None and actor.user_id in self.mod.removed.get(scope, ()):
                raise RuleError("moderation.error.removed_debate", id=d.id)
            if text in _SIDES:
                self._refuse_removed_or_muted(actor, None, None, "", self.core.clock.now())
            return
        lang = await self.core.language(channel)
        await self._check(action, actor, lang, scope, text, scope_id=d.id if d else None, exempt=None)

    async def check_message(self, actor: Actor, channel: ChannelRef, text: str) -> str | None:
        """May a plain chat message typed in `channel` stand? None if so, else the localised reason.

        Outside a running debate or an open discussion every message stands. In a debate thread
        a message stands when its author holds the floor (the rule of /speak) or is a moderator;
        in both kinds of thread the mute, removal, slow mode, message rate limit and word filter
        apply. The adapter removes a refused message and hands its text back privately.
        """
        d = self.mod.debate_at(channel)
        disc = None if d is not None else self.mod.discussion_at(channel)
        if d is None and disc is None:
            return None
        if await self.core.is_moderator(actor):
            return None
        lang = await self.core.language(channel)
        try:
            if d is not None:
                if actor.user_id not in self.mod.removed.get(self.mod.debate_scope(d), ()):
                    self._check_floor(d, actor, text)
                await self._check(MESSAGE, actor, lang, self.mod.debate_scope(d), text, scope_id=d.id)
            elif disc is not None:  # one of the two, or this returned above
                self._check_length(text)
                await self._check(MESSAGE, actor, lang, disc.scope, text, scope_id=disc.id)
        except RuleError as exc:
            await self._audit_refusal(actor, MESSAGE, exc, d.id if d else None)
            return self.core.error_reply(lang, exc.key, None, "", exc.params).card.body
        return None

    def _check_floor(self, d: Debate, actor: Actor, text: str) -> None:
        """Floor control for a chat message: muted users hear about the mute first, then the floor."""
        now = self.core.clock.now()
        if self.mod.active_mute(actor.platform, actor.workspace, actor.user_id, now) is not None:
            return
        engine.check_speech(d, self.debates.fmt(d), actor.user_id, text)

    def _check_length(self, text: str) -> None:
        limit = self.config.message_max_chars
        if len(text) > limit:
            raise RuleError("speak.error.too_long", handback=text, length=len(text), limit=limit)

    async def word_filter(self, platform: str, workspace: str) -> WordFilter:
        """The shipped lists plus the workspace's own words (cached until `/mod filter` changes them)."""
        key = (platform, workspace)
        if key not in self.mod._filters:
            blocked, allowed = await self.store.filter_words(platform, workspace)
            self.mod._filters[key] = self.mod.default_filter.with_words(blocked, allowed) if blocked or allowed \
                else self.mod.default_filter
        return self.mod._filters[key]

    # --- refusals of the debate commands are audited ---

    async def refused(self, req: Request, exc: RuleError) -> None:
        """The core's refusal listener: a refused speech, question or ballot goes in the audit log."""
        command = req.command
        action = _AUDITED_REFUSALS.get(command.name) if command is not None and command.sub is None else None
        if command is not None and (command.name, command.sub) in _CLAIM_WRITES and exc.key.startswith("moderation."):
            action = CLAIM  # a claim moderation refused (filter, mute, rate limit); not a mistyped parent
        if action is None or exc.key in UNAUDITED:
            return
        d = self.mod.debate_at(req.channel)
        if d is None and req.debate_id is not None:
            d = self.debates.debates.get(req.debate_id)
        # In an anonymous debate a refused ballot names nobody: its time and reason (a mute, a
        # removal) would tie the voter's hash to the user.
        whom = "" if action == VOTE and d and d.anonymous else None
        await self._audit_refusal(req.actor, action, exc, d.id if d else req.debate_id, whom)

    async def _audit_refusal(self, actor: Actor, action: str, exc: RuleError, debate_id: int | None,
                             whom: str | None = None) -> None:
        if exc.key in UNAUDITED:
            return
        filtered = exc.key == "moderation.error.filtered"
        await self.mod._audit(actor.platform, actor.workspace, BOT, FILTER_BLOCK if filtered else f"refuse.{action}",
                          target=actor.user_id if whom is None else whom, reason=exc.key, debate_id=debate_id,
                          details=f"{action}: {exc.params.get('entry', '')}" if filtered else "")
