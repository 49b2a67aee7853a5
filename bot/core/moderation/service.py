"""ModerationService: moderation that knows a debate is running, on every platform at once.

`bot.app` puts its hooks in the core's pipeline: a guard that may refuse "speak", "ask", "vote"
and "join" (removed and muted users, rate limits, slow mode, the word filter), observers that
flag suspicious ballots, a moderator check (roles set with `/mod role`, after the platform's
word), the flagged voters of `/debate results flagged:exclude`, an audit listener that mirrors
the log to a moderator channel, and a refusal listener that audits refused speeches, questions
and ballots; it is also a deadline service that ends mutes. It answers `/mod warn|mute|unmute|
strikes|filter|slowmode|role|log|logchannel`, `/discuss start|close` and `/speak` in a
discussion thread (see `routes`).

The work is done by its parts, each in its own module and each given this service: the guard
(`guard`), the vote signals (`signals`), the log mirror (`mirror`), the `/mod` commands
(`discipline`) and the discussions (`discussions`); this module keeps the state they share, its
life cycle, the mute deadlines, the moderator check and where a request is.

Adapters call :meth:`ModerationService.check_message` for a plain chat message typed in a
debate or discussion thread: None means it may stand; otherwise it is the localised reason
(the adapter removes the message and hands the text back to its author privately).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime, tzinfo

from bot.core.debates.model import Actor, AuditEntry, ChannelRef, Debate
from bot.core.debates.service import DebateService
from bot.core.kernel.cards import Card
from bot.core.kernel.lru import LRU
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.moderation.discipline import Discipline
from bot.core.moderation.discussions import DiscussionThreads
from bot.core.moderation.filter import WordFilter
from bot.core.moderation.guard import Guard
from bot.core.moderation.mirror import BOT, LogMirror
from bot.core.moderation.rules import (
    BOOKKEEPING_CHUNK,
    VOTE,
    BurstDetector,
    Discussion,
    Key,
    ModerationConfig,
    Mute,
    RateLimiter,
    SlowMode,
)
from bot.core.moderation.signals import BOOKKEEPING_LINGER, MEMBER_MEMORY, VoteSignals
from bot.core.service import Core

log = logging.getLogger(__name__)


class ModerationService:
    def __init__(self, core: Core, debates: DebateService, default_filter: WordFilter,
                 config: ModerationConfig | None = None) -> None:
        self.core = core
        self.debates = debates  # the debates it moderates
        self.config = config or ModerationConfig()
        self.store = core.store.moderation
        self.limiter = RateLimiter()
        self._vote_limit = self.config.rates.get(VOTE)
        self._new_window = self.config.new_participant_window
        self.slowmode = SlowMode()
        self.bursts = BurstDetector(self.config.burst_votes, self.config.burst_seconds)
        self.default_filter = default_filter  # the shipped lists (prompts/filters)
        self.mutes: dict[Key, Mute] = {}
        self.removed: dict[str, set[str]] = {}  # scope -> user ids
        # running debate -> voter key -> reasons (dropped when it ends)
        self.flags: dict[int, dict[str, tuple[str, ...]]] = {}
        self.late: dict[int, set[str]] = {}  # debate -> users who joined after the pre-vote
        self.seen: dict[Key, datetime] = {}  # a memo of `members` by user, so a known voter is not hashed again
        # (platform, workspace, hash) -> first seen, for the MEMBER_MEMORY members seen last
        self.members: LRU[tuple[str, str, str], datetime] = LRU(MEMBER_MEMORY)
        # Written behind the voter's back, in batches (see `GroupCommitWriter`): many new voters
        # never queue one transaction per voter (or per flag) in front of the vote writer. The
        # vote writer's drain takes their rows between two vote batches; alone, they wait
        # BOOKKEEPING_LINGER, then go in transactions of BOOKKEEPING_CHUNK rows.
        self.member_writer = GroupCommitWriter(self.store.add_members, linger=BOOKKEEPING_LINGER, sleep=core.clock.sleep,
                                               drain=self.store.drain_members, take_limit=BOOKKEEPING_CHUNK)
        self.flag_writer = GroupCommitWriter(self.store.add_vote_flags, linger=BOOKKEEPING_LINGER, sleep=core.clock.sleep,
                                             drain=self.store.drain_vote_flags, take_limit=BOOKKEEPING_CHUNK)
        self._background: set[asyncio.Task[None]] = set()
        self.log_channels: dict[tuple[str, str], str] = {}
        self.discussions: dict[ChannelRef, Discussion] = {}  # by its own thread/room
        self.discussion_parents: dict[ChannelRef, Discussion] = {}
        self._roles: dict[tuple[str, str], frozenset[str]] = {}
        self._filters: dict[tuple[str, str], WordFilter] = {}
        # Its parts, each given this service (its state and its audit): the guard, the vote
        # signals, the log mirror, the /mod commands and the discussions.
        self.checks = Guard(self)
        self.signals = VoteSignals(self)
        self.log_mirror = LogMirror(self)
        self.discipline = Discipline(self)
        self.threads = DiscussionThreads(self)

    def routes(self) -> list[Route]:
        """The commands this service answers (`bot.app` collects them into the router): `/mod`'s
        discipline, filter and log, `/discuss`, and `/speak` in a discussion thread."""
        subs = ("warn", "mute", "unmute", "strikes", "filter", "slowmode", "role", "log", "logchannel")
        return [
            *(Route("mod", sub, getattr(self.discipline, f"cmd_{sub}")) for sub in subs),
            Route("discuss", "start", self.threads.cmd_discuss_start),
            Route("discuss", "close", self.threads.cmd_discuss_close),
            Route("speak", None, self.threads.cmd_speak_in_discussion, when=self.threads.speaks_in_discussion),
        ]

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    # --- life cycle and deadlines ---

    async def load(self) -> None:
        """Take the moderation state back from the store (after a restart)."""
        # Mutes that ended while the bot was down are ended by the first `run_due`, audited and told.
        self.mutes = {(m.platform, m.workspace, m.user_id): m for m in await self.store.mutes()}
        for scope, user in await self.store.removals():
            self.removed.setdefault(scope, set()).add(user)
        for debate_id, voter, reason in await self.store.open_vote_flags():  # an ended debate's stay stored
            voters = self.flags.setdefault(debate_id, {})
            if reason not in voters.get(voter, ()):
                voters[voter] = (*voters.get(voter, ()), str(reason))
        for debate_id, user in await self.store.late_joins():
            self.late.setdefault(debate_id, set()).add(user)
        for scope, seconds in (await self.store.slowmodes()).items():
            self.slowmode.set(scope, seconds)
        self.log_channels = await self.store.log_channels()
        self.members = LRU(MEMBER_MEMORY, await self.store.latest_members(MEMBER_MEMORY))
        for d in await self.store.open_discussions():
            self.threads._index_discussion(d)
        log.info("moderation loaded: %d mutes, %d open discussions", len(self.mutes), len(self.discussions))

    async def refresh(self) -> None:
        """Another process changed what every process enforces (mutes, removals, slow mode, the
        word lists, moderator roles, the log channel, discussions): take it in from the store."""
        self.mutes = {(m.platform, m.workspace, m.user_id): m for m in await self.store.mutes()}
        removed: dict[str, set[str]] = {}
        for scope, user in await self.store.removals():
            removed.setdefault(scope, set()).add(user)
        self.removed = removed
        slowmodes = await self.store.slowmodes()
        for scope in [s for s in self.slowmode.seconds if s not in slowmodes]:
            self.slowmode.set(scope, 0)
        for scope, seconds in slowmodes.items():
            self.slowmode.set(scope, seconds)
        self.log_channels = await self.store.log_channels()
        self._roles.clear()
        self._filters.clear()
        discussions = {d.id: d for d in await self.store.open_discussions()}
        for d in [d for d in self.discussions.values() if d.id not in discussions]:
            self.threads._unindex_discussion(d)
        for d in discussions.values():
            self.threads._index_discussion(d)

    async def settle(self) -> None:
        """Wait until everything written behind the voters' backs is stored (e.g. before `/mod log`)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.member_writer.flush()
        await self.flag_writer.flush()
        await self.core.audit_writer.flush()

    async def shutdown(self) -> None:
        await self.settle()
        await self.member_writer.stop()
        await self.flag_writer.stop()

    def _later(self, work: Coroutine[object, object, None]) -> None:
        """Run `work` (a coroutine) off the caller's path; shutdown waits for it."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def next_deadline(self) -> datetime | None:
        ends = [m.until for m in self.mutes.values()]
        return min(ends) if ends else None

    async def run_due(self, now: datetime) -> None:
        """End the mutes whose time is up: audit it and tell the user where the mute was given."""
        for key, m in [(k, m) for k, m in self.mutes.items() if not m.active(now)]:
            if self.mutes.get(key) is not m:  # ended or replaced meanwhile
                continue
            del self.mutes[key]
            self.core.metrics.deadline_fired("mute")
            await self.store.delete_mute(m.platform, m.workspace, m.user_id)
            await self._audit(m.platform, m.workspace, BOT, "unmute", target=m.user_id, reason="expired")
            if m.channel:
                where = ChannelRef(m.platform, m.workspace, m.channel)
                lang = await self.core.language(where)
                await self._tell(where, m.user_id, Card("notice", body=self.t(lang, "moderation.unmuted_you")))

    # --- the moderator check ---

    async def has_moderator_role(self, actor: Actor) -> bool:
        """Whether one of the actor's roles was made a moderator role with `/mod role` (the
        pipeline asks the platform first: admins, BOT_MODERATORS, …)."""
        if not actor.roles:
            return False
        roles = await self._workspace_roles(actor.platform, actor.workspace)
        return any(r.casefold() in roles for r in actor.roles)

    async def _workspace_roles(self, platform: str, workspace: str) -> frozenset[str]:
        key = (platform, workspace)
        if key not in self._roles:
            self._roles[key] = frozenset(r.casefold() for r in await self.store.roles(platform, workspace))
        return self._roles[key]

    # --- where a request is ---

    def debate_at(self, channel: ChannelRef) -> Debate | None:
        did = self.debates.places.get(channel)
        return self.debates.debates.get(did) if did is not None else None

    def discussion_at(self, channel: ChannelRef, parent_too: bool = False) -> Discussion | None:
        found = self.discussions.get(channel)
        if found is None and parent_too:
            found = self.discussion_parents.get(channel)
        return found

    @staticmethod
    def debate_scope(d: Debate) -> str:
        return f"debate:{d.id}"

    def _scope_here(self, channel: ChannelRef) -> tuple[str, Debate | Discussion] | None:
        """The moderation scope at `channel` and the debate or discussion it belongs to, if any."""
        d = self.debate_at(channel)
        if d is not None:
            return self.debate_scope(d), d
        disc = self.discussion_at(channel, parent_too=True)
        if disc is not None:
            return disc.scope, disc
        return None

    def active_mute(self, platform: str, workspace: str, user_id: str, now: datetime) -> Mute | None:
        m = self.mutes.get((platform, workspace, user_id))
        return m if m is not None and m.active(now) else None

    # --- the audit log, telling people ---

    async def _audit(self, platform: str, workspace: str, actor: str, action: str, *, target: str = "",
                     reason: str = "", debate_id: int | None = None, details: str = "") -> None:
        await self.core.audit(AuditEntry(platform, workspace, self.core.clock.now(), actor, action, target,
                                         str(reason), debate_id, details))

    async def _audit_by(self, req: Request, action: str, *, target: str = "", reason: str = "",
                        debate_id: int | None = None, details: str = "") -> None:
        await self._audit(req.actor.platform, req.actor.workspace, req.actor.user_id, action, target=target,
                          reason=reason, debate_id=debate_id, details=details)

    async def _tell(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        try:
            await self.core.port(channel).send_private(channel, user_id, card)
        except Exception:
            log.exception("could not tell %s privately", user_id)

    # --- what the pipeline, the core and the adapters call, answered by the parts ---

    async def check_message(self, actor: Actor, channel: ChannelRef, text: str) -> str | None:
        """May a plain chat message typed in `channel` stand? None if so, else the localised
        reason (see `Guard.check_message`)."""
        return await self.checks.check_message(actor, channel, text)

    async def word_filter(self, platform: str, workspace: str) -> WordFilter:
        """The shipped lists plus the workspace's own words (see `Guard.word_filter`)."""
        return await self.checks.word_filter(platform, workspace)

    def _see(self, actor: Actor, now: datetime) -> datetime:
        """When the bot first saw `actor` act in this workspace (see `VoteSignals._see`)."""
        return self.signals._see(actor, now)

    async def mirror(self, entry: AuditEntry) -> None:
        """The core's audit listener: the moderator log channel (see `LogMirror.mirror`)."""
        await self.log_mirror.mirror(entry)

    def log_line(self, lang: str, e: AuditEntry, zone: tzinfo | None = None) -> str:
        """One audit entry in words (see `LogMirror.log_line`)."""
        return self.log_mirror.log_line(lang, e, zone)
