"""DebateService: runs debates from opening to result, on any platform, through the ports.

It holds the debates this process knows and keeps them one with the store; its commands are
answered by the parts it is made of: `commands` (a debate's life), `ballots` (/vote),
`questions` (the question queue), `library_commands` (/motions, /formats, /help), and
`phases` moves a debate on and announces it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from bot.core.debates import cards as debate_cards
from bot.core.debates import engine
from bot.core.debates.ballots import CHOICES, STAGES, DebateBallots
from bot.core.debates.commands import DebateCommands
from bot.core.debates.library_commands import LibraryCommands
from bot.core.debates.model import (
    Actor,
    AuditEntry,
    ChannelRef,
    Debate,
    DebateState,
    Format,
    Stage,
    VoteRow,
)
from bot.core.debates.phases import DebatePhases
from bot.core.debates.questions import QuestionQueue
from bot.core.debates.voting import Result, oxford_result
from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.kernel.tally import TallyCoalescer
from bot.core.kernel.voter_keys import hmac_sha256
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.library.loader import Library
from bot.core.ports import StaleDebate
from bot.core.service import Core

log = logging.getLogger(__name__)
OWED_GRACE = 10.0  # seconds an owed announcement is left to the process that owes it


def voter_hash(secret: bytes, actor: Actor, scope: str = "") -> str:
    """The keyed hash that stands for a voter; `scope` (e.g. "debate:12") makes one voter's
    hashes differ between debates, so ballots cannot be linked across them."""
    key = f"{scope}:{actor.platform}:{actor.workspace}:{actor.user_id}".encode()
    return "h:" + hmac_sha256(secret, key).hex()[:32]


class DebateService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.debates: dict[int, Debate] = {}  # running and paused debates
        self.places: dict[ChannelRef, int] = {}  # space or parent channel -> running debate
        self.last_in_place: dict[ChannelRef, int] = {}
        self.writer: GroupCommitWriter[VoteRow] = GroupCommitWriter(core.store.write_votes, self._committed,
                                                                    drain=core.store.drain_votes)
        self.tallies = TallyCoalescer(core.clock, core.store)
        self._changing: dict[int, asyncio.Lock] = {}  # see `changing`
        self.phases = DebatePhases(core, self)
        self.commands = DebateCommands(core, self, self.phases)
        self.ballots = DebateBallots(core, self)
        self.questions = QuestionQueue(core, self)
        self.library_commands = LibraryCommands(core)

    def routes(self) -> list[Route]:
        """The commands this service answers (`bot.app` collects them into the router)."""
        subs = ("start", "join", "leave", "next", "pause", "resume", "extend", "end", "status", "results",
                "export", "language", "timezone")
        return [
            *(Route("debate", sub, getattr(self.commands, f"cmd_{sub}")) for sub in subs),
            Route("speak", None, self.commands.cmd_speak),
            Route("ask", None, self.questions.cmd_ask),
            Route("vote", None, self.ballots.cmd_vote),
            Route("motions", None, self.library_commands.cmd_motions),
            Route("formats", None, self.library_commands.cmd_formats),
            Route("help", None, self.library_commands.cmd_help),
            Route("mod", "queue", self.questions.cmd_queue),
            Route("mod", "approve", self.questions.cmd_approve),
            Route("mod", "reject", self.questions.cmd_reject),
        ]

    @property
    def library(self) -> Library:
        return self.core.library

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    # --- life cycle ---

    async def load(self) -> None:
        """Take every open debate back from the store (after a restart) and re-arm its deadline."""
        for d in await self.core.store.load_open_debates():
            self._index(d)
        self.writer.start()
        log.info("%d open debates loaded", len(self.debates))

    async def deliver_owed_at_start(self) -> None:
        """At start, once every port is up: alone on the store, all that is owed; beside other
        processes, what stayed owed for OWED_GRACE (the sync rounds deliver it)."""
        if not self.core.store.shared:
            await self.deliver_owed()

    async def shutdown(self) -> None:
        await self.writer.stop()
        self.tallies.cancel_all()

    def _index(self, d: Debate) -> None:
        self.debates[d.id] = d
        for place in {d.space, d.parent}:
            self.places[place] = d.id
            self.last_in_place[place] = d.id

    def _unindex(self, d: Debate) -> None:
        self.debates.pop(d.id, None)
        self._changing.pop(d.id, None)  # whoever holds it still releases it; later callers see it ended
        for place in {d.space, d.parent}:
            if self.places.get(place) == d.id:
                del self.places[place]

    def open_on(self, platform: str) -> list[Debate]:
        """The debates still running or paused on `platform`, oldest first (no I/O)."""
        return sorted((d for d in self.debates.values() if d.space.platform == platform), key=lambda d: d.id)

    def next_deadline(self) -> datetime | None:
        deadlines = [d.deadline for d in self.debates.values()
                     if d.state is DebateState.RUNNING and d.deadline and self.core.due_in(d.space)]
        return min(deadlines) if deadlines else None

    async def run_due(self, now: datetime) -> None:
        for d in [d for d in self.debates.values() if engine.is_due(d, now) and self.core.due_in(d.space)]:
            try:
                async with self.changing(d):
                    if d.id in self.debates and engine.is_due(d, now):  # nobody moved it on meanwhile
                        self.core.metrics.deadline_fired("phase")
                        await self.phases.advance(d, None, timed=True)
            except StaleDebate:
                log.info("debate %s was moved on by another process first", d.id)

    def fmt(self, d: Debate) -> Format:
        return self.library.formats[d.format_id]

    # --- finding the debate a request is about ---

    def running(self, req: Request) -> Debate:
        """The running debate this request is about, as this process last saw it (no I/O)."""
        d = self._cached(req)
        if d is None:
            raise RuleError("debate.error.none_running", "usage.debate.start")
        return d

    def _cached(self, req: Request) -> Debate | None:
        if req.debate_id is not None:
            return self.debates.get(req.debate_id)
        did = self.places.get(req.channel)
        return self.debates.get(did) if did is not None else None

    async def current(self, req: Request) -> Debate:
        """The running debate this request is about, as the store has it now: another process
        (or this one before a restart) may have started it, moved it on or ended it."""
        d = self._cached(req) or await self._adopt(req)
        if d is not None:
            await self.fresh(d)
        if d is None or d.id not in self.debates:
            raise RuleError("debate.error.none_running", "usage.debate.start")
        return d

    # --- one truth with the store, whichever process changed it ---

    async def _adopt(self, req: Request) -> Debate | None:
        """A debate running here that this process does not know of yet (another one started it)."""
        did = req.debate_id or await self.core.store.last_debate_in(req.channel)
        d = await self.core.store.load_debate(did) if did else None
        if d is None or not d.running or did in self.debates:
            return self.debates.get(did) if did else None
        self._index(d)
        self.core.wake()
        return d

    async def fresh(self, d: Debate) -> None:
        """Bring `d` up to what the store holds, in place, if anybody changed it since."""
        if await self.core.store.debate_version(d.id) != (d.version, d.touched):
            await self._reload(d)

    async def _reload(self, d: Debate) -> None:
        """`d` becomes what the store holds (the same object, so everyone holding it sees it)."""
        stored = await self.core.store.load_debate(d.id)
        if stored is None:
            self._unindex(d)
            return
        if stored.version < d.version or stored.touched < d.touched:
            return  # two reloads crossed: this read is older than what the other one applied
        vars(d).update(vars(stored))
        if d.running:
            self._index(d)
        else:
            self._unindex(d)
            self.last_in_place[d.space] = self.last_in_place[d.parent] = d.id
        self.core.wake()

    async def sync(self) -> None:
        """Follow what other processes did (a shared store calls this every few hundred ms): adopt
        the debates they started, take in their changes, let go of those they ended. A debate this
        process is changing right now is left for the next round."""
        stored = await self.core.store.debate_versions(list(self.debates))
        for did, versions in stored.items():
            d = self.debates.get(did)
            if d is None:
                new = await self.core.store.load_debate(did)
                if new is not None and new.running and did not in self.debates:
                    self._index(new)
                    self.core.wake()
            elif versions != (d.version, d.touched) and not self._lock(d).locked():
                await self._reload(d)
        for did in [did for did in self.debates if did not in stored]:
            d = self.debates[did]
            if not self._lock(d).locked():
                await self._reload(d)
        await self.deliver_owed(OWED_GRACE)

    def _lock(self, d: Debate) -> asyncio.Lock:
        lock = self._changing.get(d.id)
        if lock is None:
            lock = self._changing[d.id] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def changed_by(self, d: Debate, req: Request) -> AsyncIterator[Debate]:
        """`changing` for a command: another process's change first is a refusal with the reason."""
        try:
            async with self.changing(d):
                yield d
        except StaleDebate:
            raise RuleError("debate.error.changed_meanwhile", "usage.debate.status") from None

    @asynccontextmanager
    async def changing(self, d: Debate) -> AsyncIterator[Debate]:
        """Hold the debate for one change of its phase or state, from start to announcement, so a
        timer and a moderator (or two moderators) never interleave their steps; `d` is brought up
        to the store first. Should the change fail (another process changed the debate first, or
        the store refused it), `d` goes back to what the store holds: memory never keeps a change
        the store does not have."""
        async with self._lock(d):
            await self.fresh(d)
            try:
                yield d
            except BaseException:
                await self._reload(d)
                raise

    def floor(self, actor: Actor, channel: ChannelRef) -> tuple[Debate, int]:
        """Whether `actor` holds the floor in the debate running here, asked without I/O (an
        adapter opens its speech box before anything else): the debate and the phase's character
        limit, or RuleError with the reason."""
        d = self.running(Request(actor, channel))
        return d, engine.check_speech(d, self.fmt(d), actor.user_id, "").max_chars

    def space_here(self, channel: ChannelRef) -> ChannelRef | None:
        """Where the debate running in `channel` (or its thread) lives, if one runs there."""
        did = self.places.get(channel)
        d = self.debates.get(did) if did is not None else None
        return d.space if d is not None else None

    async def latest(self, req: Request) -> Debate:
        """The running debate here, or the last one that ran here (for results and export)."""
        try:
            return await self.current(req)
        except RuleError:
            pass
        did = req.debate_id or self.last_in_place.get(req.channel) or await self.core.store.last_debate_in(req.channel)
        d = await self.core.store.load_debate(did) if did else None
        if d is None:
            raise RuleError("debate.error.none_here", "usage.debate.start")
        return d

    # --- ballots, tallies, results: what the parts share ---

    def voter_key(self, d: Debate, actor: Actor) -> str:
        """Who a ballot belongs to: the user id, or in an anonymous debate a per-debate keyed hash."""
        return voter_hash(self.core.secret, actor, f"debate:{d.id}") if d.anonymous else actor.user_id

    def _committed(self, rows: list[VoteRow]) -> None:
        """The writer committed `rows`: count them, then ask once per (debate, stage) for a tally redraw."""
        touched: set[tuple[int, str]] = set()
        for row in rows:
            d = self.debates.get(row.debate_id)
            if d is not None:
                d.votes[STAGES[row.stage]][row.voter] = CHOICES[row.choice]
                touched.add((row.debate_id, row.stage))
        for debate_id, stage in touched:
            try:
                self._refresh_tally(self.debates[debate_id], STAGES[stage])
            except Exception:
                log.exception("could not ask for a tally redraw of debate %s", debate_id)

    def _refresh_tally(self, d: Debate, stage: Stage) -> None:
        mid = d.tally_message_ids.get(stage)
        if not mid:
            return
        port = self.core.port(d.space)

        async def draw() -> None:
            if self.core.store.shared:  # other processes take ballots too: count them all
                d.votes[stage] = await self.core.store.stage_votes(d.id, stage)
            still_open = engine.open_stage(d, self.fmt(d)) is stage
            await port.edit(d.space, mid, debate_cards.tally(self.core, d, stage, open_=still_open))

        self.tallies.request(f"{d.id}:{stage}", port.min_edit_interval, draw)

    async def deliver_owed(self, grace: float | None = None) -> None:
        """Post the announcements a crash left owed (see `DebatePhases.deliver_owed`)."""
        await self.phases.deliver_owed(grace)

    def result(self, d: Debate, exclude: set[str] | None = None) -> Result:
        pre, post = d.votes[Stage.PRE], d.votes[Stage.POST]
        if exclude:
            pre = {k: v for k, v in pre.items() if k not in exclude}
            post = {k: v for k, v in post.items() if k not in exclude}
        return oxford_result(pre, post, post_vote_held=engine.reached_post_vote(d, self.fmt(d)))

    async def _redraw_opening(self, d: Debate) -> None:
        """The opening message stands where the debate was started (its thread hangs from it)."""
        if not d.opening_message_id:
            return
        try:
            await self.core.port(d.parent).edit(d.parent, d.opening_message_id, debate_cards.opening(self.core, d, self.fmt(d)))
        except Exception:
            log.exception("could not redraw the opening message of debate %s", d.id)

    async def audit(self, actor: Actor | None, action: str, d: Debate | None, *, target: str = "",
                    reason: str = "", details: str = "", channel: ChannelRef | None = None) -> None:
        place = d.space if d else channel
        if place is None:
            raise TypeError(f"audit {action}: an entry without a debate needs its channel")
        await self.core.audit(AuditEntry(
            platform=place.platform, workspace=place.workspace, at=self.core.clock.now(),
            actor=actor.user_id if actor else "bot", action=action, target=target, reason=reason,
            debate_id=d.id if d else None, details=details))
