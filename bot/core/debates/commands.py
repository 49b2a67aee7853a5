"""The debate commands of moderators and debaters: /debate start, join, leave, next, pause,
resume, extend, end, status, results, export, language, timezone, and /speak."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.debates import cards as debate_cards
from bot.core.debates import engine, export
from bot.core.debates.ballots import DEBATERS
from bot.core.debates.model import NO_TIME, Debate, DebateState, Motion, Participant, Role, Speech
from bot.core.kernel.cards import Attachment, Card, Reply
from bot.core.kernel.command_specs import (
    DebateStart,
    Export,
    Extend,
    Join,
    Language,
    Results,
    SpeechText,
    Timezone,
)
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.kernel.timefmt import clock_time, zone_name, zone_named
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.core.debates.phases import DebatePhases
    from bot.core.debates.service import DebateService

log = logging.getLogger(__name__)
DEFAULT_FORMAT = "classroom"
CUSTOM_MOTION_ID = "custom"


class DebateCommands:
    """The handlers of a debate's life: they find the debate through `debates` and move it on
    through `phases`."""

    def __init__(self, core: Core, debates: DebateService, phases: DebatePhases) -> None:
        self.core = core
        self.debates = debates
        self.phases = phases

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    async def cmd_start(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        if req.channel in self.debates.places:
            raise RuleError("debate.error.already_running", "usage.debate.start", id=self.debates.places[req.channel])
        given = req.cmd.read(DebateStart)
        motion_arg = given.motion
        format_id = given.format or DEFAULT_FORMAT
        fmt = self.core.library.formats.get(format_id)
        if fmt is None:
            raise RuleError("debate.error.unknown_format", "usage.debate.start", id=format_id[:40],
                            known=", ".join(self.core.library.formats))
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
        self.debates._index(d)
        await self.phases.enter_phase(d, fmt)
        await self.debates.audit(req.actor, "debate.start", d, details=f"{motion_id} / {fmt.id}")
        self.core.wake()
        return [Reply(Card("notice", body=self.t(lang, "debate.started", id=d.id, title=title, format=fmt.name(lang))))]

    def _motion(self, arg: str, lang: str) -> tuple[str, str, str]:
        if not arg:
            m = self.core.library.default_motion
        elif arg in self.core.library.motions:
            m = self.core.library.motions[arg]
        elif " " in arg.strip() and len(arg) <= 500:
            text = arg.strip()
            return CUSTOM_MOTION_ID, text[:80], text
        else:
            raise RuleError("debate.error.unknown_motion", "usage.debate.start", id=arg[:40],
                            known=", ".join(self.core.library.motions))
        return self._motion_of(m, lang)

    @staticmethod
    def _motion_of(m: Motion, lang: str) -> tuple[str, str, str]:
        mt = m.text(lang)
        return m.id, mt.title, mt.motion

    async def cmd_join(self, req: Request) -> list[Reply]:
        d = await self.debates.current(req)
        side = Role(req.cmd.read(Join).side)
        user = req.actor.user_id
        current = d.role_of(user)
        if current is not None:
            raise RuleError("debate.error.already_joined", "usage.debate.leave", side=self.t(d.language, f"side.{current.value}"))
        held = d.sides_held.get(user)
        if held is not None and side is not held:  # once a debater here, on that side only
            raise RuleError("debate.error.side_held", "usage.debate.join", side=held.value)
        voter = self.debates.voter_key(d, req.actor)  # a hash in an anonymous debate
        if side is not Role.AUDIENCE and any(voter in votes for votes in d.votes.values()):
            raise RuleError("debate.error.voted_cannot_debate")
        await self.core.pipeline.guard("join", req.actor, req.channel, d, side.value)
        # the audience of an anonymous debate is kept without the moment of joining: with the
        # time of a ballot or a flag, it could name the voter
        joined = NO_TIME if d.anonymous and side is Role.AUDIENCE else self.core.clock.now()
        p = Participant(user, req.actor.name, side, joined)
        await self.core.store.save_participant(d.id, p)  # stored first, then in memory
        d.participants[user] = p
        if side in DEBATERS:
            d.sides_held.setdefault(user, side)  # stored with the participant row (migration 008)
        await self.debates._redraw_opening(d)
        await self.core.pipeline.notify("join", req.actor, d, {"side": side.value})
        return [Reply(Card("notice", body=self.t(d.language, "debate.joined", side=self.t(d.language, f"side.{side.value}"), id=d.id)))]

    async def cmd_leave(self, req: Request) -> list[Reply]:
        d = await self.debates.current(req)
        if d.role_of(req.actor.user_id) is None:
            raise RuleError("debate.error.not_joined", "usage.debate.join")
        await self.core.store.remove_participant(d.id, req.actor.user_id)
        del d.participants[req.actor.user_id]
        await self.debates._redraw_opening(d)
        return [Reply(Card("notice", body=self.t(d.language, "debate.left", id=d.id)))]

    async def cmd_next(self, req: Request) -> list[Reply]:
        seen = self.debates._cached(req)  # what the moderator saw: leave this phase, once
        index = seen.phase_index if seen is not None else None  # read before `current` refreshes it in place
        d = await self.debates.current(req)
        if index is None:
            index = d.phase_index
        async with self.debates.changed_by(d, req):
            if d.phase_index == index and d.state is not DebateState.ENDED:
                await self.phases.advance(d, req.actor)
        key = "debate.moved_on" if d.running else "debate.ended_by_next"  # leaving the last phase ends it
        return [Reply(Card("notice", body=self.t(d.language, key)))]

    async def cmd_pause(self, req: Request) -> list[Reply]:
        async with self.debates.changed_by(await self.debates.current(req), req) as d:
            if d.id not in self.debates.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._pause(req, d)

    async def _pause(self, req: Request, d: Debate) -> list[Reply]:
        left = engine.pause(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.debates.audit(req.actor, "debate.pause", d)
        await self._announce(d, "notice", self.t(d.language, "debate.paused", left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_resume(self, req: Request) -> list[Reply]:
        async with self.debates.changed_by(await self.debates.current(req), req) as d:
            if d.id not in self.debates.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._resume(req, d)

    async def _resume(self, req: Request, d: Debate) -> list[Reply]:
        left = engine.resume(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.debates.audit(req.actor, "debate.resume", d)
        await self._announce(d, "notice", self.t(d.language, "debate.resumed", left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_extend(self, req: Request) -> list[Reply]:
        async with self.debates.changed_by(await self.debates.current(req), req) as d:
            if d.id not in self.debates.debates:
                raise RuleError("debate.error.none_running", "usage.debate.start")
            return await self._extend(req, d)

    async def _extend(self, req: Request, d: Debate) -> list[Reply]:
        seconds = req.cmd.read(Extend).seconds
        left = engine.extend(d, seconds, self.core.clock.now())
        await self.core.store.save_debate(d)
        await self.debates.audit(req.actor, "debate.extend", d, details=str(seconds))
        await self._announce(d, "notice", self.t(d.language, "debate.extended", seconds=seconds, left=debate_cards.duration(left)))
        self.core.wake()
        return []

    async def cmd_end(self, req: Request) -> list[Reply]:
        d = await self.debates.current(req)
        async with self.debates.changed_by(d, req):
            if d.state is not DebateState.ENDED:  # two moderators ending it at once: one result
                await self.phases.finish(d, req.actor)
        return []

    async def cmd_status(self, req: Request) -> list[Reply]:
        d = await self.debates.latest(req)
        return [Reply(debate_cards.status(self.core, d, self.debates.fmt(d)), private=False)]

    async def cmd_results(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Results)
        d = await self.debates.latest(req)
        note = ""
        flagged = 0
        exclude: set[str] = set()
        if given.flagged == "exclude":
            exclude = await self.core.flagged(d)
            note = self.core.tn(d.language, "result.flagged_excluded", len(exclude))
        else:
            flagged = await self.phases.flagged_count(d)
        result = self.debates.result(d, exclude)
        chart = await export.debate_chart(self.core, d, result) if given.chart else None
        card = debate_cards.result(self.core, d, result, final=not d.running, note=note, flagged=flagged)
        card = await self.phases.with_strongest_claims(d, card)
        return [Reply(replace(card, attachment=chart), private=False)]

    async def cmd_export(self, req: Request) -> list[Reply]:
        kind = req.cmd.read(Export).format
        d = await self.debates.latest(req)
        await self.core.zone(d.space)  # read now: the export shows its times in the zone of the debate
        fmt = self.debates.fmt(d)
        result = self.debates.result(d)
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
        d = self.debates._cached(req) or await self.debates._adopt(req)
        if d is not None:
            async with self.debates.changed_by(d, req):
                d.language = lang
                await self.core.set_language(d.space, lang)
                await self.core.store.save_debate(d)
        await self.debates.audit(req.actor, "debate.language", None, details=lang, channel=req.channel)
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
            d = self.debates._cached(req) or await self.debates._adopt(req)
            if d is not None and d.space != req.channel:
                places.append(d.space)  # the debate's thread reads the same times
            for place in places:
                await self.core.set_zone(place, chosen)
            await self.debates.audit(req.actor, "debate.timezone", None, details=chosen or "default", channel=req.channel)
        shown = await self.core.zone(req.channel)
        key = "debate.timezone_set" if name else "debate.timezone_is"
        body = self.t(lang, key, zone=zone_name(shown), now=clock_time(self.core.clock.now(), shown))
        return [Reply(Card("notice", body=body), private=not name)]

    async def cmd_speak(self, req: Request) -> list[Reply]:
        text = req.cmd.read(SpeechText).text.strip()
        d = await self.debates.current(req)
        if not text:
            raise RuleError("parse.missing_text", "usage.speak")
        fmt = self.debates.fmt(d)
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

    async def _announce(self, d: Debate, kind: str, body: str) -> None:
        await self.core.port(d.space).post(d.space, Card(kind, body=body))

