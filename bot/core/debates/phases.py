"""A debate's phases: moving on, announcing a phase and its tally, closing a vote, ending with
the result, and posting what a crash left owed."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.debates import cards as debate_cards
from bot.core.debates import engine, export
from bot.core.debates.model import Actor, Debate, Format, Stage
from bot.core.kernel.cards import Card
from bot.core.ports import StaleDebate
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.core.debates.service import DebateService

log = logging.getLogger(__name__)


class DebatePhases:
    """Moves the debates of `debates` from phase to phase, and announces each step."""

    def __init__(self, core: Core, debates: DebateService) -> None:
        self.core = core
        self.debates = debates
        self._owed_since: dict[int, datetime] = {}  # see `deliver_owed`

    # --- phases ---

    async def advance(self, d: Debate, actor: Actor | None, timed: bool = False) -> None:
        fmt = self.debates.fmt(d)
        if d.phase_index + 1 >= len(fmt.phases):
            await self.finish(d, actor, timed=timed)
            return
        left = engine.current_phase(d, fmt)
        await self.core.store.save_debate(d)  # the claim: one process moves it on (StaleDebate elsewhere)
        if left.stage is not None:
            await self._close_stage(d, left.stage)
        engine.advance(d, fmt, self.core.clock.now())
        await self.core.store.save_debate(d)
        if actor is not None:
            await self.debates.audit(actor, "debate.next", d, details=engine.current_phase(d, fmt).id)
        await self.enter_phase(d, fmt, timed=timed)
        self.core.wake()

    async def enter_phase(self, d: Debate, fmt: Format, timed: bool = False) -> None:
        """Announce the phase the debate is in (and open its tally), then record it announced."""
        phase = engine.current_phase(d, fmt)
        port = self.core.port(d.space)
        await port.post(d.space, debate_cards.phase(self.core, d, fmt, timed))
        if phase.stage is not None:
            mid = await port.post(d.space, debate_cards.tally(self.core, d, phase.stage, open_=True))
            d.tally_message_ids[phase.stage] = mid
        d.announced = d.phase_index
        await self.core.store.save_debate(d)
        await self.debates._redraw_opening(d)

    async def _close_stage(self, d: Debate, stage: Stage) -> None:
        """The stage has closed in the store: its final tally, counted from the store (every
        process's ballots), replaces the live one."""
        await self.debates.writer.flush()
        d.votes[stage] = await self.core.store.stage_votes(d.id, stage)
        mid = d.tally_message_ids.get(stage)
        if mid:
            key = f"{d.id}:{stage}"
            port = self.core.port(d.space)
            await self.debates.tallies.finish(key, port.min_edit_interval, lambda: port.edit(
                d.space, mid, debate_cards.tally(self.core, d, stage, open_=False)))

    async def finish(self, d: Debate, actor: Actor | None, timed: bool = False) -> None:
        fmt = self.debates.fmt(d)
        stage = engine.open_stage(d, fmt)
        await self.core.store.save_debate(d)  # the claim: one process ends it and announces the result
        if stage is not None:
            await self._close_stage(d, stage)
        engine.end(d, self.core.clock.now())
        await self.core.store.save_debate(d)
        self.debates._unindex(d)
        self.debates.last_in_place[d.space] = self.debates.last_in_place[d.parent] = d.id
        if actor is not None:
            await self.debates.audit(actor, "debate.end", d)
        await self._announce_result(d, actor)

    async def _announce_result(self, d: Debate, actor: Actor | None) -> None:
        """Post the result of an ended debate (it is owed in the store until then), counting
        every process's ballots, and record it announced."""
        for counted in Stage:
            d.votes[counted] = await self.core.store.stage_votes(d.id, counted)
        result = self.debates.result(d)
        flagged = await self.flagged_count(d)
        port = self.core.port(d.space)
        chart = await export.debate_chart(self.core, d, result)
        card = await self.with_strongest_claims(d, debate_cards.result(self.core, d, result, final=True, flagged=flagged))
        await port.post(d.space, replace(card, attachment=chart))
        d.announced = d.phase_index + 1
        await self.core.store.save_debate(d)
        await self.debates._redraw_opening(d)
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
        owed = [d for d in self.debates.debates.values() if d.announced < d.phase_index]
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
            async with self.debates.changing(d):
                if d.id in self.debates.debates and d.announced < d.phase_index:
                    log.info("announcing phase %s of debate %s, owed since a crash", d.phase_index, d.id)
                    await self.enter_phase(d, self.debates.fmt(d))
            return
        await self.core.store.save_debate(d)  # the claim: one process posts the owed result
        log.info("posting the result of debate %s, owed since a crash", d.id)
        await self._announce_result(d, None)

    async def flagged_count(self, d: Debate) -> int:
        """How many of the voters counted in `d`'s result moderation flagged."""
        flagged = await self.core.flagged(d)
        return len(flagged & (d.votes[Stage.PRE].keys() | d.votes[Stage.POST].keys())) if flagged else 0

    async def with_strongest_claims(self, d: Debate, card: Card) -> Card:
        """An ended debate's result card names its strongest pro and con claim (issue #19)."""
        if d.running:
            return card
        try:
            # the claims service is made after this one (it builds on debates): asked through the core
            return replace(card, fields=(*card.fields, *await self.core.claims.result_fields(d)))
        except Exception:
            log.exception("could not add the strongest claims to the result of debate %s", d.id)
            return card

