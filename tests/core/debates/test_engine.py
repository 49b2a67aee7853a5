from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.debates import engine
from bot.core.debates.model import ChannelRef, Debate, DebateState, Participant, Role, Stage
from bot.core.kernel.errors import RuleError
from bot.core.library.loader import load_library
from bot.prompt_folder import PROMPTS_DIR, PromptFolder

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LIB = load_library(PromptFolder(PROMPTS_DIR))
QUICK = LIB.formats["quick"]


def new_debate() -> Debate:
    ref = ChannelRef("test", "w", "c")
    d = Debate(1, ref, ref, "m", "t", "text", "quick", "en", "teacher", NOW)
    engine.start(d, QUICK, NOW)
    return d


def join(d: Debate, user: str, role: Role) -> None:
    d.participants[user] = Participant(user, user, role, NOW)


def test_a_debate_starts_in_the_pre_vote_with_its_deadline():
    d = new_debate()
    assert engine.current_phase(d, QUICK).kind.value == "pre_vote"
    assert engine.open_stage(d, QUICK) is Stage.PRE
    assert d.deadline == NOW + timedelta(seconds=120)


def test_next_walks_every_phase_and_leaving_the_last_ends_it():
    d = new_debate()
    seen = [engine.current_phase(d, QUICK).id]
    t = NOW
    while True:
        t += timedelta(seconds=5)
        step = engine.advance(d, QUICK, t)
        if step.ended:
            break
        seen.append(step.entered.id)
        assert d.deadline == t + timedelta(seconds=step.entered.seconds)
    assert seen == [p.id for p in QUICK.phases]
    assert d.state is DebateState.ENDED and d.deadline is None and d.ended_at == t
    with pytest.raises(RuleError) as err:
        engine.advance(d, QUICK, t)
    assert err.value.key == "debate.error.ended"


def test_pause_keeps_the_remaining_time_and_resume_restores_it():
    d = new_debate()
    left = engine.pause(d, NOW + timedelta(seconds=50))
    assert left == 70 and d.deadline is None and engine.open_stage(d, QUICK) is None
    assert not engine.is_due(d, NOW + timedelta(days=1))
    with pytest.raises(RuleError):
        engine.pause(d, NOW)
    engine.resume(d, NOW + timedelta(seconds=500))
    assert d.deadline == NOW + timedelta(seconds=570)
    with pytest.raises(RuleError) as err:
        engine.resume(d, NOW)
    assert err.value.key == "debate.error.not_paused"


def test_extend_adds_time_running_or_paused_and_refuses_nonsense():
    d = new_debate()
    assert engine.extend(d, 60, NOW) == 180
    engine.pause(d, NOW)
    assert engine.extend(d, 20, NOW) == 200
    with pytest.raises(RuleError):
        engine.extend(d, 0, NOW)
    with pytest.raises(RuleError):
        engine.extend(d, 10**9, NOW)


def test_a_phase_is_due_when_its_time_is_up():
    d = new_debate()
    assert not engine.is_due(d, NOW + timedelta(seconds=119))
    assert engine.is_due(d, NOW + timedelta(seconds=120))


def test_only_the_side_that_holds_the_floor_may_speak():
    d = new_debate()
    join(d, "alice", Role.PRO)
    join(d, "ann", Role.PRO)
    join(d, "bob", Role.CON)
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "alice", "too early")
    assert err.value.key == "speak.error.no_speeches" and err.value.handback == "too early"
    engine.advance(d, QUICK, NOW)  # pro speech
    assert engine.check_speech(d, QUICK, "alice", "ok").side.value == "pro"
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "bob", "off turn")
    assert err.value.key == "speak.error.not_your_turn"
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "zed", "audience")
    assert err.value.key == "speak.error.not_your_turn"
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "alice", "x" * 5000)
    assert err.value.key == "speak.error.too_long" and err.value.params["limit"] == QUICK.phases[1].max_chars


def test_a_speech_slot_belongs_to_the_first_speaker():
    from bot.core.debates.model import Speech

    d = new_debate()
    join(d, "alice", Role.PRO)
    join(d, "ann", Role.PRO)
    engine.advance(d, QUICK, NOW)
    d.speeches.append(Speech(1, d.phase_index, "alice", "alice", "pro", "first", NOW))
    engine.check_speech(d, QUICK, "alice", "alice may go on")
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "ann", "second speaker")
    assert err.value.key == "speak.error.floor_taken"


def test_nobody_speaks_in_a_paused_or_ended_debate():
    d = new_debate()
    join(d, "alice", Role.PRO)
    engine.advance(d, QUICK, NOW)
    engine.pause(d, NOW)
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "alice", "x")
    assert err.value.key == "speak.error.paused"
    engine.end(d, NOW)
    with pytest.raises(RuleError) as err:
        engine.check_speech(d, QUICK, "alice", "x")
    assert err.value.key == "debate.error.ended"
