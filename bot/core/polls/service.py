"""PollService: standalone polls (single, multi, ranked) on any platform, through the ports.

A poll lives in the channel where it was created: one message with the question, the options
and buttons, edited as ballots come in (coalesced, unless the tally is hidden), and a result
card with a chart when it closes — at its deadline, also when the bot was down at that
moment (it closes on start and says so), or when a moderator closes it.

Ballots go through a group-commit writer and are confirmed to the voter only once committed.
In an anonymous poll the voter is stored as a keyed hash (per poll, from BOT_SECRET), never as
an id or a name, and nothing here logs who voted.

PollService holds the open polls and closes them; `commands` answers the /poll commands, and
`ballots` says what an option and a ballot may be.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from bot.core.debates import export
from bot.core.debates.model import NO_TIME, Actor, AuditEntry, ChannelRef
from bot.core.kernel.buttons import ballot_words
from bot.core.kernel.cards import Attachment, Card
from bot.core.kernel.commands import whole_number
from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.kernel.tally import TallyCoalescer
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.polls import cards as poll_cards
from bot.core.polls.ballots import in_place, numbered, poll_voter_key
from bot.core.polls.commands import PollCommands
from bot.core.polls.counting import PollCount, count_poll
from bot.core.polls.model import BallotRow, Poll
from bot.core.ports.charts import PollChart
from bot.core.service import Core

log = logging.getLogger(__name__)
LATE_AFTER = timedelta(seconds=60)  # a deadline run later than this was missed while down
OWED_GRACE = 10.0  # seconds an owed result is left to the process that closed the poll
SUBCOMMANDS = ("create", "vote", "withdraw", "close", "results", "list")


class PollService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.store = core.store.polls
        self.polls: dict[int, Poll] = {}  # open polls
        self.writer: GroupCommitWriter[BallotRow] = GroupCommitWriter(self.store.write_ballots, self._committed,
                                                                      drain=self.store.drain_ballots)
        self.tallies = TallyCoalescer(core.clock, core.store)
        self._owed_since: dict[int, datetime] = {}  # see `deliver_owed`
        self.commands = PollCommands(core, self)

    def routes(self) -> list[Route]:
        """The commands this service answers (`bot.app` collects them into the router)."""
        return [Route("poll", sub, getattr(self.commands, f"cmd_{sub}")) for sub in SUBCOMMANDS]

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    # --- life cycle and deadlines ---

    async def load(self) -> None:
        """Take the open polls back from the store; the core's first `run_due` closes overdue ones."""
        for p in await self.store.load_open():
            self.polls[p.id] = p
            await self.core.zone(p.channel)  # its card shows when it closes, in its channel's zone
        self.writer.start()
        log.info("%d open polls loaded", len(self.polls))

    async def shutdown(self) -> None:
        await self.writer.stop()
        self.tallies.cancel_all()

    async def sync(self) -> None:
        """Follow what other processes did (a shared store calls this every few hundred ms): take
        in the polls they opened, let go of those they closed."""
        open_ids = set(await self.store.open_ids())
        for pid in open_ids - set(self.polls):
            p = await self.store.load(pid)
            if p is not None and p.open and pid not in self.polls:
                self.polls[pid] = p
                self.core.wake()
        for pid in set(self.polls) - open_ids:
            self.polls.pop(pid, None)
        await self.deliver_owed(OWED_GRACE)

    def open_poll(self, poll_id: int) -> Poll | None:
        """Poll `poll_id` if it is open in this process (no I/O), else None."""
        return self.polls.get(poll_id)

    def open_on(self, platform: str) -> list[Poll]:
        """The polls still open on `platform`, oldest first (no I/O)."""
        return sorted((p for p in self.polls.values() if p.channel.platform == platform), key=lambda p: p.id)

    def next_deadline(self) -> datetime | None:
        deadlines = [p.closes_at for p in self.polls.values() if p.closes_at is not None and self.core.due_in(p.channel)]
        return min(deadlines) if deadlines else None

    async def run_due(self, now: datetime) -> None:
        for p in [p for p in self.polls.values()
                  if p.closes_at is not None and p.closes_at <= now and self.core.due_in(p.channel)]:
            self.core.metrics.deadline_fired("poll")
            await self._close(p, "deadline", None)

    def open_cards(self) -> list[tuple[ChannelRef, str, Card]]:
        """(channel, message id, card) of every open poll, for adapters that re-register buttons."""
        now = self.core.clock.now()
        return [(p.channel, p.message_id, self.card(p, now)) for p in self.polls.values() if p.message_id]

    # --- finding polls ---

    async def _find(self, req: Request, pid: int) -> Poll:
        """Poll `pid` (the command's `id:`), open or closed, on the requester's platform and
        workspace (where it may be used: `in_place`)."""
        p = self.polls.get(pid) or await self.store.load(pid)
        where = req.channel
        if p is None or (p.channel.platform, p.channel.workspace) != (where.platform, where.workspace):
            raise RuleError("poll.error.unknown", "usage.poll.list", id=pid)
        return p

    async def _open(self, req: Request, pid: int) -> Poll:
        p = await self._find(req, pid)
        if not in_place(p, req.channel):  # a ballot is cast where the poll is, by anyone
            raise RuleError("poll.error.unknown", "usage.poll.list", id=p.id)
        self._still_open(p)
        return p

    def _still_open(self, p: Poll) -> None:
        """Refuse a ballot for a closed poll, or one whose deadline has passed but not yet run.

        Called again right before a ballot is queued, with no await in between, so a ballot is
        either queued before the poll closes (and counted: closing flushes the queue) or refused.
        """
        if not p.open or (p.closes_at is not None and p.closes_at <= self.core.clock.now()):
            raise RuleError("poll.error.closed", "usage.poll.results", id=p.id)

    def voter(self, p: Poll, actor: Actor) -> str:
        if p.anonymous:
            return poll_voter_key(self.core.secret, p.id, actor)
        return actor.user_id

    def stamp(self, p: Poll) -> datetime:
        """The time a ballot is stored with: none (NO_TIME) in an anonymous poll, where it could
        name the voter."""
        return NO_TIME if p.anonymous else self.core.clock.now()

    def count(self, p: Poll) -> PollCount:
        return count_poll(p.mode, p.options, [list(b) for b in p.ballots.values()])

    def card(self, p: Poll, now: datetime | None = None) -> Card:
        return poll_cards.poll(self.core, p, self.count(p), now or self.core.clock.now())

    # --- ballots, tallies, closing ---

    def _resolve(self, p: Poll, args: tuple[str, ...]) -> tuple[int, ...]:
        """Choices by option text (any case) or number from 1, in the order given."""
        words = [a.strip() for a in args if a.strip()]
        by_text = {o.casefold(): i for i, o in enumerate(p.options)}
        whole = " ".join(words).casefold()
        if len(words) > 1 and whole in by_text:  # an option of several words typed without quotes
            return (by_text[whole],)
        # "1,3" and "Zoo > Aquarium" name two options each, unless an option is called exactly that
        choices = ballot_words(words, lambda word: word.casefold() in by_text)
        if not choices:
            raise RuleError("poll.error.no_choice", "usage.poll.vote", options=numbered(p))
        picked: list[int] = []
        for part in choices:
            key = part.casefold()
            number = whole_number(key)
            if key in by_text:
                picked.append(by_text[key])
            elif number is not None and 1 <= number <= len(p.options):
                picked.append(number - 1)
            else:
                raise RuleError("poll.error.unknown_choice", "usage.poll.vote", word=part[:40],
                                options=numbered(p))
        return tuple(picked)

    def _committed(self, rows: list[BallotRow]) -> None:
        for row in rows:
            p = self.polls.get(row.poll_id)
            if p is None:
                continue
            if row.choices is None:
                p.ballots.pop(row.voter, None)
                p.names.pop(row.voter, None)
            else:
                p.ballots[row.voter] = row.choices
                if row.name:
                    p.names[row.voter] = row.name

    def _refresh(self, p: Poll) -> None:
        """Redraw the poll message soon (at most once per the platform's edit interval)."""
        if not p.message_id or not p.open:
            return
        port = self.core.port(p.channel)

        async def draw() -> None:
            if self.core.store.shared and (stored := await self.store.load(p.id)) is not None:
                p.ballots, p.names = stored.ballots, stored.names  # every process's ballots
            if p.open:
                await port.edit(p.channel, p.message_id, self.card(p))

        self.tallies.request(f"poll:{p.id}", port.min_edit_interval, draw)

    async def _close(self, p: Poll, by: str, actor: Actor | None) -> None:
        if not p.open:
            return
        now = self.core.clock.now()
        late = by == "deadline" and p.closes_at is not None and now - p.closes_at > LATE_AFTER
        p.closed_at = p.closes_at if by == "deadline" and p.closes_at is not None else now
        p.closed_by = by
        await self.writer.flush()  # ballots already accepted still count
        try:
            closed_here = await self.store.close(p)  # stored closed before it leaves memory
        except BaseException:
            p.closed_at, p.closed_by = None, ""  # not stored: not closed
            raise
        self.polls.pop(p.id, None)
        if not closed_here:
            return  # another process closed it first, and announces it
        if self.core.store.shared and (stored := await self.store.load(p.id)) is not None:
            p.ballots, p.names = stored.ballots, stored.names  # the result counts every process's ballots
        if actor is not None:
            await self._audit(actor, "poll.close", p)
        port = self.core.port(p.channel)
        if p.message_id:
            await self.tallies.finish(f"poll:{p.id}", port.min_edit_interval,
                                      lambda: port.edit(p.channel, p.message_id, self.card(p, now)))
        await self._announce(p, late=late)
        self.core.wake()

    async def _announce(self, p: Poll, late: bool = False) -> bool:
        """Post a closed poll's result (owed in the store until then) and record it posted.
        A post that fails stays owed: the next start, or another process, posts it."""
        count = self.count(p)
        card = poll_cards.result(self.core, p, count, final=True, late=late, attachment=await self.chart(p, count))
        try:
            await self.core.port(p.channel).post(p.channel, card)
        except Exception:
            log.exception("could not announce the result of poll %s; it stays owed", p.id)
            return False
        p.announced = True
        await self.store.save(p)
        return True

    async def deliver_owed(self, grace: float | None = None) -> None:
        """Post the results a crash left owed; `grace` as in `DebateService.deliver_owed`. Each
        is claimed in the store first, so two processes delivering at once post it once."""
        now = self.core.clock.now()
        owed = await self.store.load_owed()
        for p in owed:
            first = self._owed_since.setdefault(p.id, now)
            if grace is not None and (now - first).total_seconds() < grace:
                continue
            del self._owed_since[p.id]
            if not await self.store.claim_owed(p.id):
                continue
            log.info("posting the result of poll %s, owed since a crash", p.id)
            if not await self._announce(p):
                p.announced = False
                await self.store.save(p)  # not posted after all: owed again
        ids = {p.id for p in owed}
        for pid in [pid for pid in self._owed_since if pid not in ids]:
            del self._owed_since[pid]

    async def deliver_owed_at_start(self) -> None:
        if not self.core.store.shared:
            await self.deliver_owed()

    async def chart(self, p: Poll, count: PollCount) -> Attachment | None:
        """The results as `poll-<id>.png`: bars, and for a ranked poll the runoff rounds."""
        charts = self.core.charts
        if charts is None:
            return None
        lang = p.language
        labels = {k: self.t(lang, f"chart.{k}") for k in ("votes", "round", "eliminated", "winner", "exhausted")}
        chart = PollChart(title=p.question, options=p.options, counts=count.counts, winners=count.winners,
                          rounds=count.rounds, labels=labels)
        return await export.png(partial(charts.poll, chart), f"poll-{p.id}.png")

    async def _audit(self, actor: Actor, action: str, p: Poll, details: str = "") -> None:
        await self.core.audit(AuditEntry(
            platform=p.channel.platform, workspace=p.channel.workspace, at=self.core.clock.now(),
            actor=actor.user_id, action=action, target=f"poll:{p.id}", details=details))
