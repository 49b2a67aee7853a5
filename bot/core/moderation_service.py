"""ModerationService: moderation that knows a debate is running, on every platform at once.

`bot.app` puts its hooks in the core's pipeline: a guard that may refuse "speak", "ask", "vote"
and "join" (removed and muted users, rate limits, slow mode, the word filter), observers that
flag suspicious ballots, a moderator check (roles set with `/mod role`, after the platform's
word), the flagged voters of `/debate results flagged:exclude`, an audit listener that mirrors
the log to a moderator channel, and a refusal listener that audits refused speeches, questions
and ballots; it is also a deadline service that ends mutes. It answers `/mod warn|mute|unmute|
strikes|filter|slowmode|role|log|logchannel`, `/discuss start|close` and `/speak` in a
discussion thread (see `routes`).

Adapters call :meth:`ModerationService.check_message` for a plain chat message typed in a
debate or discussion thread: None means it may stand; otherwise it is the localised reason
(the adapter removes the message and hands the text back to its author privately).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from bot.core import engine
from bot.core.cards import Card, Field, Reply
from bot.core.command_specs import (
    DiscussStart,
    FilterChange,
    Log,
    LogChannel,
    ModRole,
    MuteUser,
    Slowmode,
    SpeechText,
    Target,
    Warn,
)
from bot.core.debates import DebateService, voter_hash
from bot.core.errors import RuleError
from bot.core.i18n import FALLBACK, placeholders
from bot.core.library import PROMPTS_DIR
from bot.core.lru import LRU
from bot.core.model import NO_TIME, Actor, AuditEntry, ChannelRef, Debate, PhaseKind, Stage
from bot.core.moderation import (
    ASK,
    BOOKKEEPING_CHUNK,
    CLAIM,
    MESSAGE,
    SPEAK,
    VOTE,
    BurstDetector,
    Discussion,
    Escalation,
    FlagReason,
    ModerationConfig,
    Mute,
    RateLimiter,
    SlowMode,
    Strike,
    active_strikes,
    escalation,
    minutes_left,
    mute_until,
    post_vote_flags,
    seconds_left,
    strike_expires,
)
from bot.core.pipeline import Route
from bot.core.service import Core, Request
from bot.core.timefmt import clock_time
from bot.core.wordfilter import WordFilter, load_default_filter, validate_entry
from bot.core.writer import GroupCommitWriter

log = logging.getLogger(__name__)
BOT = "bot"  # the actor of automatic actions in the audit log
LOG_LIMIT = 20  # audit entries `/mod log` shows unless told `limit:` (at most LOG_MAX)
FILTER_BLOCK = "filter.block"
# Automatic actions that may come in floods: the log channel gets them coalesced.
COALESCED = frozenset({"vote.flag", FILTER_BLOCK})
# Refusals that are slips rather than moderation (nothing running here, a closed vote): not audited.
UNAUDITED = frozenset({"debate.error.none_running", "debate.error.none_here", "vote.error.closed",
                       "vote.error.not_stored", "parse.missing_text", "error.internal"})
_CHANNEL_MENTION = re.compile(r"^<#([^>|]+)(?:\|[^>]*)?>$")
Key = tuple[str, str, str]  # platform, workspace, user
_BURST = str(FlagReason.BURST)
_AUDITED_REFUSALS = {"speak": SPEAK, "ask": ASK, "vote": VOTE}  # command -> the action its refusal names
_CLAIM_WRITES = frozenset((("claim", "pro"), ("claim", "con"), ("claim", "edit")))
_SIDES = frozenset(("pro", "con"))  # the sides of `/debate join` that make a debater


BOOKKEEPING_LINGER = 1.0  # seconds first sightings and vote flags gather before they are written
SEEN_MEMORY = 100_000  # users whose member hash is remembered; more empties the memo
# Members whose first sighting is kept in memory (the store keeps all): the least recently seen
# goes first. One forgotten and seen again counts as new once more (a hint only: see `_signals`).
MEMBER_MEMORY = 100_000


def _key(actor: Actor) -> Key:
    return actor.platform, actor.workspace, actor.user_id


def normalise_channel(raw: str) -> str:
    """`<#123>`, `<#C123|name>` and `#name` become the bare channel id or name."""
    value = raw.strip()
    match = _CHANNEL_MENTION.match(value)
    if match:
        return match.group(1)
    return value.lstrip("#")


def normalise_role(raw: str) -> str:
    """`<@&123>` (Discord), `<!subteam^S1|@handle>` (Slack) and `@name` become an id, handle or name."""
    value = raw.strip()
    if value.startswith("<!subteam^") and value.endswith(">"):
        ident, _, label = value[len("<!subteam^"):-1].partition("|")
        return label.lstrip("@") or ident
    return value.removeprefix("<@&").removesuffix(">").lstrip("@")


class ModerationService:
    def __init__(self, core: Core, debates: DebateService, config: ModerationConfig | None = None,
                 prompts: Path = PROMPTS_DIR) -> None:
        self.core = core
        self.debates = debates  # the debates it moderates
        self.config = config or ModerationConfig()
        self.store = core.store.moderation
        self.limiter = RateLimiter()
        self._vote_limit = self.config.rates.get(VOTE)
        self._new_window = self.config.new_participant_window
        self.slowmode = SlowMode()
        self.bursts = BurstDetector(self.config.burst_votes, self.config.burst_seconds)
        self.default_filter = load_default_filter(prompts)
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
        self._mirrored: dict[tuple[str, str, str], datetime] = {}
        self._suppressed: dict[tuple[str, str, str], int] = {}

    def routes(self) -> list[Route]:
        """The commands this service answers (`bot.app` collects them into the router): `/mod`'s
        discipline, filter and log, `/discuss`, and `/speak` in a discussion thread."""
        subs = ("warn", "mute", "unmute", "strikes", "filter", "slowmode", "role", "log", "logchannel")
        return [
            *(Route("mod", sub, getattr(self, f"cmd_{sub}")) for sub in subs),
            Route("discuss", "start", self.cmd_discuss_start),
            Route("discuss", "close", self.cmd_discuss_close),
            Route("speak", None, self.cmd_speak_in_discussion, when=self.speaks_in_discussion),
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
            self._index_discussion(d)
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
            self._unindex_discussion(d)
        for d in discussions.values():
            self._index_discussion(d)

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

    # --- the rules every post, question and ballot passes ---

    def active_mute(self, platform: str, workspace: str, user_id: str, now: datetime) -> Mute | None:
        m = self.mutes.get((platform, workspace, user_id))
        return m if m is not None and m.active(now) else None

    async def _check(self, action: str, actor: Actor, lang: str, scope: str | None, text: str,
                     *, scope_id: int | None = None, exempt: bool | None = False) -> None:
        """Refuse with the reason (RuleError, text handed back) or count the action as done.

        `exempt` None means "ask whether `actor` moderates only if a limit would refuse them",
        which keeps the moderator look-up off the path of every ordinary vote.
        """
        now = self.core.clock.now()
        self._refuse_removed_or_muted(actor, scope, scope_id, text, now)
        limit = self.config.rates.get(action)
        rate_key = (*_key(actor), action)
        if exempt is not True:
            if scope is not None and action != VOTE:
                wait = self.slowmode.retry_after(scope, actor.user_id, now)
                if wait > 0 and not (exempt is None and await self.core.is_moderator(actor)):
                    raise RuleError("moderation.error.slowmode", handback=text, seconds=seconds_left(wait),
                                    every=self.slowmode.seconds.get(scope, 0))
            if limit is not None:
                wait = self.limiter.retry_after(rate_key, now, limit)
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
                self.limiter.hit(rate_key, now, limit)
            if scope is not None and action != VOTE:
                self.slowmode.hit(scope, actor.user_id, now)

    async def _claim_slow_turn(self, actor: Actor, scope: str, text: str, now: datetime,
                               exempt: bool | None) -> None:
        """On a shared store, the user's slow-mode turn in `scope` is claimed in the store, so a
        post through another process counts too (the store's per-key turn, the record that also
        paces tally edits); refused when somebody's process took it less than the interval ago."""
        seconds = self.slowmode.seconds.get(scope, 0)
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
        if self.removed and scope is not None and actor.user_id in self.removed.get(scope, ()):
            raise RuleError(f"moderation.error.removed_{scope.split(':')[0]}", handback=text, id=scope_id or "")
        if self.mutes:
            mute = self.active_mute(actor.platform, actor.workspace, actor.user_id, now)
            if mute is not None:
                raise RuleError("moderation.error.muted", handback=text, until=mute.until,  # shown in the zone read there
                                minutes=minutes_left(mute.until, now))

    async def guard(self, action: str, actor: Actor, channel: ChannelRef, target: object, text: str) -> None:
        """The pipeline's guard for "speak", "ask", "vote" (debates and polls) and "join".

        A ballot (a vote without text) meets removal, the mute and its rate limit only, and a
        moderator is looked up only when the rate limit would refuse one. For "join", `text` is
        the side asked for: a muted user may watch, not take a side.
        """
        d = target if isinstance(target, Debate) else None
        scope = self.debate_scope(d) if d is not None else None
        if isinstance(target, Discussion):  # a claim in a discussion thread: its removals and slow mode
            scope = target.scope
        if action == "join":
            if d is not None and scope is not None and actor.user_id in self.removed.get(scope, ()):
                raise RuleError("moderation.error.removed_debate", id=d.id)
            if text in _SIDES:
                self._refuse_removed_or_muted(actor, None, None, "", self.core.clock.now())
            return
        if action == VOTE and not text:
            now = self.core.clock.now()
            self._refuse_removed_or_muted(actor, scope, d.id if d else None, text, now)
            limit = self._vote_limit
            if limit is None or self.limiter.take((actor.platform, actor.workspace, actor.user_id, VOTE), now, limit) == 0:
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
        d = self.debate_at(channel)
        disc = None if d is not None else self.discussion_at(channel)
        if d is None and disc is None:
            return None
        if await self.core.is_moderator(actor):
            return None
        lang = await self.core.language(channel)
        try:
            if d is not None:
                if actor.user_id not in self.removed.get(self.debate_scope(d), ()):
                    self._check_floor(d, actor, text)
                await self._check(MESSAGE, actor, lang, self.debate_scope(d), text, scope_id=d.id)
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
        if self.active_mute(actor.platform, actor.workspace, actor.user_id, now) is not None:
            return
        engine.check_speech(d, self.debates.fmt(d), actor.user_id, text)

    def _check_length(self, text: str) -> None:
        limit = self.config.message_max_chars
        if len(text) > limit:
            raise RuleError("speak.error.too_long", handback=text, length=len(text), limit=limit)

    async def word_filter(self, platform: str, workspace: str) -> WordFilter:
        """The shipped lists plus the workspace's own words (cached until `/mod filter` changes them)."""
        key = (platform, workspace)
        if key not in self._filters:
            blocked, allowed = await self.store.filter_words(platform, workspace)
            self._filters[key] = self.default_filter.with_words(blocked, allowed) if blocked or allowed \
                else self.default_filter
        return self._filters[key]

    # --- refusals of the debate commands are audited; /speak in a discussion posts there ---

    async def refused(self, req: Request, exc: RuleError) -> None:
        """The core's refusal listener: a refused speech, question or ballot goes in the audit log."""
        command = req.command
        action = _AUDITED_REFUSALS.get(command.name) if command is not None and command.sub is None else None
        if command is not None and (command.name, command.sub) in _CLAIM_WRITES and exc.key.startswith("moderation."):
            action = CLAIM  # a claim moderation refused (filter, mute, rate limit); not a mistyped parent
        if action is None or exc.key in UNAUDITED:
            return
        d = self.debate_at(req.channel)
        if d is None and req.debate_id is not None:
            d = self.debates.debates.get(req.debate_id)
        # In an anonymous debate a refused ballot names nobody: its time and reason (a mute, a
        # removal) would tie the voter's hash to the user.
        whom = "" if action == VOTE and d and d.anonymous else None
        await self._audit_refusal(req.actor, action, exc, d.id if d else req.debate_id, whom)

    def speaks_in_discussion(self, req: Request) -> bool:
        """Whether a `/speak` here goes into a discussion thread (no debate runs here)."""
        return self.discussion_at(req.channel) is not None and self.debate_at(req.channel) is None

    async def cmd_speak_in_discussion(self, req: Request) -> list[Reply]:
        disc = self.discussion_at(req.channel)
        if disc is None:  # closed between the routing and now: nothing to post in
            raise RuleError("discuss.error.none_open", "usage.discuss.start")
        return await self.post_in_discussion(req, disc)

    async def post_in_discussion(self, req: Request, disc: Discussion) -> list[Reply]:
        text = req.cmd.read(SpeechText).text.strip()
        if not text:
            raise RuleError("parse.missing_text", "usage.speak")
        self._check_length(text)
        exempt = await self.core.is_moderator(req.actor)
        await self._check(MESSAGE, req.actor, disc.language, disc.scope, text, scope_id=disc.id, exempt=exempt)
        card = Card("speech", title=req.actor.name, body=text, author=req.actor.name, user_text=True)
        await self.core.port(disc.space).post(disc.space, card)
        self._see(req.actor, self.core.clock.now())
        return [Reply(Card("notice", body=self.t(disc.language, "discuss.posted")))]

    async def _audit_refusal(self, actor: Actor, action: str, exc: RuleError, debate_id: int | None,
                             whom: str | None = None) -> None:
        if exc.key in UNAUDITED:
            return
        filtered = exc.key == "moderation.error.filtered"
        await self._audit(actor.platform, actor.workspace, BOT, FILTER_BLOCK if filtered else f"refuse.{action}",
                          target=actor.user_id if whom is None else whom, reason=exc.key, debate_id=debate_id,
                          details=f"{action}: {exc.params.get('entry', '')}" if filtered else "")

    # --- observers: who is new, who joined late, which ballots to flag ---

    def _see(self, actor: Actor, now: datetime) -> datetime:
        """When the bot first saw `actor` act in this workspace.

        Stored under the keyed voter hash, never the user id: it is recorded on votes too, and
        an anonymous debate must leave no voter id anywhere.
        """
        key = _key(actor)
        seen = self.seen.get(key)
        return self._sighting(key, actor, now) if seen is None else seen

    def _sighting(self, key: Key, actor: Actor, now: datetime) -> datetime:
        """`_see` for an actor missing from the memo: look them up by hash, or record them as new."""
        member = (actor.platform, actor.workspace, voter_hash(self.core.secret, actor))
        seen = self.members.get(member)
        if seen is None:
            seen = self.members[member] = now
            self.member_writer.enqueue((*member, seen))  # a member seen before stays their earliest
        if len(self.seen) >= SEEN_MEMORY:
            self.seen.clear()  # only a memo: `members` and the store still know them
        self.seen[key] = seen
        return seen

    async def observe(self, event: str, actor: Actor | None, target: object, details: dict[str, object]) -> None:
        """The pipeline's observer (ballots have their own, `observe_ballot`)."""
        if not isinstance(target, Debate):
            return
        d = target
        if event == "end":
            await self._debate_ended(d)
            return
        if actor is None:
            return
        at = details.get("at")
        now = at if isinstance(at, datetime) else self.core.clock.now()
        self._see(actor, now)
        if event == "join" and self._pre_vote_over(d):
            # in an anonymous debate a late joiner is known by their voter hash only, without a time
            who = self.debates.voter_key(d, actor) if d.anonymous else actor.user_id
            self.late.setdefault(d.id, set()).add(who)
            await self.store.add_late_join(d.id, who, NO_TIME if d.anonymous else now)

    def observe_ballot(self, actor: Actor, d: Debate, stage: Stage, first: bool, now: datetime) -> None:
        """The core's ballot observer: the voter is seen, and a first ballot may be flagged."""
        first_seen = self._see(actor, now)
        if first:
            self._signals(d, actor, stage, first_seen, now)

    def _pre_vote_over(self, d: Debate) -> bool:
        phases = self.debates.fmt(d).phases
        pre = [i for i, p in enumerate(phases) if p.kind is PhaseKind.PRE_VOTE]
        return bool(pre) and d.phase_index > pre[0]

    def _signals(self, d: Debate, actor: Actor, stage: Stage, first_seen: datetime, now: datetime) -> None:
        voter = self.debates.voter_key(d, actor) if d.anonymous else actor.user_id
        if stage is Stage.POST:
            late = voter in self.late.get(d.id, ())
            for reason in post_vote_flags(voter, d.votes[Stage.PRE], late):
                self._flag(d, voter, reason, stage, now)
        # a new participant: known here for less than the window
        if first_seen is now or now - first_seen < self._new_window:
            burst = self.bursts.add((d.id, stage.value), voter, now)
            if burst.started:
                self._later(self._audit(d.space.platform, d.space.workspace, BOT, "vote.burst", reason=FlagReason.BURST,
                                        debate_id=d.id,
                                        details=f"{stage.value}: {burst.size} / {self.config.burst_seconds:g} s"))
            for v in burst.flag:
                self._flag(d, v, _BURST, stage, now)

    def _flag(self, d: Debate, voter: str, reason: str, stage: Stage, now: datetime) -> None:
        voters = self.flags.get(d.id)
        if voters is None:
            voters = self.flags[d.id] = {}
        reasons = voters.get(voter, ())
        if reason in reasons:
            return
        reason = str(reason)  # stored and compared as its plain value
        voters[voter] = (*reasons, reason)
        # In an anonymous debate the flag is stored under the voter's hash without a time, and its
        # log entry (which has one) names nobody.
        self.flag_writer.enqueue((d.id, voter, reason, stage.value, NO_TIME if d.anonymous else now))
        if reason == _BURST:
            return  # a burst is logged once, when it starts ("vote.burst"); its ballots are in vote_flags
        self._later(self._audit(d.space.platform, d.space.workspace, BOT, "vote.flag",
                                target="" if d.anonymous else voter, reason=str(reason), debate_id=d.id,
                                details=stage.value))

    async def flagged_voters(self, d: object) -> set[str]:
        """The voter keys of flagged ballots (`/debate results flagged:exclude`): kept in memory
        while the debate runs, read from the store once it has ended."""
        did = getattr(d, "id", None)
        if did is None:
            return set()
        if getattr(d, "running", False):
            return set(self.flags.get(did, {}))
        await self.flag_writer.flush()  # the last flags may still be on their way
        return await self.store.flagged_voters(did)

    async def _debate_ended(self, d: Debate) -> None:
        scope = self.debate_scope(d)
        self.removed.pop(scope, None)
        self.slowmode.drop(scope)
        self.late.pop(d.id, None)
        self.flags.pop(d.id, None)  # stored: `flagged_voters` reads an ended debate's from the store
        self.bursts.forget(d.id)
        await self.store.drop_scope(scope)
        await self.store.drop_late_joins(d.id)

    # --- the audit log and its mirror ---

    async def _audit(self, platform: str, workspace: str, actor: str, action: str, *, target: str = "",
                     reason: str = "", debate_id: int | None = None, details: str = "") -> None:
        await self.core.audit(AuditEntry(platform, workspace, self.core.clock.now(), actor, action, target,
                                         str(reason), debate_id, details))

    async def _audit_by(self, req: Request, action: str, *, target: str = "", reason: str = "",
                        debate_id: int | None = None, details: str = "") -> None:
        await self._audit(req.actor.platform, req.actor.workspace, req.actor.user_id, action, target=target,
                          reason=reason, debate_id=debate_id, details=details)

    def log_line(self, lang: str, e: AuditEntry, zone: tzinfo | None = None) -> str:
        """One audit entry in words, its time in `zone` (the channel's) with the zone named."""
        key = "moderation.log.action." + e.action.replace(".", "_")
        action = self.t(lang, key) if self.core.catalog.has(key) else e.action
        parts = [self.t(lang, "moderation.log.line", at=clock_time(e.at, zone, seconds=True), actor=e.actor, action=action)]
        if e.target:
            parts.append(self.t(lang, "moderation.log.target", target=e.target))
        if e.reason:
            reason = self._log_reason(lang, e.reason) if e.actor == BOT else e.reason
            parts.append(self.t(lang, "moderation.log.reason", reason=reason))
        if e.debate_id is not None:
            parts.append(self.t(lang, "moderation.log.debate", id=e.debate_id))
        if e.details:
            parts.append(self.t(lang, "moderation.log.details", details=e.details))
        return " ".join(parts)

    def _log_reason(self, lang: str, reason: str) -> str:
        """The bot's own reasons are machine words (`no_pre_vote`) or the catalog key of a refusal
        (`moderation.error.slowmode`): shown as their label, or else as the refusal's text with
        its numbers left out. A moderator's reason is their own text and is shown as written."""
        catalog = self.core.catalog
        label = "moderation.log.why." + reason.replace(".", "_")
        if catalog.has(label):
            return self.t(lang, label)
        if catalog.has(reason):
            return self.t(lang, reason, **dict.fromkeys(placeholders(catalog.messages[FALLBACK][reason]), "…"))
        return reason

    async def mirror(self, entry: AuditEntry) -> None:
        """Copy an audit entry to the workspace's moderator log channel, if one is set.

        Refusals stay in `/mod log` only; floods of flags and filter hits are coalesced.
        """
        channel = self.log_channels.get((entry.platform, entry.workspace))
        port = self.core.ports.get(entry.platform)
        if channel is None or port is None or entry.action.startswith("refuse."):
            return
        ref = ChannelRef(entry.platform, entry.workspace, channel)
        lang = await self.core.language(ref)
        body = self.log_line(lang, entry, await self.core.zone(ref))
        if entry.action in COALESCED:
            key = (entry.platform, entry.workspace, entry.action)
            last = self._mirrored.get(key)
            if last is not None and entry.at - last < timedelta(seconds=self.config.mirror_interval_seconds):
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return
            self._mirrored[key] = entry.at
            more = self._suppressed.pop(key, 0)
            if more:
                body += "\n" + self.t(lang, "moderation.log.more", count=more)
        await port.post(ref, Card("notice", title=self.t(lang, "moderation.log.mirror_title"), body=body,
                                  user_text=True))

    # --- telling people ---

    async def _tell(self, channel: ChannelRef, user_id: str, card: Card) -> None:
        try:
            await self.core.port(channel).send_private(channel, user_id, card)
        except Exception:
            log.exception("could not tell %s privately", user_id)

    # --- /mod warn, mute, unmute, strikes ---

    @staticmethod
    def _target(req: Request, user: str) -> str:
        target = user.strip()
        if not target:
            raise RuleError("parse.missing_option", req.cmd.spec.usage_key, option="user")
        return target

    async def cmd_warn(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Warn)
        target = self._target(req, given.user)
        reason = given.reason
        lang = await self.core.language(req.channel)
        now = self.core.clock.now()
        here = self._scope_here(req.channel)
        debate_id = here[1].id if here and isinstance(here[1], Debate) else None
        strike = Strike(0, target, now, reason, req.actor.user_id, debate_id)
        await self.store.add_strike(req.actor.platform, req.actor.workspace, strike)
        await self._audit_by(req, "strike", target=target, reason=reason, debate_id=debate_id)
        strikes = await self._active_strikes(req.actor.platform, req.actor.workspace, target, now)
        count = len(strikes)
        shown = reason or self.t(lang, "mod.no_reason")
        await self._tell(req.channel, target, Card("notice", title=self.t(lang, "moderation.warned_you_title"),
                                                   body=self.core.tn(lang, "moderation.warned_you", count, reason=shown,
                                                               hours=f"{self.config.strike_expiry_hours:g}",
                                                               mute_at=self.config.mute_at_strikes,
                                                               minutes=self.config.mute_minutes,
                                                               remove_at=self.config.remove_at_strikes),
                                                   user_text=True))
        lines = [self.core.tn(lang, "moderation.warned", count, user=target)]
        step = escalation(count, self.config)
        auto_reason = f"strikes={count}"
        if step is Escalation.REMOVE:
            removed = await self._remove(req, target, auto_reason)
            lines.extend(self.t(lang, "moderation.auto_removed", user=target, place=p) for p in removed)
            if not removed:
                step = Escalation.MUTE
        if step is Escalation.MUTE:
            m, minutes = await self._mute(req.actor.platform, req.actor.workspace, target, self.config.mute_minutes,
                                          auto_reason, BOT, req.channel)
            lines.append(self.core.tn(lang, "moderation.auto_muted", count, user=target,
                                      until=clock_time(m.until, await self.core.zone(req.channel)), minutes=minutes))
        return [Reply(Card("notice", body="\n".join(lines), user_text=True))]

    async def _active_strikes(self, platform: str, workspace: str, user: str, now: datetime) -> list[Strike]:
        expiry = self.config.strike_expiry
        return active_strikes(await self.store.strikes_since(platform, workspace, user, now - expiry), now, expiry)

    async def _mute(self, platform: str, workspace: str, user: str, minutes: float, reason: str, by: str,
                    channel: ChannelRef) -> tuple[Mute, int]:
        """Mute `user` and tell them; the mute and the minutes they were told, which the moderator
        is told too (counted again later, the clock would have moved on: 10 min could read 11)."""
        now = self.core.clock.now()
        current = self.mutes.get((platform, workspace, user))
        m = Mute(platform, workspace, user, mute_until(now, minutes, current), reason, by, channel.channel)
        await self.store.save_mute(m)  # stored first: a mute the store refused never lives in memory
        self.mutes[(platform, workspace, user)] = m
        self.core.wake()
        await self._audit(platform, workspace, by, "mute", target=user, reason=reason,
                          details=m.until.isoformat(timespec="seconds"))
        lang, zone = await self.core.language(channel), await self.core.zone(channel)
        told = minutes_left(m.until, now)
        await self._tell(channel, user, Card("notice", body=self.t(
            lang, "moderation.muted_you", until=clock_time(m.until, zone), minutes=told), user_text=True))
        return m, told

    async def _remove(self, req: Request, user: str, reason: str) -> list[str]:
        """Remove `user` from the debate or discussion here and from every running debate they joined."""
        places: list[str] = []
        now = self.core.clock.now()
        platform, workspace = req.actor.platform, req.actor.workspace
        targets: list[Debate] = []
        here = self.debate_at(req.channel)
        if here is not None:
            targets.append(here)
        targets.extend(d for d in self.debates.debates.values() if d is not here and d.running
                       and d.space.platform == platform and d.space.workspace == workspace
                       and user in d.participants)
        lang = await self.core.language(req.channel)
        for d in targets:
            scope = self.debate_scope(d)
            self.removed.setdefault(scope, set()).add(user)
            await self.store.add_removal(scope, user, platform, workspace, now, reason)
            if user in d.participants:
                del d.participants[user]
                await self.core.store.remove_participant(d.id, user)
                await self.debates._redraw_opening(d)
            await self._audit(platform, workspace, BOT, "remove", target=user, reason=reason, debate_id=d.id)
            await self._tell(d.space, user, Card("notice", body=self.t(d.language, "moderation.removed_you", id=d.id)))
            places.append(self.t(lang, "moderation.place_debate", id=d.id))
        disc = self.discussion_at(req.channel, parent_too=True) if here is None else None
        if disc is not None:
            self.removed.setdefault(disc.scope, set()).add(user)
            await self.store.add_removal(disc.scope, user, platform, workspace, now, reason)
            await self._audit(platform, workspace, BOT, "remove", target=user, reason=reason, details=disc.scope)
            await self._tell(disc.space, user, Card("notice", body=self.t(disc.language, "moderation.removed_you_discussion",
                                                                          id=disc.id)))
            places.append(self.t(lang, "moderation.place_discussion", id=disc.id))
        return places

    async def cmd_mute(self, req: Request) -> list[Reply]:
        given = req.cmd.read(MuteUser)
        target = self._target(req, given.user)
        minutes = self.config.mute_minutes if given.minutes is None else given.minutes
        reason = given.reason
        m, told = await self._mute(req.actor.platform, req.actor.workspace, target, minutes, reason,
                                   req.actor.user_id, req.channel)
        lang, zone = await self.core.language(req.channel), await self.core.zone(req.channel)
        return [Reply(Card("notice", body=self.t(lang, "moderation.muted", user=target,
                                                 until=clock_time(m.until, zone), minutes=told), user_text=True))]

    async def cmd_unmute(self, req: Request) -> list[Reply]:
        target = self._target(req, req.cmd.read(Target).user)
        lang = await self.core.language(req.channel)
        key = (req.actor.platform, req.actor.workspace, target)
        m = self.mutes.get(key)
        if m is None or not m.active(self.core.clock.now()):  # an ended mute is left for `run_due` to close
            raise RuleError("moderation.error.not_muted", "usage.mod.unmute", user=target)
        del self.mutes[key]
        await self.store.delete_mute(*key)
        self.core.wake()
        await self._audit_by(req, "unmute", target=target)
        await self._tell(req.channel, target, Card("notice", body=self.t(lang, "moderation.unmuted_you")))
        return [Reply(Card("notice", body=self.t(lang, "moderation.unmuted", user=target), user_text=True))]

    async def cmd_strikes(self, req: Request) -> list[Reply]:
        target = self._target(req, req.cmd.read(Target).user)
        lang, zone = await self.core.language(req.channel), await self.core.zone(req.channel)
        now = self.core.clock.now()
        strikes = await self._active_strikes(req.actor.platform, req.actor.workspace, target, now)
        lines = [self.t(lang, "moderation.strike_line", at=clock_time(s.at, zone), by=s.by,
                        reason=s.reason or self.t(lang, "mod.no_reason"),
                        expires=clock_time(strike_expires(s, self.config.strike_expiry), zone)) for s in strikes]
        body = "\n".join(lines) if lines else self.t(lang, "moderation.no_strikes")
        fields = [Field(self.t(lang, "moderation.thresholds"), self.t(
            lang, "moderation.thresholds_line", mute_at=self.config.mute_at_strikes, minutes=self.config.mute_minutes,
            remove_at=self.config.remove_at_strikes, hours=f"{self.config.strike_expiry_hours:g}"), inline=False)]
        m = self.active_mute(req.actor.platform, req.actor.workspace, target, now)
        if m is not None:
            fields.append(Field(self.t(lang, "moderation.mute_field"), self.t(
                lang, "moderation.mute_until", until=clock_time(m.until, zone), minutes=minutes_left(m.until, now))))
        title = self.t(lang, "moderation.strikes_title", user=target, count=len(strikes))
        return [Reply(Card("list", title=title, body=body, fields=tuple(fields), user_text=True))]

    # --- /mod filter ---

    async def cmd_filter(self, req: Request) -> list[Reply]:
        given = req.cmd.read(FilterChange)
        action = given.action
        lang = await self.core.language(req.channel)
        platform, workspace = req.actor.platform, req.actor.workspace
        allowed = given.allow
        if action == "list":
            return [Reply(await self._filter_list(lang, platform, workspace))]
        word = given.word.strip()
        if not word:
            raise RuleError("parse.missing_option", "usage.mod.filter", option="word")
        which = self.t(lang, "moderation.filter.allow_list" if allowed else "moderation.filter.block_list")
        if action == "add":
            problem = validate_entry(word)
            if problem is not None:
                key = f"moderation.filter.invalid.{problem}"
                why = self.t(lang, key) if self.core.catalog.has(key) else problem
                raise RuleError("moderation.filter.invalid_entry", "usage.mod.filter", word=word[:60], why=why)
            await self.store.add_filter_word(platform, workspace, word, allowed, req.actor.user_id,
                                             self.core.clock.now())
            reply = self.t(lang, "moderation.filter.added", word=word, list=which)
        else:
            blocked, allow = await self.store.filter_words(platform, workspace)
            stored = next((w for w in (allow if allowed else blocked) if w.casefold() == word.casefold()), None)
            if stored is None:
                raise RuleError("moderation.filter.not_listed", "usage.mod.filter", word=word[:60], list=which)
            await self.store.remove_filter_word(platform, workspace, stored, allowed)
            word = stored
            reply = self.t(lang, "moderation.filter.removed", word=word, list=which)
        self._filters.pop((platform, workspace), None)
        await self._audit_by(req, f"filter.{action}", reason="allow" if allowed else "block", details=word)
        return [Reply(Card("notice", body=reply, user_text=True))]

    async def _filter_list(self, lang: str, platform: str, workspace: str) -> Card:
        blocked, allowed = await self.store.filter_words(platform, workspace)
        none = self.t(lang, "moderation.filter.none")
        return Card("list", title=self.t(lang, "moderation.filter.title"), user_text=True, fields=(
            Field(self.t(lang, "moderation.filter.block_list"), ", ".join(blocked) or none, inline=False),
            Field(self.t(lang, "moderation.filter.allow_list"), ", ".join(allowed) or none, inline=False),
        ), footer=self.t(lang, "moderation.filter.footer", blocked=len(self.default_filter.blocked),
                         allowed=len(self.default_filter.allowed)))

    # --- /mod slowmode, role, log, logchannel ---

    async def cmd_slowmode(self, req: Request) -> list[Reply]:
        seconds = req.cmd.read(Slowmode).seconds
        lang = await self.core.language(req.channel)
        here = self._scope_here(req.channel)
        if here is None:
            raise RuleError("moderation.error.no_place", "usage.mod.slowmode")
        scope, place = here
        d = place if isinstance(place, Debate) else None
        await self.store.set_slowmode(scope, seconds)  # stored first: a refused change changes nothing
        self.slowmode.set(scope, seconds)
        await self._audit_by(req, "slowmode", debate_id=d.id if d else None, details=f"{scope}: {seconds}")
        space, space_lang = place.space, place.language
        key = "moderation.slowmode_on" if seconds else "moderation.slowmode_off"
        await self.core.port(space).post(space, Card("notice", body=self.t(space_lang, key, seconds=seconds)))
        return [Reply(Card("notice", body=self.t(lang, key, seconds=seconds)))]

    async def cmd_role(self, req: Request) -> list[Reply]:
        given = req.cmd.read(ModRole)
        lang = await self.core.language(req.channel)
        platform, workspace = req.actor.platform, req.actor.workspace
        role = normalise_role(given.role)
        if not role:
            roles = await self.store.roles(platform, workspace)
            body = ", ".join(roles) if roles else self.t(lang, "moderation.role.none")
            return [Reply(Card("list", title=self.t(lang, "moderation.role.title"), body=body, user_text=True))]
        if given.remove:
            await self.store.remove_role(platform, workspace, role)
            action, key = "role.remove", "moderation.role.removed"
        else:
            await self.store.add_role(platform, workspace, role)
            action, key = "role.add", "moderation.role.added"
        self._roles.pop((platform, workspace), None)
        await self._audit_by(req, action, details=role)
        return [Reply(Card("notice", body=self.t(lang, key, role=role), user_text=True))]

    async def cmd_log(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Log)
        await self.settle()
        lang = await self.core.language(req.channel)
        user = given.user
        limit = given.limit or LOG_LIMIT
        entries = await self.core.store.audit_entries(req.actor.platform, req.actor.workspace, user, limit)
        zone = await self.core.zone(req.channel)
        lines = [self.log_line(lang, e, zone) for e in entries]
        title = self.t(lang, "moderation.log.title_user", user=user) if user else self.t(lang, "moderation.log.title")
        body = "\n".join(lines) if lines else self.t(lang, "moderation.log.empty")
        return [Reply(Card("list", title=title, body=body, user_text=True,
                           footer=self.core.tn(lang, "moderation.log.footer", len(entries))))]

    async def cmd_logchannel(self, req: Request) -> list[Reply]:
        given = req.cmd.read(LogChannel)
        lang = await self.core.language(req.channel)
        key = (req.actor.platform, req.actor.workspace)
        if given.off:
            await self.store.set_log_channel(*key, None)
            self.log_channels.pop(key, None)
            await self._audit_by(req, "logchannel", details="off")
            return [Reply(Card("notice", body=self.t(lang, "moderation.logchannel_off")))]
        channel = normalise_channel(given.channel) or req.channel.channel
        await self.store.set_log_channel(*key, channel)
        self.log_channels[key] = channel
        await self._audit_by(req, "logchannel", details=channel)
        return [Reply(Card("notice", body=self.t(lang, "moderation.logchannel_set", channel=channel),
                           user_text=True))]

    # --- /discuss start, close ---

    def _index_discussion(self, d: Discussion) -> None:
        self.discussions[d.space] = d
        self.discussion_parents[d.parent] = d

    def _unindex_discussion(self, d: Discussion) -> None:
        if self.discussions.get(d.space) is d:
            del self.discussions[d.space]
        if self.discussion_parents.get(d.parent) is d:
            del self.discussion_parents[d.parent]

    async def cmd_discuss_start(self, req: Request) -> list[Reply]:
        topic = req.cmd.read(DiscussStart).topic.strip()[:200]
        if not topic:
            raise RuleError("parse.missing_option", "usage.discuss.start", option="topic")
        lang = await self.core.language(req.channel)
        if self.debate_at(req.channel) is not None:
            raise RuleError("discuss.error.debate_here", "usage.discuss.start")
        existing = self.discussion_at(req.channel, parent_too=True)
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
        await self._audit_by(req, "discuss.start", details=f"{disc.scope}: {topic}")
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
        disc = self.discussion_at(req.channel, parent_too=True)
        if disc is None:
            raise RuleError("discuss.error.none_open", "usage.discuss.start")
        now = self.core.clock.now()
        disc.closed_at = now
        await self.store.close_discussion(disc.id, now)
        self._unindex_discussion(disc)
        self.removed.pop(disc.scope, None)
        self.slowmode.drop(disc.scope)
        await self.store.drop_scope(disc.scope)
        await self.core.port(disc.space).post(disc.space, Card(
            "notice", body=self.t(disc.language, "discuss.closed", id=disc.id, topic=disc.topic), user_text=True))
        await self._audit_by(req, "discuss.close", details=disc.scope)
        return [Reply(Card("notice", body=self.t(lang, "discuss.closed_reply", id=disc.id)))]
