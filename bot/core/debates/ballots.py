"""/vote in a debate: the ballot checked against the stage open now, stored through the
writer, and confirmed; and what the stored strings of a ballot row stand for."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.debates import engine
from bot.core.debates.model import NO_TIME, Choice, Debate, Role, Stage, VoteRow
from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.command_specs import Vote
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.kernel.writer import RowRefused, WriteFailed
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.core.debates.service import DebateService

log = logging.getLogger(__name__)
STAGES = {s.value: s for s in Stage}
CHOICES = {c.value: c for c in Choice}
DEBATERS = frozenset((Role.PRO, Role.CON))


class DebateBallots:
    """Takes the audience's ballots in the debates of `debates`."""

    def __init__(self, core: Core, debates: DebateService) -> None:
        self.core = core
        self.debates = debates
        self._vote_replies: dict[tuple[str, Choice, Choice | None], Reply] = {}

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    async def cmd_vote(self, req: Request) -> list[Reply]:
        d = self.debates._cached(req) or await self.debates.current(req)  # no I/O while this process knows it
        store = self.core.store
        if store.shared and not store.versioned_ballots:  # the store cannot tell a stale ballot: look first
            await self._fresh_for_vote(d)
        choice = CHOICES[req.cmd.read(Vote).choice]
        actor = req.actor
        # On a shared store the ballot carries the version of `d` it was checked against; when the
        # store refuses it (another process moved the debate on meanwhile), `d` is read again and
        # the ballot checked once more, in the stage open now.
        for attempt in range(2):
            open_stage = engine.open_stage(d, self.core.library.formats[d.format_id]) if d.id in self.debates.debates else None
            if open_stage is None:
                raise RuleError("vote.error.closed", "usage.vote")
            stage = open_stage
            if actor.user_id in d.sides_held:  # a debater, or one who was: also after leaving
                if d.role_of(actor.user_id) in DEBATERS:
                    raise RuleError("vote.error.debater")
                raise RuleError("vote.error.was_debater", side=d.sides_held[actor.user_id].value)
            await self.core.pipeline.guard("vote", actor, req.channel, d, "")
            voter = self.debates.voter_key(d, actor)
            before = d.votes[stage].get(voter)
            now = self.core.clock.now()
            try:
                # an anonymous ballot is stored without its time, which could name the voter
                await self.debates.writer.submit(VoteRow(d.id, stage, voter, choice,
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
            await self.debates.fresh(d)
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

