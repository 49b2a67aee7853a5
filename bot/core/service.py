"""The core's front door: takes a request, routes it to a service, turns refusals into replies.

Adapters build a :class:`Request` (who, where, which command) and call :meth:`Core.handle`; the
services post what everybody should see through the :class:`ChatPort` of the channel's platform
and return what the person who asked should see as :class:`Reply` objects.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple, Protocol

from bot.core.cards import Card, Reply
from bot.core.commands import SPECS, Command, ParseError, parse
from bot.core.errors import RuleError
from bot.core.i18n import Catalog
from bot.core.inflight import InFlight
from bot.core.library import Library
from bot.core.model import Actor, AuditEntry, ChannelRef, Debate, Stage
from bot.core.poll_model import Poll
from bot.core.ports import CHANNEL_GENERATION, ChatPort, Clock, Metrics, NoMetrics
from bot.core.timefmt import clock_time, zone_named
from bot.core.writer import GroupCommitWriter

if TYPE_CHECKING:  # the services import this module
    from bot.core.claim_service import ClaimService
    from bot.core.debates import DebateService
    from bot.core.moderation_service import ModerationService
    from bot.core.polls import PollService
    from bot.core.screens import ScreenService

log = logging.getLogger(__name__)
Handler = Callable[["Request"], Awaitable[list[Reply]]]
# A guard may refuse an action ("speak", "ask", "vote", "join") by raising RuleError. It answers
# at once (returns None) when it can, or returns an awaitable when it has to wait for something:
# a storm of ballots then costs no coroutine per guard and vote.
Guard = Callable[[str, Actor, ChannelRef, object, str], Awaitable[None] | None]
# An observer hears what happened: (event, actor or None, debate, details); like a guard, it
# returns None when it is done at once, else an awaitable.
Observer = Callable[[str, "Actor | None", object, dict], Awaitable[None] | None]
# A ballot observer hears every debate ballot once it is stored: (actor, debate, stage, whether it
# is the voter's first ballot at that stage, when). It runs on the vote path, so it returns
# nothing and never waits; what it must store it queues.
BallotObserver = Callable[[Actor, Debate, Stage, bool, datetime], None]
DEDUPE_MEMORY = 10_000
SYNC_SECONDS = 0.5  # how often a process on a shared store looks for other processes' changes


@dataclass(slots=True)
class Request:
    """One command from one person. `line` is parsed when `command` is not given (and `handle`
    keeps the parsed command in `command`).

    `dedupe_key` is the platform's id for this delivery (interaction id, Slack retry-safe key):
    a request whose key was seen before is ignored. `debate_id` targets a debate directly (buttons).
    """

    actor: Actor
    channel: ChannelRef
    line: str = ""
    command: Command | None = None
    dedupe_key: str | None = None
    debate_id: int | None = None

    @property
    def cmd(self) -> Command:
        """The parsed command, for a handler: `Core.handle` parses `line` before it routes, so a
        request without a command here never reached a handler through it."""
        if self.command is None:
            raise LookupError(f"request not parsed yet: {self.line!r}")
        return self.command


class Floor(NamedTuple):
    """The floor an actor holds (`Core.speech_floor`): the debate's language and how many
    characters the phase allows in a speech."""

    language: str
    max_chars: int


class Timed(Protocol):
    """A service with deadlines: the scheduler asks for the next one and runs what is due."""

    def next_deadline(self) -> datetime | None: ...

    async def run_due(self, now: datetime) -> None: ...


class Core:
    # The services wire themselves in once, before the core starts (bot.app); a core without
    # moderation has no `moderation` (see `check_message`).
    debates: DebateService
    polls: PollService
    moderation: ModerationService
    screens: ScreenService
    claims: ClaimService

    def __init__(
        self,
        *,
        store,
        ports: dict[str, ChatPort],
        clock: Clock,
        library: Library,
        catalog: Catalog,
        secret: bytes = b"",
        timezone: tzinfo = UTC,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics: Metrics = metrics or NoMetrics()
        # what the adapters accepted and have not answered yet; `drain` waits for it
        self.inflight = InFlight()
        self.stopping = False  # `drain` began: new requests are refused with error.stopping
        self.ports = ports
        self.clock = clock
        self.library = library
        self.catalog = catalog
        self.secret = secret
        self.timezone = timezone  # BOT_TIMEZONE: where a channel has not chosen its own zone
        self.words = catalog.choice_words()  # `/vote 賛成` as the buttons read: a word -> its value
        self.handlers: dict[tuple[str, str | None], Handler] = {}
        self.timed: list[Timed] = []
        self.starters: list[Callable[[], Awaitable[None]]] = []
        self.stoppers: list[Callable[[], Awaitable[None]]] = []
        self.guards: list[Guard] = []
        self.observers: list[Observer] = []
        self.ballot_observers: list[BallotObserver] = []
        self.audit_listeners: list[Callable[[AuditEntry], Awaitable[None]]] = []
        # Told of every refusal a command's handler raised (moderation audits some), before the reply.
        self.refusal_listeners: list[Callable[[Request, RuleError], Awaitable[None]]] = []
        # Audit entries are grouped into transactions like votes, so a burst of automatic
        # entries (vote flags) never queues one transaction per entry on the store.
        self.audit_writer: GroupCommitWriter[AuditEntry] = GroupCommitWriter(store.add_audits)
        self.moderator_check: Callable[[Actor], Awaitable[bool]] = self._platform_moderator
        # Voters whose ballots moderation flags (debate -> voter keys); `/debate results flagged:exclude`.
        self.flagged: Callable[[object], Awaitable[set[str]]] = self._nobody_flagged
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._languages: dict[ChannelRef, str] = {}
        self._zones: dict[ChannelRef, tzinfo] = {}
        self._parsed: dict[str, Command] = {}  # see `_parse_memo`
        self._wake = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None
        # On a shared store (several processes): what follows the others' changes, in order;
        # the generations seen, and which refresher each generation calls when it moves.
        self.syncers: list[Callable[[], Awaitable[None]]] = []
        # Post what a crash left owed, once every starter (every port's login) has run.
        self.deliverers: list[Callable[[], Awaitable[None]]] = []
        self.refreshers: dict[str, Callable[[], Awaitable[None]]] = {}
        self._generations: dict[str, int] = {}
        self._syncer: asyncio.Task[None] | None = None
        self.refreshers[CHANNEL_GENERATION] = self._forget_channel_settings
        # (platform, workspace) the bot cannot reach now (a Slack workspace that uninstalled the
        # app): the deadlines of its debates and polls wait, and run once it is back (see `due_in`)
        self.away: set[tuple[str, str]] = set()

    async def _forget_channel_settings(self) -> None:
        """Another process set a channel's language or zone: read each again when next asked."""
        self._languages.clear()
        self._zones.clear()

    def due_in(self, ref: ChannelRef) -> bool:
        """Whether deadlines in `ref`'s workspace may run now (it is not `away`)."""
        return (ref.platform, ref.workspace) not in self.away

    # --- wiring ---

    def route(self, name: str, sub: str | None, handler: Handler) -> None:
        if (name, sub) not in SPECS:
            raise KeyError(f"no command {name} {sub}")
        self.handlers[(name, sub)] = handler

    def port(self, ref: ChannelRef) -> ChatPort:
        return self.ports[ref.platform]

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.catalog.t(lang, key, **params)

    def tn(self, lang: str, key: str, count: int, **params: object) -> str:
        """`t` for a text that depends on `count` (its plural forms, see `Catalog.tn`)."""
        return self.catalog.tn(lang, key, count, **params)

    async def language(self, ref: ChannelRef) -> str:
        if ref not in self._languages:
            self._languages[ref] = await self.store.get_language(ref) or "en"
        return self._languages[ref]

    async def set_language(self, ref: ChannelRef, lang: str) -> None:
        await self.store.set_language(ref, lang)
        self._languages[ref] = lang

    async def zone(self, ref: ChannelRef) -> tzinfo:
        """The time zone times are shown in for this channel: its own (`/debate timezone`), else
        BOT_TIMEZONE."""
        if ref not in self._zones:
            self._zones[ref] = zone_named(await self.store.get_timezone(ref)) or self.timezone
        return self._zones[ref]

    def zone_known(self, ref: ChannelRef) -> tzinfo:
        """`zone` without a store read, for a card built in the middle of things: the zone read
        for this channel before (every request reads it first), else BOT_TIMEZONE."""
        return self._zones.get(ref, self.timezone)

    async def set_zone(self, ref: ChannelRef, name: str | None) -> None:
        """Give the channel its own zone by name (checked by the caller), or None: BOT_TIMEZONE."""
        await self.store.set_timezone(ref, name)
        self._zones[ref] = zone_named(name) or self.timezone

    async def is_moderator(self, actor: Actor) -> bool:
        return await self.moderator_check(actor)

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
        """May a plain chat message typed in `channel` stand? None if so (always, on a core
        without moderation), else the localised reason to hand back with the removed message."""
        moderation = getattr(self, "moderation", None)
        if moderation is None:
            return None
        return await moderation.check_message(actor, channel, text)

    @staticmethod
    async def _platform_moderator(actor: Actor) -> bool:
        return actor.is_admin

    @staticmethod
    async def _nobody_flagged(debate: object) -> set[str]:
        return set()

    async def guard(self, action: str, actor: Actor, channel: ChannelRef, debate: object, text: str) -> None:
        """Ask every guard (moderation) whether `actor` may do `action`; the first refusal wins."""
        pending = self.guard_now(action, actor, channel, debate, text)
        if pending is not None:
            await pending

    def guard_now(self, action: str, actor: Actor, channel: ChannelRef, debate: object, text: str,
                  start: int = 0) -> Awaitable[None] | None:
        """`guard` for the vote path: None when every guard answered at once, else the rest to await."""
        guards = self.guards
        for i in range(start, len(guards)):
            pending = guards[i](action, actor, channel, debate, text)
            if pending is not None:
                return self._guard_after(pending, i + 1, action, actor, channel, debate, text)
        return None

    async def _guard_after(self, pending: Awaitable[None], start: int, action: str, actor: Actor,
                           channel: ChannelRef, debate: object, text: str) -> None:
        await pending
        rest = self.guard_now(action, actor, channel, debate, text, start=start)
        if rest is not None:
            await rest

    async def notify(self, event: str, actor: Actor | None, debate: object, details: dict) -> None:
        pending = self.notify_now(event, actor, debate, details)
        if pending is not None:
            await pending

    def notify_now(self, event: str, actor: Actor | None, debate: object, details: dict,
                   start: int = 0) -> Awaitable[None] | None:
        """`notify` without a coroutine: None when every observer was done at once, else the rest to await.

        An observer that fails is logged and skipped; it never stops the others or the action.
        """
        observers = self.observers
        for i in range(start, len(observers)):
            try:
                pending = observers[i](event, actor, debate, details)
            except Exception:
                log.exception("observer failed on %s", event)
                continue
            if pending is not None:
                return self._notify_after(pending, i + 1, event, actor, debate, details)
        return None

    async def _notify_after(self, pending: Awaitable[None], start: int, event: str, actor: Actor | None,
                            debate: object, details: dict) -> None:
        try:
            await pending
        except Exception:
            log.exception("observer failed on %s", event)
        rest = self.notify_now(event, actor, debate, details, start=start)
        if rest is not None:
            await rest

    async def audit(self, entry: AuditEntry) -> None:
        """Store an audit entry and hand it to the listeners (a moderator log channel, for one)."""
        await self.audit_writer.submit(entry)
        for listener in self.audit_listeners:
            try:
                await listener(entry)
            except Exception:
                log.exception("audit listener failed")

    # --- life cycle ---

    async def start(self) -> None:
        for starter in self.starters:
            await starter()
        for deliver in self.deliverers:
            try:
                await deliver()
            except Exception:
                log.exception("could not post what was owed")
        await self.run_due()
        self._scheduler = asyncio.create_task(self._schedule(), name="deadline-scheduler")
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
        for service in (getattr(self, "debates", None), getattr(self, "polls", None)):
            if service is not None:
                await service.tallies.idle()
        for port in self.ports.values():
            idle = getattr(port, "idle", None)  # a port that queues edits (Slack) sends them first
            if idle is not None:
                await idle()

    def writers(self) -> dict[str, GroupCommitWriter]:
        """Every group-commit writer by what it writes (GET /metrics reports their batch sizes)."""
        found: dict[str, GroupCommitWriter] = {"audit": self.audit_writer}
        if getattr(self, "debates", None) is not None:
            found["votes"] = self.debates.writer
        if getattr(self, "polls", None) is not None:
            found["ballots"] = self.polls.writer
        if getattr(self, "moderation", None) is not None:
            found["members"] = self.moderation.member_writer
            found["vote_flags"] = self.moderation.flag_writer
        return found

    def open_counts(self) -> dict[str, int]:
        """How many debates (running or paused) and polls this process holds open."""
        return {"debates": len(self.debates.debates) if getattr(self, "debates", None) is not None else 0,
                "polls": len(self.polls.polls) if getattr(self, "polls", None) is not None else 0}

    async def stop(self) -> None:
        for task in (self._scheduler, self._syncer):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._scheduler = self._syncer = None
        for stopper in self.stoppers:
            await stopper()

    async def sync(self) -> None:
        """One look at what other processes changed in the store (the sync task calls this every
        SYNC_SECONDS on a shared store; tests may call it): debates and polls they opened, moved
        on or closed, and shared state whose generation moved."""
        for syncer in self.syncers:
            try:
                await syncer()
            except Exception:
                log.exception("could not follow the store's changes")
        generations = await self.store.generations()
        for name, refresh in self.refreshers.items():
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
        self._wake.set()

    def next_deadline(self) -> datetime | None:
        deadlines = [d for d in (t.next_deadline() for t in self.timed) if d is not None]
        return min(deadlines) if deadlines else None

    async def run_due(self) -> None:
        """Run every deadline that has passed (the scheduler calls this; tests may too)."""
        now = self.clock.now()
        for timed in self.timed:
            try:
                await timed.run_due(now)
            except Exception:
                log.exception("a deadline failed in %s", type(timed).__name__)

    async def _schedule(self) -> None:
        while True:
            self._wake.clear()
            await self.run_due()
            nxt = self.next_deadline()
            delay = 3600.0 if nxt is None else max(0.0, (nxt - self.clock.now()).total_seconds())
            sleeper = asyncio.ensure_future(self.clock.sleep(delay))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    # --- requests ---

    async def seen_before(self, key: str | None, platform: str = "") -> bool:
        """Whether this delivery was handled before, by this process or any other on the store
        (before a restart too): the first call for a key claims it in the store. The memory of
        recent keys only saves a store round trip for a retry this process has already seen."""
        if key is None:
            return False
        if key in self._seen:
            self.metrics.duplicate(platform)
            return True
        fresh = await self.store.claim_delivery(key, self.clock.now())
        self._seen[key] = None
        if len(self._seen) > DEDUPE_MEMORY:
            self._seen.popitem(last=False)
        if not fresh:
            self.metrics.duplicate(platform)
        return not fresh

    async def handle(self, request: Request) -> list[Reply]:
        """Run one request; never raises. A repeated delivery (same dedupe key) does nothing.
        While the process stops (`drain`), every request is refused, its text handed back."""
        started = time.perf_counter()
        replies = await self._answer(request)
        command = request.command
        if command is not None and (command.name == "vote" or (command.name, command.sub) == ("poll", "vote")):
            refused = bool(replies) and replies[0].card.kind == "error"
            self.metrics.vote(request.channel.platform, "refused" if refused else "confirmed",
                              time.perf_counter() - started)
        return replies

    async def _answer(self, request: Request) -> list[Reply]:
        lang = self._languages.get(request.channel) or await self.language(request.channel)
        if self.stopping:
            if request.command is None:
                try:
                    request.command = parse(request.line, self.words)
                except ParseError:
                    pass
            return [self.error_reply(lang, "error.stopping", None, _text_of(request), {})]
        if request.channel not in self._zones:
            await self.zone(request.channel)
        try:
            if request.dedupe_key is not None and await self.seen_before(request.dedupe_key, request.channel.platform):
                log.info("ignoring a repeated delivery %s", request.dedupe_key)
                return []
            command = request.command
            if command is None:
                command = self._parsed.get(request.line) or self._parse_memo(request.line)  # on every ballot
                request.command = command
            spec = command.spec
            if spec.moderator and not await self.is_moderator(request.actor):
                raise RuleError("error.not_moderator", spec.usage_key)
            handler = self.handlers.get((command.name, command.sub))
            if handler is None:
                raise RuleError("error.unavailable", spec.usage_key)
            try:
                return await handler(request)
            except RuleError as exc:
                for listener in self.refusal_listeners:
                    await listener(request, exc)
                raise
        except ParseError as exc:
            return [self.error_reply(lang, exc.key, exc.usage, "", exc.params, self.zone_known(request.channel))]
        except RuleError as exc:
            usage = exc.usage
            typed = request.command.spec.usage_key if request.command is not None else None
            if usage in MODERATOR_USAGE and usage != typed and not await self.is_moderator(request.actor):
                usage = None  # a pupil is told what is wrong, not how a moderator would fix it
            return [self.error_reply(lang, exc.key, usage, exc.handback, exc.params, self.zone_known(request.channel))]
        except Exception:
            log.exception("command failed: %r", request.line or request.command)
            return [self.error_reply(lang, "error.internal", None, _text_of(request), {})]

    def _localise(self, lang: str, name: str, value: object, zone: tzinfo | None = None) -> object:
        """Values such as side=pro are shown in the channel's language, times in its zone."""
        if isinstance(value, datetime):
            return clock_time(value, zone or self.timezone)
        prefix = LOCALISED_PARAMS.get(name)
        if prefix and isinstance(value, str) and self.catalog.has(f"{prefix}.{value}"):
            return self.t(lang, f"{prefix}.{value}")
        return value

    def error_reply(self, lang: str, key: str, usage: str | None, handback: str, params: dict,
                    zone: tzinfo | None = None) -> Reply:
        params = {k: self._localise(lang, k, v, zone) for k, v in params.items()}
        parts = [self.t(lang, key, **params)]
        if usage:
            parts.append(self.t(lang, "error.usage", usage=self.t(lang, usage)))
        if key == "parse.unknown_command":
            parts.append(self.t(lang, "error.known_commands"))
        if handback:
            parts.append(self.t(lang, "error.handback", text=handback))
        return Reply(Card("error", title=self.t(lang, "error.title"), body="\n".join(parts), user_text=True))


    def _parse_memo(self, line: str) -> Command:
        """`parse` with a memo of short lines: a storm of identical `/vote pro` lines is parsed once.

        `parse` is pure (given this core's words) and a Command is never changed after parsing, so
        sharing one is safe; only successful parses are remembered, and the memo is emptied when full.
        """
        command = self._parsed.get(line)
        if command is None:
            command = parse(line, self.words)
            if len(line) <= 80:
                if len(self._parsed) >= PARSE_MEMORY:
                    self._parsed.clear()
                self._parsed[line] = command
        return command


LOCALISED_PARAMS = {"side": "side", "choice": "choice"}
PARSE_MEMORY = 1024  # distinct short lines remembered by `Core._parse_memo`
MODERATOR_USAGE = frozenset(spec.usage_key for spec in SPECS.values() if spec.moderator)


def _text_of(request: Request) -> str:
    command = request.command
    if command is not None and command.text:
        return command.text
    return ""
