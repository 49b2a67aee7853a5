"""Vote signals: who is new, who joined late, which ballots to flag.

`VoteSignals.observe` is the pipeline's observer (joins, speeches, questions, a debate's end)
and `VoteSignals.observe_ballot` the core's ballot observer. First sightings and flags are
written behind the voter's back by two writers (`ModerationService.member_writer` and
`flag_writer`), never on the vote's path; `flagged_voters` answers `/debate results
flagged:exclude`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.debates.model import NO_TIME, Actor, Debate, PhaseKind, Stage
from bot.core.debates.service import voter_hash
from bot.core.moderation.mirror import BOT
from bot.core.moderation.part import ServicePart
from bot.core.moderation.rules import (
    FlagReason,
    Key,
    post_vote_flags,
    user_key,
)

if TYPE_CHECKING:
    pass

BOOKKEEPING_LINGER = 1.0  # seconds first sightings and vote flags gather before they are written
SEEN_MEMORY = 100_000  # users whose member hash is remembered; more empties the memo
# Members whose first sighting is kept in memory (the store keeps all): the least recently seen
# goes first. One forgotten and seen again counts as new once more (a hint only: see `_signals`).
MEMBER_MEMORY = 100_000
_BURST = str(FlagReason.BURST)


class VoteSignals(ServicePart):
    """Sees voters and flags suspicious ballots."""

    def _see(self, actor: Actor, now: datetime) -> datetime:
        """When the bot first saw `actor` act in this workspace.

        Stored under the keyed voter hash, never the user id: it is recorded on votes too, and
        an anonymous debate must leave no voter id anywhere.
        """
        key = user_key(actor)
        seen = self.mod.seen.get(key)
        return self._sighting(key, actor, now) if seen is None else seen

    def _sighting(self, key: Key, actor: Actor, now: datetime) -> datetime:
        """`_see` for an actor missing from the memo: look them up by hash, or record them as new."""
        member = (actor.platform, actor.workspace, voter_hash(self.core.secret, actor))
        seen = self.mod.members.get(member)
        if seen is None:
            seen = self.mod.members[member] = now
            self.mod.member_writer.enqueue((*member, seen))  # a member seen before stays their earliest
        if len(self.mod.seen) >= SEEN_MEMORY:
            self.mod.seen.clear()  # only a memo: `members` and the store still know them
        self.mod.seen[key] = seen
        return seen

    async def observe(self, event: str, actor: Actor | None, target: object, details: dict[str, object]) -> None:
        """The pipeline's observer (ballots have their own, `observe_ballot`)."""
        if not isinstance(target, Debate):
            return
        d = target
        if event == "end":
            await self._debate_ended(d)
            return
        if actor is None:
            return
        at = details.get("at")
        now = at if isinstance(at, datetime) else self.core.clock.now()
        self._see(actor, now)
        if event == "join" and self._pre_vote_over(d):
            # in an anonymous debate a late joiner is known by their voter hash only, without a time
            who = self.debates.voter_key(d, actor) if d.anonymous else actor.user_id
            self.mod.late.setdefault(d.id, set()).add(who)
            await self.store.add_late_join(d.id, who, NO_TIME if d.anonymous else now)

    def observe_ballot(self, actor: Actor, d: Debate, stage: Stage, first: bool, now: datetime) -> None:
        """The core's ballot observer: the voter is seen, and a first ballot may be flagged."""
        first_seen = self._see(actor, now)
        if first:
            self._signals(d, actor, stage, first_seen, now)

    def _pre_vote_over(self, d: Debate) -> bool:
        phases = self.debates.fmt(d).phases
        pre = [i for i, p in enumerate(phases) if p.kind is PhaseKind.PRE_VOTE]
        return bool(pre) and d.phase_index > pre[0]

    def _signals(self, d: Debate, actor: Actor, stage: Stage, first_seen: datetime, now: datetime) -> None:
        voter = self.debates.voter_key(d, actor) if d.anonymous else actor.user_id
        if stage is Stage.POST:
            late = voter in self.mod.late.get(d.id, ())
            for reason in post_vote_flags(voter, d.votes[Stage.PRE], late):
                self._flag(d, voter, reason, stage, now)
        # a new participant: known here for less than the window
        if first_seen is now or now - first_seen < self.mod._new_window:
            burst = self.mod.bursts.add((d.id, stage), voter, now)
            if burst.started:
                self.mod._later(self.mod._audit(d.space.platform, d.space.workspace, BOT, "vote.burst", reason=FlagReason.BURST,
                                        debate_id=d.id,
                                        details=f"{stage.value}: {burst.size} / {self.config.burst_seconds:g} s"))
            for v in burst.flag:
                self._flag(d, v, _BURST, stage, now)

    def _flag(self, d: Debate, voter: str, reason: str, stage: Stage, now: datetime) -> None:
        voters = self.mod.flags.get(d.id)
        if voters is None:
            voters = self.mod.flags[d.id] = {}
        reasons = voters.get(voter, ())
        if reason in reasons:
            return
        reason = str(reason)  # stored and compared as its plain value
        voters[voter] = (*reasons, reason)
        # In an anonymous debate the flag is stored under the voter's hash without a time, and its
        # log entry (which has one) names nobody.
        self.mod.flag_writer.enqueue((d.id, voter, reason, stage.value, NO_TIME if d.anonymous else now))
        if reason == _BURST:
            return  # a burst is logged once, when it starts ("vote.burst"); its ballots are in vote_flags
        self.mod._later(self.mod._audit(d.space.platform, d.space.workspace, BOT, "vote.flag",
                                target="" if d.anonymous else voter, reason=str(reason), debate_id=d.id,
                                details=stage.value))

    async def flagged_voters(self, d: object) -> set[str]:
        """The voter keys of flagged ballots (`/debate results flagged:exclude`): kept in memory
        while the debate runs, read from the store once it has ended."""
        did = getattr(d, "id", None)
        if did is None:
            return set()
        if getattr(d, "running", False):
            return set(self.mod.flags.get(did, {}))
        await self.mod.flag_writer.flush()  # the last flags may still be on their way
        return await self.store.flagged_voters(did)

    async def _debate_ended(self, d: Debate) -> None:
        scope = self.mod.debate_scope(d)
        self.mod.removed.pop(scope, None)
        self.mod.slowmode.drop(scope)
        self.mod.late.pop(d.id, None)
        self.mod.flags.pop(d.id, None)  # stored: `flagged_voters` reads an ended debate's from the store
        self.mod.bursts.forget(d.id)
        await self.store.drop_scope(scope)
        await self.store.drop_late_joins(d.id)
