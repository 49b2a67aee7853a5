"""The core's front door: takes a request, routes it to a service, turns refusals into replies.

Adapters build a :class:`Request` (who, where, which command) and call :meth:`Core.handle`; the
services post what everybody should see through the :class:`ChatPort` of the channel's platform
and return what the person who asked should see as :class:`Reply` objects.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, tzinfo
from functools import lru_cache, partial
from typing import Any

from bot.core.assembly import Assembly, Step
from bot.core.debates.model import Actor, AuditEntry, ChannelRef, Debate
from bot.core.kernel.cards import Reply
from bot.core.kernel.commands import SPECS, Command, ParseError, parse
from bot.core.kernel.deliveries import Deliveries
from bot.core.kernel.error_replies import error_reply, handback_text
from bot.core.kernel.errors import RuleError
from bot.core.kernel.i18n import Catalog
from bot.core.kernel.inflight import InFlight
from bot.core.kernel.request import Floor, Request
from bot.core.kernel.scheduler import Scheduler
from bot.core.kernel.timefmt import zone_named
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.library.loader import Library
from bot.core.polls.model import Poll
from bot.core.ports import CHANNEL_GENERATION, Charts, ChatPort, Clock, Metrics, NoMetrics, Store

log = logging.getLogger(__name__)
PARSE_CACHE = 1024  # distinct short lines whose parse is kept (`Core._parse_line`)
PARSE_CACHE_LINE = 80  # characters: longer lines (speeches, questions) are parsed each time
SYNC_SECONDS = 0.5  # how often a process on a shared store looks for other processes' changes


class Core:
    """The shared context every service is built on (store, ports, clock, library, catalogs,
    channel settings, the audit trail) and the front door adapters call (`handle`).

    `assemble` (`bot.app.assemble`) is called once, here, with this core, and builds every
    service with its dependencies passed in; nothing is added to the core afterwards but the
    platforms (`attach`).
    """

    def __init__(
        self,
        *,
        store: Store,
        ports: dict[str, ChatPort],
        clock: Clock,
        library: Library,
        catalog: Catalog,
        assemble: Callable[[Core], Assembly],
        secret: bytes = b"",
        timezone: tzinfo = UTC,
        metrics: Metrics | None = None,
        charts: Charts | None = None,
    ) -> None:
        self.store = store
        self.metrics: Metrics = metrics or NoMetrics()
        self.charts = charts  # draws the result pictures; None: results go out without them
        # what the adapters accepted and have not answered yet; `drain` waits for it
        self.inflight = InFlight()
        self.stopping = False  # `drain` began: new requests are refused with error.stopping
        # (platform, workspace) the bot cannot reach now (a Slack workspace that uninstalled the
        # app): the deadlines of its debates and polls wait, and run once it is back (see `due_in`)
        self.away: set[tuple[str, str]] = set()
        self.ports = ports
        self.clock = clock
        self.library = library
        self.catalog = catalog
        self.secret = secret
        self.timezone = timezone  # BOT_TIMEZONE: where a channel has not chosen its own zone
        self.words = catalog.choice_words()  # `/vote 賛成` as the buttons read: a word -> its value
        # Plumbing, not a rule: the lines typed again and again (`/vote pro`) are parsed once.
        # `parse` is pure and a Command is frozen; a refused line is not kept. Measured in the
        # bench's closed loop (moderation detached, 2-core VM): 14-18 us of CPU a vote with it,
        # 24-25 us without.
        self._parse_line = lru_cache(maxsize=PARSE_CACHE)(partial(parse, words=self.words))
        # Audit entries are grouped into transactions like votes, so a burst of automatic
        # entries (vote flags) never queues one transaction per entry on the store.
        self.audit_writer: GroupCommitWriter[AuditEntry] = GroupCommitWriter(store.add_audits)
        self.deliveries = Deliveries(store, clock, self.metrics)  # a platform's retry does nothing
        self._languages: dict[ChannelRef, str] = {}
        self._zones: dict[ChannelRef, tzinfo] = {}
        self._scheduler: asyncio.Task[None] | None = None
        self._generations: dict[str, int] = {}
        self._syncer: asyncio.Task[None] | None = None
        # What the platforms attached (`attach`): their logins, their closing, who they say moderates.
        self._platform_starters: list[Step] = []
        self._platform_stoppers: list[Step] = []
        self._platform_syncers: list[Step] = []
        self._platform_moderators: dict[str, Callable[[Actor], Awaitable[bool]]] = {}
        self._started = False
        parts = assemble(self)
        self.debates = parts.debates
        self.polls = parts.polls
        self.moderation = parts.moderation
        self.screens = parts.screens
        self.claims = parts.claims
        self.router = parts.router
        self.pipeline = parts.pipeline
        self._parts = parts
        self.scheduler = Scheduler(self.clock, parts.timed)
        # Another process set a channel's language or zone: the core's own generation comes first.
        self._refreshers: dict[str, Step] = {CHANNEL_GENERATION: self._forget_channel_settings,
                                                **parts.refreshers}

    async def _forget_channel_settings(self) -> None:
        """Another process set a channel's language or zone: read each again when next asked."""
        self._languages.clear()
        self._zones.clear()

    def due_in(self, ref: ChannelRef) -> bool:
        """Whether deadlines in `ref`'s workspace may run now (it is not `away`)."""
        return (ref.platform, ref.workspace) not in self.away

    # --- wiring ---

    def attach(self, port: ChatPort, *, start: Step | None = None, stop: Step | None = None,
               moderators: Callable[[Actor], Awaitable[bool]] | None = None, sync: Step | None = None) -> None:
        """Plug a platform in before `start`: its port, its login (run after the services have
        loaded), its closing (run after the store has closed), who it says moderates (asked
        before the platform's admin flag and moderation's roles, for that platform's actors) and
        what it follows of other processes' changes (run after the services' on every `sync`)."""
        if self._started:
            raise RuntimeError(f"platform {port.platform} attached after the core started")
        self.ports[port.platform] = port
        if start is not None:
            self._platform_starters.append(start)
        if stop is not None:
            self._platform_stoppers.append(stop)
        if moderators is not None:
            self._platform_moderators[port.platform] = moderators
        if sync is not None:
            self._platform_syncers.append(sync)

    async def platform_moderator(self, actor: Actor) -> bool:
        """The platform's word: what the actor's platform says (`attach`), else its admin flag."""
        vouch = self._platform_moderators.get(actor.platform)
        if vouch is not None and await vouch(actor):
            return True
        return actor.is_admin

    def port(self, ref: ChannelRef) -> ChatPort:
        return self.ports[ref.platform]

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.catalog.t(lang, key, **params)

    def tn(self, lang: str, key: str, count: int, **params: object) -> str:
        """`t` for a text that depends on `count` (its plural forms, see `Catalog.tn`)."""
        return self.catalog.tn(lang, key, count, **params)

    async def language(self, ref: ChannelRef) -> str:
        lang = self._languages.get(ref)
        if lang is None:
            lang = self._languages[ref] = await self.store.get_language(ref) or "en"
        return lang

    async def set_language(self, ref: ChannelRef, lang: str) -> None:
        await self.store.set_language(ref, lang)
        self._languages[ref] = lang

    async def zone(self, ref: ChannelRef) -> tzinfo:
        """The time zone times are shown in for this channel: its own (`/debate timezone`), else
        BOT_TIMEZONE."""
        zone = self._zones.get(ref)
        if zone is None:
            zone = self._zones[ref] = zone_named(await self.store.get_timezone(ref)) or self.timezone
        return zone

    def zone_known(self, ref: ChannelRef) -> tzinfo:
        """`zone` without a store read, for a card built in the middle of things: the zone read
        for this channel before (every request reads it first), else BOT_TIMEZONE."""
        return self._zones.get(ref, self.timezone)

    async def set_zone(self, ref: ChannelRef, name: str | None) -> None:
        """Give the channel its own zone by name (checked by the caller), or None: BOT_TIMEZONE."""
        await self.store.set_timezone(ref, name)
        self._zones[ref] = zone_named(name) or self.timezone

    async def is_moderator(self, actor: Actor) -> bool:
        return await self.pipeline.is_moderator(actor)

    # --- what adapters ask without running a command (no I/O unless awaited) ---

    def speech_floor(self, actor: Actor, channel: ChannelRef) -> Floor:
        """Whether `actor` holds the floor in the debate running in `channel`, asked without I/O
        (an adapter opens its speech box before anything else): the debate's language and the
        phase's character limit, or RuleError with the reason."""
        d, limit = self.debates.floor(actor, channel)
        return Floor(d.language, limit)

    def open_poll_language(self, poll_id: int) -> str | None:
        """The language of open poll `poll_id`, held in memory (a modal for its ballot opens
        before any store read); None when no such poll is open in this process."""
        poll = self.polls.open_poll(poll_id)
        return poll.language if poll is not None else None

    def debate_space(self, channel: ChannelRef) -> ChannelRef | None:
        """Where the debate running in `channel` (or in its thread) lives, if one runs there."""
        return self.debates.space_here(channel)

    def open_debates(self, platform: str) -> list[Debate]:
        """The debates still running or paused on `platform`, oldest first (no I/O)."""
        return self.debates.open_on(platform)

    def open_polls(self, platform: str) -> list[Poll]:
        """The polls still open on `platform`, oldest first (no I/O)."""
        return self.polls.open_on(platform)

    async def check_message(self, actor: Actor, channel: ChannelRef, text: str) -> str | None:
        """May a plain chat message typed in `channel` stand? None if so, else the localised
        reason to hand back with the removed message."""
        return await self.moderation.check_message(actor, channel, text)

    # --- what runs around a command: `self.pipeline`, declared by `bot.app` ---

    async def flagged(self, debate: object) -> set[str]:
        """The voters whose ballots moderation flags in `debate` (`/debate results flagged:exclude`)."""
        return await self.pipeline.flagged_voters(debate)

    async def audit(self, entry: AuditEntry) -> None:
        """Store an audit entry and hand it to the listeners (a moderator log channel, for one)."""
        await self.audit_writer.submit(entry)
        await self.pipeline.audited(entry)

    # --- life cycle ---

    async def start(self) -> None:
        self._started = True
        for starter in (*self._parts.starters, *self._platform_starters):
            await starter()
        for deliver in self._parts.deliverers:
            try:
                await deliver()
            except Exception:
                log.exception("could not post what was owed")
        await self.run_due()
        self._scheduler = asyncio.create_task(self.scheduler.run(), name="deadline-scheduler")
        if self.store.shared:
            self._generations = await self.store.generations()
            self._syncer = asyncio.create_task(self._follow(), name="store-sync")

    async def drain(self, timeout: float) -> bool:
        """Stop taking new work and finish what was taken: every request in flight answered,
        every queued ballot committed, the tally edits owed sent. True when all of it was done
        within `timeout` seconds; `stop` closes the store either way."""
        self.stopping = True
        try:
            await asyncio.wait_for(self._finish_in_flight(), timeout)
        except TimeoutError:
            log.warning("stopping: %d requests still in flight after %g s", self.inflight.count, timeout)
            return False
        return True

    async def _finish_in_flight(self) -> None:
        await self.inflight.idle()
        for writer in self.writers().values():
            await writer.flush()
        await self.debates.tallies.idle()
        await self.polls.tallies.idle()
        for port in self.ports.values():
            idle = getattr(port, "idle", None)  # a port that queues edits (Slack) sends them first
            if idle is not None:
                await idle()

    def writers(self) -> dict[str, GroupCommitWriter[Any]]:
        """Every group-commit writer by what it writes (GET /metrics reports their batch sizes)."""
        return {"audit": self.audit_writer, "votes": self.debates.writer, "ballots": self.polls.writer,
                "members": self.moderation.member_writer, "vote_flags": self.moderation.flag_writer}

    def open_counts(self) -> dict[str, int]:
        """How many debates (running or paused) and polls this process holds open."""
        return {"debates": len(self.debates.debates), "polls": len(self.polls.polls)}

    async def stop(self) -> None:
        for task in (self._scheduler, self._syncer):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._scheduler = self._syncer = None
        for stopper in (*self._parts.stoppers, *self._platform_stoppers):
            await stopper()

    async def sync(self) -> None:
        """One look at what other processes changed in the store (the sync task calls this every
        SYNC_SECONDS on a shared store; tests may call it): debates and polls they opened, moved
        on or closed, and shared state whose generation moved."""
        for syncer in (*self._parts.syncers, *self._platform_syncers):
            try:
                await syncer()
            except Exception:
                log.exception("could not follow the store's changes")
        generations = await self.store.generations()
        for name, refresh in self._refreshers.items():
            if generations.get(name) != self._generations.get(name):
                try:
                    await refresh()
                except Exception:
                    log.exception("could not reload %s from the store", name)
                    continue
                self._generations[name] = generations[name]

    async def _follow(self) -> None:
        while True:
            await self.clock.sleep(SYNC_SECONDS)
            try:
                await self.sync()
            except Exception:
                log.exception("the store did not answer; following again in %s s", SYNC_SECONDS)

    def wake(self) -> None:
        """A deadline changed: let the scheduler look again."""
        self.scheduler.wake()

    def next_deadline(self) -> datetime | None:
        return self.scheduler.next_deadline()

    async def run_due(self) -> None:
        """Run every deadline that has passed (the scheduler calls this; tests may too)."""
        await self.scheduler.run_due()

    # --- requests ---

    async def seen_before(self, key: str | None, platform: str = "") -> bool:
        """Whether a platform delivery was handled before, by any process (see `Deliveries`)."""
        return await self.deliveries.seen_before(key, platform)

    async def handle(self, request: Request) -> list[Reply]:
        """Run one request; never raises. A repeated delivery (same dedupe key) does nothing.
        While the process stops (`drain`), every request is refused, its text handed back. One
        coroutine to the handler, one exit counting ballots: a frame more cost 0.3 µs a vote."""
        started = time.perf_counter()
        lang = await self.language(request.channel)
        try:
            if self.stopping:
                with suppress(ParseError):
                    self._parsed(request)  # a ballot refused so is counted as one
                raise RuleError("error.stopping", handback=handback_text(request))
            await self.zone(request.channel)  # read now: a reply shows times in the channel's zone
            if request.dedupe_key is not None and await self.seen_before(request.dedupe_key, request.channel.platform):
                log.info("ignoring a repeated delivery %s", request.dedupe_key)
                replies: list[Reply] = []
            else:
                command = self._parsed(request)
                if command.spec.moderator and not await self.is_moderator(request.actor):
                    raise RuleError("error.not_moderator", command.spec.usage_key)
                handler = self.router.find(request, (command.name, command.sub))
                if handler is None:
                    raise RuleError("error.unavailable", command.spec.usage_key)
                try:
                    replies = await handler(request)
                except RuleError as exc:
                    await self.pipeline.refused(request, exc)
                    raise
        except ParseError as exc:
            replies = [self.error_reply(lang, exc.key, exc.usage, "", exc.params, self.zone_known(request.channel))]
        except RuleError as exc:
            usage, typed = exc.usage, request.command.spec.usage_key if request.command is not None else None
            if usage in MODERATOR_USAGE and usage != typed and not await self.is_moderator(request.actor):
                usage = None  # a pupil is told what is wrong, not how a moderator would fix it
            replies = [self.error_reply(lang, exc.key, usage, exc.handback, exc.params, self.zone_known(request.channel))]
        except Exception:
            log.exception("command failed: %r", request.line or request.command)
            replies = [self.error_reply(lang, "error.internal", None, handback_text(request), {})]
        done = request.command  # a repeated delivery has no reply and is not counted again
        if replies and done is not None and (done.name == "vote" or (done.name, done.sub) == ("poll", "vote")):
            self.metrics.vote(request.channel.platform, "refused" if replies[0].card.kind == "error" else "confirmed",
                              time.perf_counter() - started)
        return replies

    def _parsed(self, request: Request) -> Command:
        """The request's command, parsed now if the adapter has not (ParseError if it is mistyped)."""
        command = request.command
        if command is None:
            line = request.line
            command = request.command = self._parse_line(line) if len(line) <= PARSE_CACHE_LINE \
                else parse(line, self.words)
        return command

    def error_reply(self, lang: str, key: str, usage: str | None, handback: str, params: dict[str, object],
                    zone: tzinfo | None = None) -> Reply:
        """The private error card (see `error_replies.error_reply`); times in `zone`, else BOT_TIMEZONE."""
        return error_reply(self.catalog, zone or self.timezone, lang, key, usage, handback, params)


MODERATOR_USAGE = frozenset(spec.usage_key for spec in SPECS.values() if spec.moderator)

