"""DebateService: runs debates from opening to result, on any platform, through the ports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

from bot.core.debates import cards as debate_cards
from bot.core.debates import engine, export
from bot.core.debates.model import (
    NO_TIME,
    Actor,
    AuditEntry,
    ChannelRef,
    Choice,
    Debate,
    DebateState,
    Format,
    Motion,
    Participant,
    Question,
    Role,
    Speech,
    Stage,
    VoteRow,
)
from bot.core.debates.voting import Result, oxford_result
from bot.core.kernel import help as help_cards
from bot.core.kernel.cards import Attachment, Card, Reply
from bot.core.kernel.command_specs import (
    DebateStart,
    Export,
    Extend,
    Help,
    Join,
    Language,
    Motions,
    QuestionId,
    QuestionText,
    Reject,
    Results,
    SpeechText,
    Timezone,
    Vote,
)
from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.kernel.tally import TallyCoalescer
from bot.core.kernel.timefmt import clock_time, zone_name, zone_named
from bot.core.kernel.voter_keys import hmac_sha256
from bot.core.kernel.writer import GroupCommitWriter, RowRefused, WriteFailed
from bot.core.library.loader import Library
from bot.core.ports import StaleDebate
from bot.core.service import Core

log = logging.getLogger(__name__)
DEFAULT_FORMAT = "classroom"
OWED_GRACE = 10.0  # seconds an owed announcement is left to the process that owes it
CUSTOM_MOTION_ID = "custom"
_STAGES = {s.value: s for s in Stage}
_CHOICES = {c.value: c for c in Choice}
_DEBATERS = frozenset((Role.PRO, Role.CON))


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
        self._vote_replies: dict[tuple[str, Choice, Choice | None], Reply] = {}
        self._changing: dict[int, asyncio.Lock] = {}  # see `changing`
        self._owed_since: dict[int, datetime] = {}  # see `deliver_owed`

    def routes(self) -> list[Route]:
        """The commands this service answers (`bot.app` collects them into the router)."""
        subs = ("start", "join", "leave", "next", "pause", "resume", "extend", "end", "status", "results",
                "export", "language", "timezone")
        return [
            *(Route("debate", sub, getattr(self, f"cmd_{sub}")) for sub in subs),
            Route("speak", None, self.cmd_speak),
            Route("ask", None, self.cmd_ask),
            Route("vote", None, self.cmd_vote),
            Route("motions", None, self.cmd_motions),
            Route("formats", None, self.cmd_formats),
            Route("help", None, self.cmd_help),
            Route("mod", "queue", self.cmd_queue),
            Route("mod", "approve", self.cmd_approve),
            Route("mod", "reject", self.cmd_reject),
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
                        await self._advance(d, None, timed=True)
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

    # --- commands ---

    async def cmd_start(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        if req.channel in self.places:
            raise RuleError("debate.error.already_running", "usage.debate.start", id=self.places[req.channel])
        given = req.cmd.read(DebateStart)
        motion_arg = given.motion
        format_id = given.format or DEFAULT_FORMAT
        fmt = self.library.formats.get(format_id)
        if fmt is None:
            raise RuleError("debate.error.unknown_format", "usage.debate.start", id=format_id[:40],
                            known=", ".join(self.library.formats))
        motion_id, title, text = self._motion(motion_arg, lang)
        now = self.core.clock.now()
        d = Debate(
            id=0, space=req.channel, parent=req.channel, motion_id=motion_id, motion_title=title,
            motion_text=text, format_id=fmt.id, language=lang, created_by=req.actor.user_id, created_at=now,
            anonymous=given.anonymous,
        )
        engine.start(d, fmt, now)
        d.id = await self.core.store.create_debate(d)
        port = self.core.port(req.channel)
        try:
            space, opening = await port.open_space(
                req.channel, self.t(lang, "debate.thread_title", id=d.id, title=title), debate_cards.opening(self.core, d, fmt))
        except BaseException:
            await self.core.store.delete_debate(d.id)  # nothing was posted: leave no half-made debate behind
            raise
        d.space, d.opening_message_id = space, opening
        self._index(d)
        await self._enter_phase(d, fmt)
        await self.audit(req.actor, "debate.start", d, details=f"{motion_id} / {fmt.id}")
        self.core.wake()
        return [Reply(Card("notice", body=self.t(lang, "debate.started", id=d.id, title=title, format=fmt.name(lang))))]

    def _motion(self, arg: str, lang: str) -> tuple[str, str, str]:
        if not arg:
            m = self.library.default_motion
        elif arg in self.library.motions:
            m = self.library.motions[arg]
        elif " " in arg.strip() and len(arg) <= 500:
            text = arg.strip()
            return CUSTOM_MOTION_ID, text[:80], text
        else:
            raise RuleError("debate.error.unknown_motion", "usage.debate.start", id=arg[:40],
                            known=", ".join(self.library.motions))
        return self._motion_of(m, lang)

    @staticmethod
    def _motion_of(m: Motion, lang: str) -> tuple[str, str, str]:
        mt = m.text(lang)
        return m.id, mt.title, mt.motion

    async def cmd_join(self, req: Request) -> list[Reply]:
        d = await self.current(req)
        side = Role(req.cmd.read(Join).side)
        user = req.actor.user_id
        current = d.role_of(user)
        if current is not None:
            raise RuleError("debate.error.already_joined", "usage.debate.leave", side=self.t(d.language, f"side.{current.value}"))
        held = d.sides_held.get(user)
        if held is not None and side is not held:  # once a debater here, on that side only
            raise RuleError("debate.error.side_held", "usage.debate.join", side=held.value)
        voter = self.voter_key(d, req.actor)  # a hash in an anonymous debate
        if side is not Role.AUDIENCE and any(voter in votes for votes in d.votes.values()):
            raise RuleError("debate.error.voted_cannot_debate")
        await self.core.pipeline.guard("join", req.actor, req.channel, d, side.value)
        # the audience of an anonymous debate is kept without the moment of joining: with the
        # time of a ballot or a flag, it could name the voter
        joined = NO_TIME if d.anonymous and side is Role.AUDIENCE else self.core.clock.now()
        p = Participant(user, req.actor.name, side, joined)
        await self.core.store.save_participant(d.id, p)  # stored first, then in memory
        d.participants[user] = p
        if side in _DEBATERS:
            d.sides_held.setdefault(user, side)  # stored with the participant row (migration 008)
        await self._redraw_opening(d)
        await self.core.pipeline.notify("join", req.actor, d, {"side": side.value})
        return [Reply(Card("notice", body=self.t(d.language, "debate.joined", side=self.t(d.language, f"side.{side.value}"), id=d.id)))]

    async def cmd_leave(self, req: Request) -> list[Reply]:
        d = await self.current(req)
        if d.role_of(req.actor.user_id) is None:
            raise RuleError("debate.error.not_joined", "usage.debate.join")
        await self.core.store.remove_participant(d.id, req.actor.user_id)
        del d.participants[req.actor.user_id]
        await self._redraw_opening(d)
        return [Reply(Card("notice", body=self.t(d.language, "debate.left", id=d.id)))]

    async def cmd_next(self, req: Request) -> list[Reply]:
        seen = self._cached(req)  # what the moderator saw: leave this phase, once
        index = seen.phase_index if seen is not None else None  # read before `current` refreshes it in place
        d = await self.current(req)
        if index is None:
            index = d.phase_index
        async with self.changed_by(d, req):
            if d.phase_index == index and d.state is not DebateState.ENDED:
                await self._advance(d, req.actor)
        key = "debate.moved_on" if d.running else "debate.ended_by_next"  # leaving the last phase ends it
        return [Reply(Card("notice", body=self.t(d.language, key)))]

    async def cmd_pause(self, req: Request) -> list[Reply]:
        async with self.changed_by(await self.current(req), req) as d:
            if d.id not in self.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._pause(req, d)

    async def _pause(self, req: Request, d: Debate) -> list[Reply]:
        left = engine.pause(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.audit(req.actor, "debate.pause", d)
        await self._announce(d, "notice", self.t(d.language, "debate.paused", left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_resume(self, req: Request) -> list[Reply]:
        async with self.changed_by(await self.current(req), req) as d:
            if d.id not in self.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._resume(req, d)

    async def _resume(self, req: Request, d: Debate) -> list[Reply]:
        left = engine.resume(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.audit(req.actor, "debate.resume", d)
        await self._announce(d, "notice", self.t(d.language, "debate.resumed", left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_extend(self, req: Request) -> list[Reply]:
        async with self.changed_by(await self.current(req), req) as d:
            if d.id not in self.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._extend(req, d)

    async def _extend(self, req: Request, d: Debate) -> list[Reply]:
        seconds = req.cmd.read(Extend).seconds
        left = engine.extend(d, seconds, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.audit(req.actor, "debate.extend", d, details=str(seconds))
        await self._announce(d, "notice", self.t(d.language, "debate.extended", seconds=seconds, left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_end(self, req: Request) -> list[Reply]:
        d = await self.current(req)
        async with self.changed_by(d, req):
            if d.state is not DebateState.ENDED:  # two moderators ending it at once: one result
                await self._finish(d, req.actor)
        return []

    async def cmd_status(self, req: Request) -> list[Reply]:
        d = await self.latest(req)
        return [Reply(debate_cards.status(self.core, d, self.fmt(d)), private=False)]

    async def cmd_results(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Results)
        d = await self.latest(req)
        note = ""
        flagged = 0
        exclude: set[str] = set()
        if given.flagged == "exclude":
            exclude = await self.core.flagged(d)
            note = self.core.tn(d.language, "result.flagged_excluded", len(exclude))
        else:
            flagged = await self._flagged_count(d)
        result = self.result(d, exclude)
        chart = await export.debate_chart(self.core, d, result) if given.chart else None
        card = debate_cards.result(self.core, d, result, final=not d.running, note=note, flagged=flagged)
        card = await self._with_strongest_claims(d, card)
        return [Reply(replace(card, attachment=chart), private=False)]

    async def _with_strongest_claims(self, d: Debate, card: Card) -> Card:
        """An ended debate's result card names its strongest pro and con claim (issue #19)."""
        if d.running:
            return card
        try:
            # the claims service is made after this one (it builds on debates): asked through the core
            return replace(card, fields=(*card.fields, *await self.core.claims.result_fields(d)))
        except Exception:
            log.exception("could not add the strongest claims to the result of debate %s", d.id)
            return card

    async def cmd_export(self, req: Request) -> list[Reply]:
        kind = req.cmd.read(Export).format
        d = await self.latest(req)
        await self.core.zone(d.space)  # read now: the export shows its times in the zone of the debate
        fmt = self.fmt(d)
        result = self.result(d)
        claims = self.core.claims
        argmap = await claims.debate_map(d)  # its argument map (issue #19)
        if kind == "argdown":
            return [claims.file_reply(argmap, kind, d.motion_title, f"debate-{d.id}")]
        if kind == "json":
            data, mime = export.to_json(d, fmt, result, argmap).encode(), "application/json"
        elif kind == "html":
            chart = await export.debate_chart(self.core, d, result)
            data = export.to_html(self.core, d, fmt, result, chart.data if chart else None, argmap).encode()
            mime = "text/html"
        else:
            data, mime = export.to_markdown(self.core, d, fmt, result, argmap).encode(), "text/markdown"
        name = f"debate-{d.id}.{kind}"
        card = Card("notice", body=self.t(d.language, "debate.exported", id=d.id, format=kind),
                    attachment=Attachment(name, data, mime))
        return [Reply(card, private=False)]

    async def cmd_language(self, req: Request) -> list[Reply]:
        lang = req.cmd.read(Language).lang
        await self.core.set_language(req.channel, lang)
        d = self._cached(req) or await self._adopt(req)
        if d is not None:
            async with self.changed_by(d, req):
                d.language = lang
                await self.core.set_language(d.space, lang)
                await self.core.store.save_debate(d)
        await self.audit(req.actor, "debate.language", None, details=lang, channel=req.channel)
        return [Reply(Card("notice", body=self.t(lang, "debate.language_set")), private=False)]

    async def cmd_timezone(self, req: Request) -> list[Reply]:
        """`/debate timezone Asia/Tokyo`: times here are shown in that zone; `default`: in
        BOT_TIMEZONE again; no zone: which zone is used now."""
        name = req.cmd.read(Timezone).zone.strip()
        lang = await self.core.language(req.channel)
        if name:
            zone = zone_named(name)
            if zone is None and name.lower() != "default":
                raise RuleError("debate.error.bad_timezone", "usage.debate.timezone", zone=name[:64])
            chosen = zone_name(zone) if zone is not None else None
            places = [req.channel]
            d = self._cached(req) or await self._adopt(req)
            if d is not None and d.space != req.channel:
                places.append(d.space)  # the debate's thread reads the same times
            for place in places:
                await self.core.set_zone(place, chosen)
            await self.audit(req.actor, "debate.timezone", None, details=chosen or "default", channel=req.channel)
        shown = await self.core.zone(req.channel)
        key = "debate.timezone_set" if name else "debate.timezone_is"
        body = self.t(lang, key, zone=zone_name(shown), now=clock_time(self.core.clock.now(), shown))
        return [Reply(Card("notice", body=body), private=not name)]

    async def cmd_speak(self, req: Request) -> list[Reply]:
        text = req.cmd.read(SpeechText).text.strip()
        d = await self.current(req)
        if not text:
            raise RuleError("parse.missing_text", "usage.speak")
        fmt = self.fmt(d)
        phase = engine.check_speech(d, fmt, req.actor.user_id, text)
        await self.core.pipeline.guard("speak", req.actor, req.channel, d, text)
        now = self.core.clock.now()
        side = engine.side_of_speech(d, phase, req.actor.user_id)
        speech = Speech(0, d.phase_index, req.actor.user_id, req.actor.name, side, text, now)
        speech.id = await self.core.store.add_speech(d.id, speech)
        d.speeches.append(speech)
        await self.core.port(d.space).post(d.space, debate_cards.speech(self.core, d, speech))
        await self.core.pipeline.notify("speak", req.actor, d, {"speech_id": speech.id})
        return [Reply(Card("notice", body=self.t(d.language, "speak.posted")))]

    async def cmd_ask(self, req: Request) -> list[Reply]:
        text = req.cmd.read(QuestionText).text.strip()
        d = await self.current(req)
        if not text:  # a modal or button may bring blank text past the parser
            raise RuleError("parse.missing_text", "usage.ask")
        role = d.role_of(req.actor.user_id)
        if role in (Role.PRO, Role.CON):
            raise RuleError("ask.error.debater", handback=text)
        if len(text) > export.QUESTION_LIMIT:
            raise RuleError("speak.error.too_long", handback=text, length=len(text), limit=export.QUESTION_LIMIT)
        await self.core.pipeline.guard("ask", req.actor, req.channel, d, text)
        q = Question(0, req.actor.user_id, req.actor.name, text, "pending", self.core.clock.now())
        q.id = await self.core.store.add_question(d.id, q)
        d.questions.append(q)
        await self.core.pipeline.notify("ask", req.actor, d, {"question_id": q.id})
        return [Reply(Card("notice", body=self.t(d.language, "ask.queued", id=q.id)))]

    async def cmd_queue(self, req: Request) -> list[Reply]:
        d = await self.current(req)
        return [Reply(debate_cards.queue(self.core, d))]

    def _question(self, d: Debate, qid: int) -> Question:
        for q in d.questions:
            if q.id == qid:
                if q.status != "pending":
                    raise RuleError("mod.error.question_decided", id=qid, status=self.t(d.language, f"question.{q.status}"))
                return q
        raise RuleError("mod.error.no_question", "usage.mod.queue", id=qid)

    async def cmd_approve(self, req: Request) -> list[Reply]:
        qid = req.cmd.read(QuestionId).id
        d = await self.current(req)
        q = self._question(d, qid)
        q.status = "approved"
        await self.core.store.save_question(q)
        await self.core.port(d.space).post(d.space, debate_cards.question(self.core, d, q))
        await self.audit(req.actor, "question.approve", d, target=q.user_id, details=str(q.id))
        return [Reply(Card("notice", body=self.t(d.language, "mod.approved", id=q.id)))]

    async def cmd_reject(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Reject)
        d = await self.current(req)
        q = self._question(d, given.id)
        q.status = "rejected"
        q.reason = given.reason
        await self.core.store.save_question(q)
        reason = q.reason or self.t(d.language, "mod.no_reason")
        note = Card("error", body=self.t(d.language, "ask.rejected", id=q.id, reason=reason) + "\n"
                    + self.t(d.language, "error.handback", text=q.text), user_text=True)
        await self.core.port(d.space).send_private(d.space, q.user_id, note)
        await self.audit(req.actor, "question.reject", d, target=q.user_id, reason=q.reason, details=str(q.id))
        return [Reply(Card("notice", body=self.t(d.language, "mod.rejected", id=q.id)))]

    async def cmd_vote(self, req: Request) -> list[Reply]:
        d = self._cached(req) or await self.current(req)  # no I/O while this process knows it
        store = self.core.store
        if store.shared and not store.versioned_ballots:  # the store cannot tell a stale ballot: look first
            await self._fresh_for_vote(d)
        choice = _CHOICES[req.cmd.read(Vote).choice]
        actor = req.actor
        # On a shared store the ballot carries the version of `d` it was checked against; when the
        # store refuses it (another process moved the debate on meanwhile), `d` is read again and
        # the ballot checked once more, in the stage open now.
        for attempt in range(2):
            open_stage = engine.open_stage(d, self.core.library.formats[d.format_id]) if d.id in self.debates else None
            if open_stage is None:
                raise RuleError("vote.error.closed", "usage.vote")
            stage = open_stage
            if actor.user_id in d.sides_held:  # a debater, or one who was: also after leaving
                if d.role_of(actor.user_id) in _DEBATERS:
                    raise RuleError("vote.error.debater")
                raise RuleError("vote.error.was_debater", side=d.sides_held[actor.user_id].value)
            await self.core.pipeline.guard("vote", actor, req.channel, d, "")
            voter = self.voter_key(d, actor)
            before = d.votes[stage].get(voter)
            now = self.core.clock.now()
            try:
                # an anonymous ballot is stored without its time, which could name the voter
                await self.writer.submit(VoteRow(d.id, stage.value, voter, choice.value,
                                                 NO_TIME if d.anonymous else now,
                                                 d.version if store.shared else None))
            except RowRefused:
                if attempt:
                    raise RuleError("vote.error.not_stored") from None
                await self._fresh_for_vote(d)
                continue
            except WriteFailed:
                raise RuleError("vote.error.not_stored") from None
            break
        # the tally redraw was requested by `_committed`, once per batch and stage
        self.core.pipeline.ballot(actor, d, stage, before is None, now)
        return [self._vote_reply(d.language, choice, before)]

    async def _fresh_for_vote(self, d: Debate) -> None:
        try:
            await self.fresh(d)
        except Exception:
            log.warning("the store did not answer; refusing a vote", exc_info=True)
            raise RuleError("vote.error.not_stored") from None

    def _vote_reply(self, lang: str, choice: Choice, before: Choice | None) -> Reply:
        """The confirmation of a ballot, made once per (language, choice, previous), not per vote."""
        reply = self._vote_replies.get((lang, choice, before))
        if reply is None:
            key = "vote.cast" if before is None else "vote.same" if before is choice else "vote.changed"
            previous = self.t(lang, f"choice.{before.value}") if before else ""
            text = self.t(lang, key, choice=self.t(lang, f"choice.{choice.value}"), previous=previous)
            reply = self._vote_replies[(lang, choice, before)] = Reply(Card("notice", body=text))
        return reply

    def voter_key(self, d: Debate, actor: Actor) -> str:
        """Who a ballot belongs to: the user id, or in an anonymous debate a per-debate keyed hash."""
        return voter_hash(self.core.secret, actor, f"debate:{d.id}") if d.anonymous else actor.user_id

    def _committed(self, rows: list[VoteRow]) -> None:
        """The writer committed `rows`: count them, then ask once per (debate, stage) for a tally redraw."""
        touched: set[tuple[int, str]] = set()
        for row in rows:
            d = self.debates.get(row.debate_id)
            if d is not None:
                d.votes[_STAGES[row.stage]][row.voter] = _CHOICES[row.choice]
                touched.add((row.debate_id, row.stage))
        for debate_id, stage in touched:
            try:
                self._refresh_tally(self.debates[debate_id], _STAGES[stage])
            except Exception:
                log.exception("could not ask for a tally redraw of debate %s", debate_id)

    async def cmd_motions(self, req: Request) -> list[Reply]:
        mid = req.cmd.read(Motions).id
        lang = await self.core.language(req.channel)
        if mid is None:
            return [Reply(debate_cards.motion_list(self.core, lang), private=False)]
        motion = self.library.motions.get(str(mid))
        if motion is None:
            raise RuleError("debate.error.unknown_motion", "usage.motions", id=str(mid)[:40], known=", ".join(self.library.motions))
        return [Reply(debate_cards.motion_detail(self.core, motion, lang), private=False)]

    async def cmd_formats(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        return [Reply(debate_cards.format_list(self.core, lang), private=False)]

    async def cmd_help(self, req: Request) -> list[Reply]:
        """`/help`: every command; `/help poll` (or `command:poll`): that command's options and examples."""
        lang = await self.core.language(req.channel)
        given = req.cmd.read(Help)
        words = (given.command or given.text).strip()
        return [Reply(help_cards.detail(self.core, lang, words) if words else help_cards.overview(self.core, lang))]

    # --- phases ---

    async def _advance(self, d: Debate, actor: Actor | None, timed: bool = False) -> None:
        fmt = self.fmt(d)
        if d.phase_index + 1 >= len(fmt.phases):
            await self._finish(d, actor, timed=timed)
            return
        left = engine.current_phase(d, fmt)
        await self.core.store.save_debate(d)  # the claim: one process moves it on (StaleDebate elsewhere)
        if left.stage is not None:
            await self._close_stage(d, left.stage)
        engine.advance(d, fmt, self.core.clock.now())
        await self.core.store.save_debate(d)
        if actor is not None:
            await self.audit(actor, "debate.next", d, details=engine.current_phase(d, fmt).id)
        await self._enter_phase(d, fmt, timed=timed)
        self.core.wake()

    async def _enter_phase(self, d: Debate, fmt: Format, timed: bool = False) -> None:
        """Announce the phase the debate is in (and open its tally), then record it announced."""
        phase = engine.current_phase(d, fmt)
        port = self.core.port(d.space)
        await port.post(d.space, debate_cards.phase(self.core, d, fmt, timed))
        if phase.stage is not None:
            mid = await port.post(d.space, debate_cards.tally(self.core, d, phase.stage, open_=True))
            d.tally_message_ids[phase.stage] = mid
        d.announced = d.phase_index
        await self.core.store.save_debate(d)
        await self._redraw_opening(d)

    async def _close_stage(self, d: Debate, stage: Stage) -> None:
        """The stage has closed in the store: its final tally, counted from the store (every
        process's ballots), replaces the live one."""
        await self.writer.flush()
        d.votes[stage] = await self.core.store.stage_votes(d.id, stage)
        mid = d.tally_message_ids.get(stage)
        if mid:
            key = f"{d.id}:{stage.value}"
            port = self.core.port(d.space)
            await self.tallies.finish(key, port.min_edit_interval, lambda: port.edit(
                d.space, mid, debate_cards.tally(self.core, d, stage, open_=False)))

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

        self.tallies.request(f"{d.id}:{stage.value}", port.min_edit_interval, draw)

    async def _finish(self, d: Debate, actor: Actor | None, timed: bool = False) -> None:
        fmt = self.fmt(d)
        stage = engine.open_stage(d, fmt)
        await self.core.store.save_debate(d)  # the claim: one process ends it and announces the result
        if stage is not None:
            await self._close_stage(d, stage)
        engine.end(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        self._unindex(d)
        self.last_in_place[d.space] = self.last_in_place[d.parent] = d.id
        if actor is not None:
            await self.audit(actor, "debate.end", d)
        await self._announce_result(d, actor)

    async def _announce_result(self, d: Debate, actor: Actor | None) -> None:
        """Post the result of an ended debate (it is owed in the store until then), counting
        every process's ballots, and record it announced."""
        for counted in Stage:
            d.votes[counted] = await self.core.store.stage_votes(d.id, counted)
        result = self.result(d)
        flagged = await self._flagged_count(d)
        port = self.core.port(d.space)
        chart = await export.debate_chart(self.core, d, result)
        card = await self._with_strongest_claims(d, debate_cards.result(self.core, d, result, final=True, flagged=flagged))
        await port.post(d.space, replace(card, attachment=chart))
        d.announced = d.phase_index + 1
        await self.core.store.save_debate(d)
        await self._redraw_opening(d)
        await self.core.pipeline.notify("end", actor, d, {"winner": result.winner})
        self.core.wake()

    # --- what a crash left owed ---

    async def deliver_owed(self, grace: float | None = None) -> None:
        """Post the announcements a crash left owed: a phase entered but never announced, a
        result never posted. `grace` (seconds; on a shared store): leave alone what became owed
        less than that long ago, since the process that owes it may be posting it right now.
        Whoever delivers first claims it in the store, so nothing is posted twice by two
        processes delivering at once."""
        now = self.core.clock.now()
        owed = [d for d in self.debates.values() if d.announced < d.phase_index]
        owed_results = await self.core.store.load_owed_debates()
        seen = set()
        for d in [*owed, *owed_results]:
            seen.add(d.id)
            first = self._owed_since.setdefault(d.id, now)
            if grace is not None and (now - first).total_seconds() < grace:
                continue
            try:
                await self._deliver(d)
            except StaleDebate:
                pass  # somebody else changed it, or delivered it, first
            except Exception:
                log.exception("could not deliver what debate %s owes", d.id)
                continue
            self._owed_since.pop(d.id, None)
        for did in [did for did in self._owed_since if did not in seen]:
            del self._owed_since[did]

    async def _deliver(self, d: Debate) -> None:
        if d.running:
            async with self.changing(d):
                if d.id in self.debates and d.announced < d.phase_index:
                    log.info("announcing phase %s of debate %s, owed since a crash", d.phase_index, d.id)
                    await self._enter_phase(d, self.fmt(d))
            return
        await self.core.store.save_debate(d)  # the claim: one process posts the owed result
        log.info("posting the result of debate %s, owed since a crash", d.id)
        await self._announce_result(d, None)

    async def _flagged_count(self, d: Debate) -> int:
        """How many of the voters counted in `d`'s result moderation flagged."""
        flagged = await self.core.flagged(d)
        return len(flagged & (d.votes[Stage.PRE].keys() | d.votes[Stage.POST].keys())) if flagged else 0

    def result(self, d: Debate, exclude: set[str] | None = None) -> Result:
        pre, post = d.votes[Stage.PRE], d.votes[Stage.POST]
        if exclude:
            pre = {k: v for k, v in pre.items() if k not in exclude}
            post = {k: v for k, v in post.items() if k not in exclude}
        return oxford_result(pre, post, post_vote_held=engine.reached_post_vote(d, self.fmt(d)))

    async def _announce(self, d: Debate, kind: str, body: str) -> None:
        await self.core.port(d.space).post(d.space, Card(kind, body=body))

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
