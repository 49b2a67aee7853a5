"""The debate service end to end through the core, against a recording chat and a fake clock."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.app import build_core
from bot.core.debates.model import DebateState, Stage
from bot.core.kernel.commands import Command
from bot.core.kernel.request import Request
from bot.testing.chat import FakeChat
from tests.conftest import CHANNEL, actor, say
from tests.fakes.settle import land_tallies


async def start_quick(core, chat):
    cards = await say(core, "teacher", "/debate start format:quick")
    assert "started" in cards[0].body
    d = next(iter(core.debates.debates.values()))
    return d


async def test_start_opens_a_thread_with_join_buttons_and_the_pre_vote(core, chat):
    d = await start_quick(core, chat)
    opening = chat.posts[0]
    assert opening.channel == CHANNEL
    assert [b.custom_id for b in opening.card.buttons] == [
        f"debate:{d.id}:join:pro", f"debate:{d.id}:join:con", f"debate:{d.id}:join:audience"]
    assert d.space.channel == f"c1/thread-{opening.message_id}"
    assert chat.kinds() == ["opening", "phase", "tally"]
    tally = chat.posts[2]
    assert tally.channel == d.space
    assert [b.custom_id for b in tally.card.buttons][-1] == f"debate:{d.id}:vote:undecided"


async def test_commands_in_the_thread_and_in_the_parent_act_on_the_debate(core, chat):
    d = await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro", channel=d.space)
    await say(core, "bob", "/debate join con")
    assert {p.user_id: p.role.value for p in d.participants.values()} == {"alice": "pro", "bob": "con"}


async def test_a_second_debate_in_the_same_channel_is_refused(core, chat):
    await start_quick(core, chat)
    posts = len(chat.posts)
    cards = await say(core, "teacher", "/debate start")
    assert cards[0].kind == "error" and "already running" in cards[0].body
    assert "/debate start" in cards[0].body  # the usage
    assert len(chat.posts) == posts


async def test_non_moderators_cannot_drive_the_debate(core, chat):
    d = await start_quick(core, chat)
    cards = await say(core, "alice", "/debate next")
    assert "Only a moderator" in cards[0].body
    assert d.phase_index == 0
    cards = await say(core, "alice", "/debate start", channel=CHANNEL.__class__("test", "w1", "other"))
    assert "Only a moderator" in cards[0].body


async def test_joining_twice_is_refused_and_leave_lets_you_rejoin_your_side(core, chat):
    d = await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro")
    cards = await say(core, "alice", "/debate join side:con")
    assert cards[0].kind == "error" and "already joined as Pro" in cards[0].body
    assert d.participants["alice"].role.value == "pro"
    await say(core, "alice", "/debate leave")
    await say(core, "alice", "/debate join side:pro")
    assert d.participants["alice"].role.value == "pro"
    await say(core, "watcher", "/debate join side:audience")  # the audience holds no side
    await say(core, "watcher", "/debate leave")
    await say(core, "watcher", "/debate join side:con")
    assert d.participants["watcher"].role.value == "con"


async def test_a_debater_who_left_neither_votes_nor_takes_another_side(core, chat):
    d = await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "alice", "/debate leave")
    cards = await say(core, "alice", "/vote con")
    assert cards[0].kind == "error" and "You held Pro in this debate, so you do not vote" in cards[0].body
    for side in ("con", "audience"):
        cards = await say(core, "alice", f"/debate join side:{side}")
        assert cards[0].kind == "error" and "you can rejoin Pro, but not another side" in cards[0].body
    assert "alice" not in d.participants
    for _ in range(3):  # pre-vote → pro speech → con speech → post-vote
        await say(core, "teacher", "/debate next")
    cards = await say(core, "alice", "/vote pro")
    assert "do not vote" in cards[0].body
    await say(core, "v1", "/vote con")
    await core.debates.writer.flush()
    assert d.votes[Stage.PRE] == {} and d.votes[Stage.POST] == {"v1": "con"}


async def test_the_debater_rule_holds_after_a_restart(tmp_path, clock):
    core = await build_core(tmp_path / "r.db", {"test": FakeChat()}, clock=clock)
    await core.start()
    try:
        await say(core, "teacher", "/debate start format:quick")
        await say(core, "alice", "/debate join side:pro")
        await say(core, "alice", "/debate leave")
        await say(core, "bob", "/debate join side:con")
    finally:
        await core.stop()
    core2 = await build_core(tmp_path / "r.db", {"test": FakeChat()}, clock=clock)
    await core2.start()
    try:
        assert "do not vote" in (await say(core2, "alice", "/vote pro"))[0].body
        assert "not another side" in (await say(core2, "alice", "/debate join side:con"))[0].body
        assert "Debaters do not vote" in (await say(core2, "bob", "/vote con"))[0].body
        await say(core2, "bob", "/debate leave")
        assert "not another side" in (await say(core2, "bob", "/debate join side:pro"))[0].body
        assert "You joined" in (await say(core2, "alice", "/debate join side:pro"))[0].body
    finally:
        await core2.stop()


async def test_votes_are_one_per_voter_and_changeable_until_the_stage_closes(core, chat):
    d = await start_quick(core, chat)
    assert "Your vote: Pro" in (await say(core, "v1", "/vote pro"))[0].body
    assert "changed from Pro to Con" in (await say(core, "v1", "/vote con"))[0].body
    assert "stays Con" in (await say(core, "v1", "/vote con"))[0].body
    await say(core, "v2", "/vote undecided")
    assert d.votes[Stage.PRE] == {"v1": "con", "v2": "undecided"}
    await say(core, "teacher", "/debate next")
    cards = await say(core, "v3", "/vote pro")
    assert "No vote is open" in cards[0].body
    assert "v3" not in d.votes[Stage.PRE]


async def test_debaters_do_not_vote_and_voters_cannot_become_debaters(core, chat):
    d = await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro")
    assert "Debaters do not vote" in (await say(core, "alice", "/vote pro"))[0].body
    await say(core, "v1", "/vote con")
    cards = await say(core, "v1", "/debate join side:con")
    assert "only join the audience" in cards[0].body
    await say(core, "v1", "/debate join side:audience")
    assert d.participants["v1"].role.value == "audience"


async def test_voters_cannot_become_debaters_in_an_anonymous_debate_either(core, chat):
    await say(core, "teacher", "/debate start format:quick anonymous:yes")
    d = next(iter(core.debates.debates.values()))
    assert d.anonymous
    await say(core, "v1", "/vote con")
    assert "v1" not in d.votes[Stage.PRE] and len(d.votes[Stage.PRE]) == 1  # stored as a hash
    cards = await say(core, "v1", "/debate join side:con")
    assert "only join the audience" in cards[0].body
    assert "v1" not in d.participants


async def test_a_refused_speech_is_handed_back_in_full(core, chat):
    d = await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "bob", "/debate join side:con")
    await say(core, "teacher", "/debate next")
    speech = "Identity checks would have stopped the Shanghai burglar."
    cards = await say(core, "bob", f"/speak {speech}")
    assert cards[0].kind == "error"
    assert "not your turn" in cards[0].body and speech in cards[0].body
    assert d.speeches == []
    await say(core, "alice", f"/speak {speech}")
    posted = chat.last("speech")
    assert posted.body == speech and posted.side == "pro" and posted.user_text
    assert chat.posts[-1].channel == d.space


async def test_the_tally_is_edited_by_time_not_per_vote(core, chat, clock):
    d = await start_quick(core, chat)
    tally_id = d.tally_message_ids[Stage.PRE]
    for i in range(50):
        await say(core, f"v{i}", "/vote pro" if i % 2 else "/vote con")
    # the first vote's edit goes out at once; the other 49 wait for the 2 s interval as one edit
    assert len(chat.by_id[tally_id].edits) == 1
    await clock.settle(*core.debates.tallies.workers())
    clock.advance(2.0)
    await core.debates.tallies.idle()
    assert len(chat.by_id[tally_id].edits) == 2
    assert chat.current(tally_id).fields[0].value == "25 (50%)"
    await say(core, "teacher", "/debate next")
    # the final tally keeps the interval too, and lands exact
    assert await land_tallies(core.debates.tallies, clock) >= chat.min_edit_interval
    final = chat.current(tally_id)
    assert final.buttons == ()
    assert [f.value for f in final.fields] == ["25 (50%)", "25 (50%)", "0 (0%)"]


async def test_time_moves_phases_on_by_itself(core, chat, clock):
    d = await start_quick(core, chat)
    clock.advance(119)
    await core.run_due()
    assert d.phase_index == 0
    clock.advance(1)
    await core.run_due()
    assert d.phase_index == 1
    assert "Time is up." in chat.last("phase").body


async def test_a_blank_question_is_refused(core, chat):
    d = await start_quick(core, chat)
    replies = await core.handle(Request(actor("v1"), CHANNEL, command=Command("ask", text="   ")))
    assert replies[0].card.kind == "error"
    assert d.questions == []


async def test_the_timer_and_a_moderator_moving_on_together_leave_one_phase_only(core, chat, clock, monkeypatch):
    d = await start_quick(core, chat)
    edit = chat.edit

    async def slow_edit(*args):  # a platform edit takes a while: the vote stage closes slowly
        await asyncio.sleep(0.01)
        await edit(*args)

    monkeypatch.setattr(chat, "edit", slow_edit)
    clock.advance(120)
    await asyncio.gather(core.run_due(), say(core, "teacher", "/debate next"))
    assert d.phase_index == 1
    assert chat.kinds().count("phase") == 2
    for _ in range(2):
        await say(core, "teacher", "/debate next")  # to the post-vote
    ends = await asyncio.gather(say(core, "teacher", "/debate end"), say(core, "teacher", "/debate end"))
    assert d.state is DebateState.ENDED and chat.kinds().count("result") == 1
    assert ends == [[], []]


async def test_pause_stops_the_clock_and_resume_restarts_it(core, chat, clock):
    d = await start_quick(core, chat)
    await say(core, "teacher", "/debate pause")
    clock.advance(1000)
    await core.run_due()
    assert d.phase_index == 0 and d.state is DebateState.PAUSED
    assert "No vote is open" in (await say(core, "v1", "/vote pro"))[0].body
    await say(core, "teacher", "/debate resume")
    clock.advance(120)
    await core.run_due()
    assert d.phase_index == 1


async def test_end_announces_the_result_and_results_stay_available(core, chat):
    d = await start_quick(core, chat)
    await say(core, "v1", "/vote undecided")
    await say(core, "v2", "/vote con")
    for _ in range(3):
        await say(core, "teacher", "/debate next")
    await say(core, "v1", "/vote pro")
    await say(core, "v2", "/vote con")
    await say(core, "teacher", "/debate next")
    assert d.state is DebateState.ENDED
    result = chat.last("result")
    assert result.body.startswith("Pro wins")
    assert any("Undecided → Pro: 1" in f.value for f in result.fields)
    cards = await say(core, "anyone", "/debate results")
    assert cards[0].body.startswith("Pro wins")
    assert "No debate is running" in (await say(core, "teacher", "/debate next"))[0].body
    await say(core, "teacher", "/debate start format:quick")  # the channel is free again


async def test_json_export_matches_the_votes(core, chat):
    await start_quick(core, chat)
    await say(core, "alice", "/debate join side:pro")
    for i, c in enumerate(["pro", "con", "con", "undecided"]):
        await say(core, f"v{i}", f"/vote {c}")
    await say(core, "teacher", "/debate next")
    await say(core, "alice", "/speak Sellers should check ID.")
    await say(core, "teacher", "/debate next")
    await say(core, "teacher", "/debate next")
    for i, c in enumerate(["pro", "pro", "con", "pro"]):
        await say(core, f"v{i}", f"/vote {c}")
    await say(core, "teacher", "/debate end")
    cards = await say(core, "anyone", "/debate export format:json")
    data = json.loads(cards[0].attachment.data)
    assert data["motion"]["id"] == "id-checks"
    assert data["format"] == "quick"
    assert [p["kind"] for p in data["phases"]] == ["pre_vote", "speech", "speech", "post_vote"]
    assert data["speeches"] == [{"phase": d_phase(data, 1), "side": "pro", "speaker": "Alice",
                                 "text": "Sellers should check ID.", "at": data["speeches"][0]["at"]}]
    assert data["votes"] == {"pre": {"pro": 1, "con": 2, "undecided": 1}, "post": {"pro": 3, "con": 1, "undecided": 0}}
    assert {"from": "con", "to": "pro", "count": 1} in data["movement"]
    assert data["result"]["winner"] == "pro"
    assert data["result"]["swing"] == {"pro": 50.0, "con": -25.0}


def d_phase(data, index):
    return data["phases"][index]["name"]


async def test_a_restart_mid_debate_continues_with_its_deadline(tmp_path, clock):
    chat = FakeChat()
    core = await build_core(tmp_path / "r.db", {"test": chat}, clock=clock)
    await core.start()
    await say(core, "teacher", "/debate start format:quick")
    await say(core, "alice", "/debate join side:pro")
    await say(core, "v1", "/vote con")
    await say(core, "teacher", "/debate next")
    await say(core, "alice", "/speak Before the restart.")
    await core.stop()

    chat2 = FakeChat()
    core2 = await build_core(tmp_path / "r.db", {"test": chat2}, clock=clock)
    await core2.start()
    d = next(iter(core2.debates.debates.values()))
    assert d.phase_index == 1 and d.participants["alice"].role.value == "pro"
    assert d.votes[Stage.PRE] == {"v1": "con"}
    assert [s.text for s in d.speeches] == ["Before the restart."]
    assert core2.next_deadline() == d.deadline
    clock.advance(180)
    await core2.run_due()
    assert d.phase_index == 2  # the deadline was re-armed
    await core2.stop()


async def test_a_deadline_missed_while_stopped_runs_on_start(tmp_path, clock):
    core = await build_core(tmp_path / "r.db", {"test": FakeChat()}, clock=clock)
    await core.start()
    await say(core, "teacher", "/debate start format:quick")
    await core.stop()
    clock.advance(121)
    chat2 = FakeChat()
    core2 = await build_core(tmp_path / "r.db", {"test": chat2}, clock=clock)
    await core2.start()
    d = next(iter(core2.debates.debates.values()))
    assert d.phase_index == 1
    assert "Time is up." in chat2.last("phase").body
    await core2.stop()


async def test_custom_motions_and_unknown_ids(core, chat):
    cards = await say(core, "teacher", '/debate start motion:"This house would tax masks"')
    assert "This house would tax masks" in cards[0].body
    d = next(iter(core.debates.debates.values()))
    assert d.motion_id == "custom"
    cards = await say(core, "teacher", "/debate start motion:nonsense", channel=CHANNEL.__class__("test", "w1", "c2"))
    assert "There is no motion 'nonsense'" in cards[0].body and "id-checks" in cards[0].body


async def test_library_commands(core):
    listing = (await say(core, "anyone", "/motions"))[0]
    assert "id-checks" in listing.body
    detail = (await say(core, "anyone", "/motions id-checks"))[0]
    assert detail.body and any(f.name == "Evidence" for f in detail.fields)
    formats = (await say(core, "anyone", "/formats"))[0]
    assert any("(quick)" in f.name for f in formats.fields)
    await say(core, "teacher", "/debate language ja")
    ja = (await say(core, "anyone", "/motions id-checks"))[0]
    assert ja.body != detail.body


async def test_questions_wait_for_a_moderator(core, chat):
    d = await start_quick(core, chat)
    cards = await say(core, "carol", "/ask Who checks the ID online?")
    assert "#1" in cards[0].body
    queue = (await say(core, "teacher", "/mod queue"))[0]
    assert "Who checks the ID online?" in queue.body
    await say(core, "teacher", "/mod approve id:1")
    assert chat.last("question").body == "Who checks the ID online?"
    await say(core, "dave", "/ask Off topic")
    await say(core, "teacher", '/mod reject id:2 reason:"not about masks"')
    channel, user, note = chat.private[-1]
    assert user == "dave" and "not about masks" in note.body and "Off topic" in note.body
    assert "already" in (await say(core, "teacher", "/mod approve id:2"))[0].body
    assert [q.status for q in d.questions] == ["approved", "rejected"]


async def test_a_debate_the_platform_could_not_open_leaves_nothing_behind(core, chat, monkeypatch):
    from bot.core.kernel.errors import RuleError

    async def refused(channel, title, card):
        raise RuleError("error.unavailable")

    monkeypatch.setattr(chat, "open_space", refused)
    cards = await say(core, "teacher", "/debate start format:quick")
    assert cards[0].kind == "error"
    assert core.debates.debates == {}
    assert await core.store.load_open_debates() == []
    monkeypatch.undo()
    assert "started" in (await say(core, "teacher", "/debate start format:quick"))[0].body


async def test_the_floor_and_the_place_are_told_without_io(core, chat):
    from bot.core.kernel.errors import RuleError
    from tests.conftest import actor

    d = await start_quick(core, chat)
    assert core.debates.space_here(CHANNEL) == d.space == core.debates.space_here(d.space)
    assert core.debates.space_here(CHANNEL.__class__("test", "w1", "elsewhere")) is None
    await say(core, "alice", "/debate join side:pro")
    with pytest.raises(RuleError) as err:
        core.debates.floor(actor("alice"), CHANNEL)  # the pre-vote has no speeches
    assert err.value.key == "speak.error.no_speeches"
    await say(core, "teacher", "/debate next")
    assert core.debates.floor(actor("alice"), d.space) == (d, 1260)
    with pytest.raises(RuleError) as err:
        core.debates.floor(actor("bob"), CHANNEL)  # bob has not joined the pro side
    assert err.value.key == "speak.error.not_your_turn"


async def test_what_adapters_ask_of_the_core_without_a_command(core, chat):
    """The adapters' questions go through the front door (#15): Core's own small methods."""
    from bot.core.kernel.errors import RuleError
    from tests.conftest import actor

    d = await start_quick(core, chat)
    assert core.debate_space(CHANNEL) == d.space and core.open_debates("test") == [d]
    assert core.open_debates("elsewhere") == [] and core.open_polls("test") == []
    assert core.open_poll_language(1) is None
    await say(core, "alice", "/debate join side:pro")
    await say(core, "teacher", "/debate next")
    assert core.speech_floor(actor("alice"), d.space) == (d.language, 1260)
    with pytest.raises(RuleError):
        core.speech_floor(actor("bob"), CHANNEL)
    elsewhere = CHANNEL.__class__("test", "w1", "elsewhere")
    assert await core.check_message(actor("carol"), elsewhere, "hello") is None  # no debate there
    assert await core.check_message(actor("carol"), d.space, "hello")  # not carol's turn
