"""The /poll commands: create, vote, withdraw, close, results and list."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.kernel.cards import Attachment, Card, Reply
from bot.core.kernel.command_specs import PollBallot, PollCreate, PollId, PollResults
from bot.core.kernel.deadlines import parse_closes
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.kernel.writer import WriteFailed
from bot.core.polls import cards as poll_cards
from bot.core.polls import export as poll_export
from bot.core.polls.ballots import (
    QUESTION_LIMIT,
    check_ballot,
    in_place,
    max_choices_of,
    options_of,
)
from bot.core.polls.model import BallotRow, Poll
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.core.polls.service import PollService

log = logging.getLogger(__name__)


class PollCommands:
    """The handlers of the /poll commands, on the polls of `polls`."""

    def __init__(self, core: Core, polls: PollService) -> None:
        self.core = core
        self.polls = polls

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    async def cmd_create(self, req: Request) -> list[Reply]:
        c = req.cmd.read(PollCreate)
        lang = await self.core.language(req.channel)
        question = c.question.strip()
        if not question:
            raise RuleError("poll.error.no_question", "usage.poll.create")
        if len(question) > QUESTION_LIMIT:
            raise RuleError("poll.error.question_too_long", "usage.poll.create", length=len(question), limit=QUESTION_LIMIT)
        options = options_of(c.options)
        mode = c.mode
        max_choices = max_choices_of(mode, c.max, len(options))
        now = self.core.clock.now()
        closes_at = parse_closes(c.closes, now) if c.closes is not None else None
        p = Poll(
            id=0, channel=req.channel, question=question, options=options, mode=mode, max_choices=max_choices,
            anonymous=c.anonymous, tally=c.tally, language=lang,
            created_by=req.actor.user_id, created_at=now, closes_at=closes_at,
        )
        p.id = await self.polls.store.create(p)
        self.polls.polls[p.id] = p
        p.message_id = await self.core.port(req.channel).post(req.channel, self.polls.card(p, now))
        await self.polls.store.save(p)
        await self.polls._audit(req.actor, "poll.create", p, details=f"{mode} · {len(options)} options")
        self.core.wake()
        return [Reply(Card("notice", body=self.t(lang, "poll.created", id=p.id)))]

    async def cmd_vote(self, req: Request) -> list[Reply]:
        given = req.cmd.read(PollBallot)
        p = await self.polls._open(req, given.id)
        picked = self.polls._resolve(p, given.choices)
        voter = self.polls.voter(p, req.actor)
        before = p.ballots.get(voter)
        if given.toggle and p.mode != "single":
            current = list(before or ())
            for i in picked:
                if i in current:
                    current.remove(i)
                else:
                    current.append(i)
            if not current:
                return await self._withdraw(req, p, voter)
            picked = tuple(current)
        check_ballot(p, picked)
        await self._guard(req, p)
        name = "" if p.anonymous else req.actor.name
        self.polls._still_open(p)
        try:
            await self.polls.writer.submit(BallotRow(p.id, voter, picked, self.polls.stamp(p), name))
        except WriteFailed:
            raise RuleError("poll.error.not_stored", "usage.poll.vote") from None
        self.polls._refresh(p)
        ballot = poll_cards.ballot_text(self.core, p, picked)
        lang = p.language
        if before is None:
            body = self.t(lang, "poll.vote_cast", id=p.id, ballot=ballot)
        elif before == picked:
            body = self.t(lang, "poll.vote_same", id=p.id, ballot=ballot)
        else:
            body = self.t(lang, "poll.vote_changed", id=p.id, ballot=ballot,
                          previous=poll_cards.ballot_text(self.core, p, before))
        body += "\n" + self.t(lang, "poll.can_change", id=p.id)
        return [Reply(Card("notice", body=body, user_text=True))]

    async def _guard(self, req: Request, p: Poll) -> None:
        """Moderation may refuse the vote (a muted user); a guard that breaks does not stop it."""
        try:
            await self.core.pipeline.guard("vote", req.actor, req.channel, p, "")
        except RuleError:
            raise
        except Exception:
            log.exception("a guard failed on a poll vote in poll %s", p.id)

    async def cmd_withdraw(self, req: Request) -> list[Reply]:
        p = await self.polls._open(req, req.cmd.read(PollId).id)
        return await self._withdraw(req, p, self.polls.voter(p, req.actor))

    async def _withdraw(self, req: Request, p: Poll, voter: str) -> list[Reply]:
        if voter not in p.ballots:
            raise RuleError("poll.error.no_ballot", "usage.poll.withdraw", id=p.id)
        await self._guard(req, p)  # taking a ballot back is a vote too: a muted user waits
        self.polls._still_open(p)
        try:
            await self.polls.writer.submit(BallotRow(p.id, voter, None, self.polls.stamp(p)))
        except WriteFailed:
            raise RuleError("poll.error.not_stored", "usage.poll.withdraw") from None
        self.polls._refresh(p)
        return [Reply(Card("notice", body=self.t(p.language, "poll.withdrawn", id=p.id)))]

    async def cmd_close(self, req: Request) -> list[Reply]:
        p = await self.polls._find(req, req.cmd.read(PollId).id)
        if not p.open:
            raise RuleError("poll.error.closed", "usage.poll.results", id=p.id)
        await self.polls._close(p, "moderator", req.actor)
        return [Reply(Card("notice", body=self.t(p.language, "poll.closed_by_you", id=p.id)))]

    async def cmd_results(self, req: Request) -> list[Reply]:
        given = req.cmd.read(PollResults)
        p = await self.polls._find(req, given.id)
        here = in_place(p, req.channel)
        moderator = (not here or p.hidden) and await self.core.is_moderator(req.actor)
        if not here and not moderator:
            raise RuleError("poll.error.unknown", "usage.poll.list", id=p.id)
        private = not here  # a moderator asking elsewhere is answered privately
        if p.hidden:
            if not moderator:
                raise RuleError("poll.error.hidden", id=p.id)
            private = True  # a moderator's look at a hidden tally stays private
        count = self.polls.count(p)
        kind = given.format
        if kind == "json":
            data, mime = poll_export.to_json(p, count).encode(), "application/json"
        elif kind == "csv":
            data, mime = poll_export.to_csv(p, count).encode("utf-8-sig"), "text/csv"
        else:
            card = poll_cards.result(self.core, p, count, final=not p.open, attachment=await self.polls.chart(p, count))
            return [Reply(card, private=private)]
        body = self.t(p.language, "poll.exported", id=p.id, format=kind)
        card = Card("notice", body=body, attachment=Attachment(f"poll-{p.id}.{kind}", data, mime))
        return [Reply(card, private=private)]

    async def cmd_list(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        polls = await self.polls.store.in_channel(req.channel)
        ballots = {pid: len(p.ballots) for pid, p in self.polls.polls.items()}
        return [Reply(poll_cards.listing(self.core, lang, polls, ballots, self.core.clock.now()), private=False)]

