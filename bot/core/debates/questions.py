"""The question queue of a debate: /ask from the audience, and /mod queue, approve and reject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.debates import cards as debate_cards
from bot.core.debates import export
from bot.core.debates.model import Debate, Question, Role
from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.command_specs import QuestionId, QuestionText, Reject
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.service import Core

if TYPE_CHECKING:
    from bot.core.debates.service import DebateService


class QuestionQueue:
    """The audience's questions in the debates of `debates`, held until a moderator decides."""

    def __init__(self, core: Core, debates: DebateService) -> None:
        self.core = core
        self.debates = debates

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    async def cmd_ask(self, req: Request) -> list[Reply]:
        text = req.cmd.read(QuestionText).text.strip()
        d = await self.debates.current(req)
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
        d = await self.debates.current(req)
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
        d = await self.debates.current(req)
        q = self._question(d, qid)
        q.status = "approved"
        await self.core.store.save_question(q)
        await self.core.port(d.space).post(d.space, debate_cards.question(self.core, d, q))
        await self.debates.audit(req.actor, "question.approve", d, target=q.user_id, details=str(q.id))
        return [Reply(Card("notice", body=self.t(d.language, "mod.approved", id=q.id)))]

    async def cmd_reject(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Reject)
        d = await self.debates.current(req)
        q = self._question(d, given.id)
        q.status = "rejected"
        q.reason = given.reason
        await self.core.store.save_question(q)
        reason = q.reason or self.t(d.language, "mod.no_reason")
        note = Card("error", body=self.t(d.language, "ask.rejected", id=q.id, reason=reason) + "\n"
                    + self.t(d.language, "error.handback", text=q.text), user_text=True)
        await self.core.port(d.space).send_private(d.space, q.user_id, note)
        await self.debates.audit(req.actor, "question.reject", d, target=q.user_id, reason=q.reason, details=str(q.id))
        return [Reply(Card("notice", body=self.t(d.language, "mod.rejected", id=q.id)))]

