"""The phase engine: pure transitions of a debate through its format's phases.

Every function takes the debate, its format and the current time, changes the debate in place
and returns what happened; an illegal move raises :class:`RuleError` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.debates.model import (
    SPEAKING_KINDS,
    Debate,
    DebateState,
    Format,
    Phase,
    PhaseKind,
    Role,
    Side,
    Stage,
)
from bot.core.kernel.errors import RuleError

MAX_EXTEND_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Transition:
    """What a move did: the phase left (if any) and the phase entered (None when the debate ended)."""

    left: Phase | None
    entered: Phase | None
    ended: bool


def current_phase(debate: Debate, fmt: Format) -> Phase:
    return fmt.phases[min(debate.phase_index, len(fmt.phases) - 1)]


def reached_post_vote(debate: Debate, fmt: Format) -> bool:
    """Whether the debate is in its post-vote, or was when it ended, or has passed it."""
    return any(p.kind is PhaseKind.POST_VOTE for p in fmt.phases[: debate.phase_index + 1])


def open_stage(debate: Debate, fmt: Format) -> Stage | None:
    """The vote stage that takes ballots now, if any."""
    if debate.state is not DebateState.RUNNING:
        return None
    return current_phase(debate, fmt).stage


def start(debate: Debate, fmt: Format, now: datetime) -> Transition:
    debate.phase_index = 0
    debate.state = DebateState.RUNNING
    first = fmt.phases[0]
    debate.deadline = now + timedelta(seconds=first.seconds)
    return Transition(None, first, False)


def advance(debate: Debate, fmt: Format, now: datetime) -> Transition:
    """Leave the current phase; leaving the last phase ends the debate."""
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended")
    left = current_phase(debate, fmt)
    if debate.phase_index + 1 >= len(fmt.phases):
        return end(debate, now)
    debate.phase_index += 1
    entered = fmt.phases[debate.phase_index]
    if debate.state is DebateState.PAUSED:
        debate.paused_remaining = float(entered.seconds)
        debate.deadline = None
    else:
        debate.deadline = now + timedelta(seconds=entered.seconds)
    return Transition(left, entered, False)


def end(debate: Debate, now: datetime) -> Transition:
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended")
    debate.state = DebateState.ENDED
    debate.deadline = None
    debate.paused_remaining = None
    debate.ended_at = now
    return Transition(None, None, True)


def pause(debate: Debate, now: datetime) -> float:
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended")
    if debate.state is DebateState.PAUSED:
        raise RuleError("debate.error.already_paused")
    remaining = max(0.0, (debate.deadline - now).total_seconds()) if debate.deadline else 0.0
    debate.state = DebateState.PAUSED
    debate.paused_remaining = remaining
    debate.deadline = None
    return remaining


def resume(debate: Debate, now: datetime) -> float:
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended")
    if debate.state is not DebateState.PAUSED:
        raise RuleError("debate.error.not_paused")
    remaining = debate.paused_remaining or 0.0
    debate.state = DebateState.RUNNING
    debate.deadline = now + timedelta(seconds=remaining)
    debate.paused_remaining = None
    return remaining


def extend(debate: Debate, seconds: int, now: datetime) -> float:
    """Give the current phase more time; returns the seconds now left."""
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended")
    if seconds < 1 or seconds > MAX_EXTEND_SECONDS:
        raise RuleError("debate.error.extend_range", "usage.debate.extend", max=MAX_EXTEND_SECONDS)
    if debate.state is DebateState.PAUSED:
        debate.paused_remaining = (debate.paused_remaining or 0.0) + seconds
        return debate.paused_remaining
    assert debate.deadline is not None
    debate.deadline = max(debate.deadline, now) + timedelta(seconds=seconds)
    return (debate.deadline - now).total_seconds()


def remaining(debate: Debate, now: datetime) -> float | None:
    if debate.state is DebateState.PAUSED:
        return debate.paused_remaining
    if debate.deadline is None:
        return None
    return max(0.0, (debate.deadline - now).total_seconds())


def is_due(debate: Debate, now: datetime) -> bool:
    return debate.state is DebateState.RUNNING and debate.deadline is not None and debate.deadline <= now


def check_speech(debate: Debate, fmt: Format, user_id: str, text: str) -> Phase:
    """Whether `user_id` holds the floor now; returns the phase, or raises with the reason."""
    if debate.state is DebateState.ENDED:
        raise RuleError("debate.error.ended", handback=text)
    if debate.state is DebateState.PAUSED:
        raise RuleError("speak.error.paused", handback=text)
    phase = current_phase(debate, fmt)
    if phase.kind not in SPEAKING_KINDS:
        raise RuleError("speak.error.no_speeches", handback=text, phase=phase.id)
    role = debate.role_of(user_id)
    if phase.kind is PhaseKind.OPEN_FLOOR:
        if role is None:
            raise RuleError("speak.error.join_first", handback=text)
    else:
        allowed = {Role.PRO, Role.CON} if phase.kind is PhaseKind.CROSS else {Role(phase.side.value)}
        if role not in allowed:
            raise RuleError("speak.error.not_your_turn", handback=text, side=phase.side.value)
        if phase.kind is PhaseKind.SPEECH:
            speakers = {s.user_id for s in debate.speeches if s.phase_index == debate.phase_index}
            if user_id not in speakers and len(speakers) >= phase.speakers:
                raise RuleError("speak.error.floor_taken", handback=text)
    if len(text) > phase.max_chars:
        raise RuleError("speak.error.too_long", handback=text, length=len(text), limit=phase.max_chars)
    return phase


def side_of_speech(debate: Debate, phase: Phase, user_id: str) -> str:
    role = debate.role_of(user_id)
    if role is None:
        return Side.BOTH.value
    return role.value
