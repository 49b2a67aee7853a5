"""Polls end to end through the core: creating, voting in every mode, withdrawing, closing, results.

The instant-runoff cases are counted by hand in the comments; the counting rules themselves are
in `bot/core/polls/counting.py` (ties at elimination: fewer first preferences go first, then fewer
votes in the earlier rounds; still tied, they go together).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from bot.app import build_core
from bot.core.debates.model import ChannelRef
from bot.core.kernel.buttons import ballot_command, button_command, opens_ballot
from bot.core.kernel.commands import Command
from bot.core.kernel.request import Request
from tests.conftest import CHANNEL, actor, say
from tests.fakes.settle import land_tallies

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_charts(core):
    """Charts are tested in test_exports; here they would only cost time."""
    core.charts = None


async def create(core, line: str = 'question:"Best drink?" options:"tea|coffee|water"'):
    cards = await say(core, "teacher", f"/poll create {line}")
    assert cards[0].kind == "notice", cards[0].body
    return max(core.polls.polls.values(), key=lambda p: p.id)


async def vote(core, who: str, poll_id: int, choices: str):
    cards = await say(core, who, f"/poll vote id:{poll_id} {choices}")
    return cards[0]


async def click(core, who: str, custom_id: str):
    command, _ = button_command(custom_id)
    replies = await core.handle(Request(actor(who), CHANNEL, command=command))
    return replies[0].card


async def close(core, poll_id: int):
    await say(core, "teacher", f"/poll close id:{poll_id}")
    return core.polls  # for chaining


async def export_json(core, poll_id: int, who: str = "teacher") -> dict:
    cards = await say(core, who, f"/poll results id:{poll_id} format:json")
    assert cards[0].attachment is not None, cards[0].body
    return json.loads(cards[0].attachment.data)


# --- creating -----------------------------------------------------------------------------


async def test_create_posts_the_poll_with_a_button_per_option_and_withdraw(core, chat):
    p = await create(core)
    posted = chat.posts[-1]
    assert posted.channel == CHANNEL and posted.card.kind == "poll"
    assert posted.card.body == "Best drink?" and posted.card.user_text
    assert [b.custom_id for b in posted.card.buttons] == [
        f"poll:{p.id}:vote:1", f"poll:{p.id}:vote:2", f"poll:{p.id}:vote:3", f"poll:{p.id}:withdraw"]
    assert [f.name for f in posted.card.fields] == ["1. tea", "2. coffee", "3. water"]
    assert posted.card.extra["poll_mode"] == "single" and posted.card.extra["poll_options"] == "tea\ncoffee\nwater"
    assert p.message_id == posted.message_id
    assert (p.mode, p.max_choices, p.anonymous, p.tally, p.closes_at) == ("single", 1, False, "live", None)


async def test_only_moderators_create_and_close_polls(core, chat):
    cards = await say(core, "alice", '/poll create question:"Q?" options:"a|b"')
    assert "Only a moderator" in cards[0].body
    p = await create(core)
    cards = await say(core, "alice", f"/poll close id:{p.id}")
    assert "Only a moderator" in cards[0].body and p.open


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('question:"Q?" options:"only"', "2 to 10 options, not 1"),
        ('question:"Q?" options:"a|b|c|d|e|f|g|h|i|j|k"', "2 to 10 options, not 11"),
        ('question:"Q?" options:"a||b"', "An option is empty"),
        ('question:"Q?" options:"Tea|tea"', "'tea' is given twice"),
        ('question:"Q?" options:"a|b" max:2', "single-choice poll takes one option"),
        ('question:"Q?" options:"a|b" mode:multi max:3', "max:3 does not fit: choose 1 to 2"),
        ('question:"Q?" options:"a|b" mode:ranked max:0', "max:0 does not fit"),
        ('question:" " options:"a|b"', "Write the question"),
        ('question:"Q?" options:"a|b" mode:approval', "mode must be one of single|multi|ranked"),
        ('question:"Q?" options:"a|b" closes:soon', "neither a duration"),
    ],
)
async def test_create_refuses_a_bad_poll_with_the_reason_and_the_usage(core, chat, line, message):
    posts = len(chat.posts)
    cards = await say(core, "teacher", f"/poll create {line}")
    assert cards[0].kind == "error"
    assert message in cards[0].body
    assert "/poll create question:" in cards[0].body  # the usage line
    assert len(chat.posts) == posts and not core.polls.polls


# --- single choice ------------------------------------------------------------------------


async def test_single_choice_by_number_or_text_changed_and_withdrawn_with_notice_each_time(core, chat):
    p = await create(core)
    card = await vote(core, "alice", p.id, "2")
    assert "Your vote on poll #1: coffee." in card.body
    assert f"withdraw it with /poll withdraw id:{p.id}, until the poll closes" in card.body
    card = await vote(core, "alice", p.id, "WATER")
    assert "changed from coffee to water" in card.body and "until the poll closes" in card.body
    card = await vote(core, "alice", p.id, "3")
    assert "stays water" in card.body and "until the poll closes" in card.body
    assert p.ballots == {"alice": (2,)}
    card = (await say(core, "alice", f"/poll withdraw id:{p.id}"))[0]
    assert "withdrawn" in card.body and "vote again until the poll closes" in card.body
    assert p.ballots == {}
    card = (await say(core, "alice", f"/poll withdraw id:{p.id}"))[0]
    assert card.kind == "error" and "no vote on poll #1" in card.body


async def test_a_single_choice_poll_takes_exactly_one_known_option(core):
    p = await create(core)
    card = await vote(core, "alice", p.id, "1 2")
    assert card.kind == "error" and "exactly one option" in card.body
    card = await vote(core, "alice", p.id, "juice")
    assert card.kind == "error" and "'juice' is not an option" in card.body
    assert "1. tea · 2. coffee · 3. water" in card.body
    card = await vote(core, "alice", p.id, "4")
    assert card.kind == "error" and "'4' is not an option" in card.body
    cards = await say(core, "alice", f"/poll vote id:{p.id}")
    assert cards[0].kind == "error" and "Name your choice" in cards[0].body
    assert p.ballots == {}


async def test_options_of_several_words_work_quoted_or_not(core):
    p = await create(core, 'question:"Lunch?" options:"green tea|black coffee|1"')
    assert "green tea" in (await vote(core, "a", p.id, "green tea")).body
    assert "black coffee" in (await vote(core, "b", p.id, '"Black Coffee"')).body
    # an option called "1" is taken by its text before numbers are tried
    assert "Your vote on poll #1: 1." in (await vote(core, "c", p.id, "1")).body
    assert p.ballots == {"a": (0,), "b": (1,), "c": (2,)}


async def test_buttons_vote_and_withdraw(core, chat):
    p = await create(core)
    card = await click(core, "alice", f"poll:{p.id}:vote:3")
    assert "Your vote on poll #1: water." in card.body
    card = await click(core, "alice", f"poll:{p.id}:vote:1")
    assert "changed from water to tea" in card.body
    card = await click(core, "alice", f"poll:{p.id}:withdraw")
    assert "withdrawn" in card.body and p.ballots == {}


async def test_a_poll_is_voted_only_in_its_own_channel_and_its_threads(core):
    p = await create(core)
    for elsewhere in (ChannelRef("test", "w2", "c1"), ChannelRef("test", "w1", "staff"),
                      ChannelRef("test", "w1", "c10"), ChannelRef("test", "w1", "staff/c1")):
        for line in (f"/poll vote id:{p.id} 1", f"/poll withdraw id:{p.id}"):
            cards = await say(core, "alice", line, channel=elsewhere)
            assert cards[0].kind == "error" and "no poll #1 here" in cards[0].body
            cards = await say(core, "teacher", line, channel=elsewhere)  # moderators vote where it is too
            assert cards[0].kind == "error" and "no poll #1 here" in cards[0].body
    await core.polls.writer.flush()
    assert p.ballots == {}
    cards = await say(core, "alice", f"/poll vote id:{p.id} 1", channel=ChannelRef("test", "w1", "c1/thread-7"))
    assert "Your vote" in cards[0].body
    cards = await say(core, "bob", f"/poll vote id:{p.id} 2")
    assert "Your vote" in cards[0].body
    cards = await say(core, "alice", "/poll vote id:99 1")
    assert "no poll #99" in cards[0].body


async def test_a_poll_is_seen_elsewhere_only_by_a_moderator_and_privately(core, chat):
    staff = ChannelRef("test", "w1", "staff")
    general = ChannelRef("test", "w1", "general")
    await say(core, "teacher", '/poll create question:"Who leads?" options:"ann|bo"', channel=staff)
    (p,) = core.polls.polls.values()
    await say(core, "ann", f"/poll vote id:{p.id} bo", channel=staff)
    posts = len(chat.posts)
    for kind in ("", " format:json", " format:csv"):
        replies = await core.handle(Request(actor("eve"), general, f"/poll results id:{p.id}{kind}"))
        assert replies[0].card.kind == "error" and "no poll #1 here" in replies[0].card.body
        assert replies[0].card.attachment is None
        replies = await core.handle(Request(actor("teacher", True), general, f"/poll results id:{p.id}{kind}"))
        assert replies[0].private and replies[0].card.kind != "error", replies[0].card.body
        replies = await core.handle(Request(actor("ann"), staff, f"/poll results id:{p.id}{kind}"))
        assert not replies[0].private and replies[0].card.kind != "error"
    replies = await core.handle(Request(actor("teacher", True), general, f"/poll results id:{p.id} format:json"))
    assert json.loads(replies[0].card.attachment.data)["ballots"][0]["name"] == "Ann"
    assert len(chat.posts) == posts  # nothing was posted in either channel


# --- multiple choice ----------------------------------------------------------------------


async def test_multi_choice_up_to_k(core):
    p = await create(core, 'question:"Which?" options:"a|b|c|d" mode:multi max:2')
    assert "a, c" in (await vote(core, "v1", p.id, "1 3")).body
    card = await vote(core, "v2", p.id, "1 2 3")
    assert card.kind == "error" and "up to 2 options" in card.body
    card = await vote(core, "v2", p.id, "2 b")
    assert card.kind == "error" and "only once" in card.body
    await vote(core, "v2", p.id, "1,4")
    await close(core, p.id)
    data = await export_json(core, p.id)
    assert data["counts"] == [2, 0, 1, 1] and data["winner"] == "a" and data["turnout"] == 2


async def test_multi_choice_buttons_add_and_take_out_options(core, chat):
    p = await create(core, 'question:"Which?" options:"a|b|c" mode:multi max:2')
    assert "Your vote on poll #1: b." in (await click(core, "v", f"poll:{p.id}:vote:2")).body
    assert "changed from b to b, c" in (await click(core, "v", f"poll:{p.id}:vote:3")).body
    card = await click(core, "v", f"poll:{p.id}:vote:1")
    assert card.kind == "error" and "up to 2 options" in card.body
    assert "changed from b, c to c" in (await click(core, "v", f"poll:{p.id}:vote:2")).body
    assert "withdrawn" in (await click(core, "v", f"poll:{p.id}:vote:3")).body
    assert p.ballots == {}


# --- ranked choice ------------------------------------------------------------------------


async def test_ranked_poll_offers_a_rank_modal_and_takes_a_ranking_from_it(core, chat):
    p = await create(core, 'question:"Order?" options:"red|green|blue" mode:ranked')
    card = chat.posts[-1].card
    rank_id = f"poll:{p.id}:rank"
    assert rank_id in [b.custom_id for b in card.buttons]
    assert "best first" in card.extra[rank_id]
    assert opens_ballot(rank_id) == p.id and button_command(rank_id) is None
    command, target = ballot_command(rank_id, "3, red")
    replies = await core.handle(Request(actor("v"), CHANNEL, command=command))
    assert "1. blue · 2. red" in replies[0].card.body
    assert p.ballots == {"v": (2, 0)}
    # a ranking built with the option buttons: each click appends, a second click takes out
    await click(core, "w", f"poll:{p.id}:vote:2")
    card = await click(core, "w", f"poll:{p.id}:vote:1")
    assert "1. green · 2. red" in card.body
    card = await click(core, "w", f"poll:{p.id}:vote:2")
    assert "changed from 1. green · 2. red to 1. red" in card.body


async def test_ranked_poll_with_max_limits_the_ranking_length(core):
    p = await create(core, 'question:"Order?" options:"a|b|c|d" mode:ranked max:2')
    card = await vote(core, "v", p.id, "a b c")
    assert card.kind == "error" and "up to 2 options" in card.body
    assert "1. b · 2. a" in (await vote(core, "v", p.id, "b a")).body


@pytest.mark.parametrize("typed", ["Zoo > Aquarium", "zoo>aquarium", "Zoo, Aquarium", "3 > 1", "Zoo > 1"])
async def test_a_ranked_ballot_typed_on_a_command_line_reads_as_in_the_ballot_box(core, typed):
    """`/poll vote id:3 Zoo > Aquarium` on the console and in Slack's text names the same
    ballot as `Zoo > Aquarium` typed into the platforms' ranking box."""
    p = await create(core, 'question:"Trip?" options:"Aquarium|Museum|Zoo" mode:ranked')
    card = await vote(core, "v", p.id, typed)
    assert card.kind == "notice", card.body
    assert p.ballots == {"v": (2, 0)}
    box, _ = ballot_command(f"poll:{p.id}:rank", typed)
    assert core.polls._resolve(p, box.args) == (2, 0)


async def test_separators_part_options_of_several_words_and_spare_an_option_named_with_one(core):
    p = await create(core, 'question:"Trip?" options:"Red panda house|Aquarium|1,3|Zoo" mode:ranked')
    assert "1. Red panda house · 2. Zoo" in (await vote(core, "v", p.id, "red panda house > zoo")).body
    assert "1. 1,3 · 2. Aquarium" in (await vote(core, "w", p.id, '"1,3" > Aquarium')).body
    card = await vote(core, "x", p.id, ">")
    assert card.kind == "error" and "Aquarium" in card.body  # no choice at all: the options are listed
    card = await vote(core, "x", p.id, "Zoo > Lion")
    assert card.kind == "error" and "Lion" in card.body


async def cast_ranked(core, p, groups: list[tuple[int, str]]):
    n = 0
    for times, ranking in groups:
        for _ in range(times):
            n += 1
            card = await vote(core, f"voter{n}", p.id, ranking)
            assert card.kind == "notice", card.body


async def test_instant_runoff_with_transfers(core, chat):
    p = await create(core, 'question:"Mascot?" options:"owl|fox|bear|hare" mode:ranked')
    # 9 ballots: owl>fox ×4, fox>owl ×2, bear>fox ×2, hare>bear ×1.
    await cast_ranked(core, p, [(4, "owl fox"), (2, "fox owl"), (2, "bear fox"), (1, "hare bear")])
    await close(core, p.id)
    data = await export_json(core, p.id)
    # Round 1: owl 4, fox 2, bear 2, hare 1 — no one has more than 9/2; hare (1) is out.
    # Round 2: hare's ballot goes to bear: owl 4, fox 2, bear 3 — fox (2) is out.
    # Round 3: fox>owl ×2 go to owl: owl 6, bear 3 (bear>fox ×2 and hare>bear stay with bear)
    #          — owl has more than 9/2 and wins.
    assert [(r["counts"], r["eliminated"], r["exhausted"]) for r in data["rounds"]] == [
        ([4, 2, 2, 1], ["hare"], 0),
        ([4, 2, 3, None], ["fox"], 0),
        ([6, None, 3, None], [], 0),
    ]
    assert data["winner"] == "owl" and data["counts"] == [4, 2, 2, 1] and data["turnout"] == 9
    result = chat.last("result")
    runoff = next(f.value for f in result.fields if f.name == "Instant runoff, round by round")
    assert runoff.splitlines() == [
        "Round 1: owl 4 · fox 2 · bear 2 · hare 1 → out: hare.",
        "Round 2: owl 4 · fox 2 · bear 3 → out: fox.",
        "Round 3: owl 6 · bear 3",
    ]
    assert "Winner: owl" in result.body


async def test_instant_runoff_tie_at_elimination_goes_by_first_preferences_then_together(core):
    p = await create(core, 'question:"Trip?" options:"museum|zoo|park|beach" mode:ranked')
    # 10 ballots: museum ×4; zoo>park ×2; park>zoo ×2; beach>zoo ×2.
    await cast_ranked(core, p, [(4, "museum"), (2, "zoo park"), (2, "park zoo"), (2, "beach zoo")])
    await close(core, p.id)
    data = await export_json(core, p.id)
    # Round 1: museum 4, zoo 2, park 2, beach 2. Zoo, park and beach tie for fewest with equal
    #          first preferences and no earlier round, so all three go out together.
    # Round 2: every other ballot is exhausted (6): museum 4 of 4 continuing — museum wins.
    assert [(r["counts"], r["eliminated"], r["exhausted"]) for r in data["rounds"]] == [
        ([4, 2, 2, 2], ["zoo", "park", "beach"], 0),
        ([4, None, None, None], [], 6),
    ]
    assert data["winner"] == "museum"


async def test_instant_runoff_tie_broken_by_an_earlier_round(core):
    p = await create(core, 'question:"Pick?" options:"a|b|c|d|e" mode:ranked')
    # 15 ballots: a ×6; b ×3; c ×3; d>c ×1; d>a ×1; e>b ×1.
    await cast_ranked(core, p, [(6, "a"), (3, "b"), (3, "c"), (1, "d c"), (1, "d a"), (1, "e b")])
    await close(core, p.id)
    data = await export_json(core, p.id)
    # Round 1: a 6, b 3, c 3, d 2, e 1 — nobody above 15/2; e (1) is out, its ballot goes to b.
    # Round 2: a 6, b 4, c 3, d 2 — d (2) is out: one ballot to c, one to a.
    # Round 3: a 7, b 4, c 4 — 7 is not above 15/2. b and c tie for fewest and have the same
    #          first preferences (3 each); the round before (b 4, c 3) decides: c is out.
    # Round 4: c's own 3 ballots and d>c are exhausted (4): a 7 of 11 continuing — a wins.
    assert [(r["counts"], r["eliminated"], r["exhausted"]) for r in data["rounds"]] == [
        ([6, 3, 3, 2, 1], ["e"], 0),
        ([6, 4, 3, 2, None], ["d"], 0),
        ([7, 4, 4, None, None], ["c"], 0),
        ([7, 4, None, None, None], [], 4),
    ]
    assert data["winner"] == "a"


async def test_instant_runoff_final_tie_names_both_winners(core, chat):
    p = await create(core, 'question:"Colour?" options:"red|blue|green" mode:ranked')
    # 5 ballots: red ×2; blue ×2; green ×1 (green alone, exhausted once green is out).
    await cast_ranked(core, p, [(2, "red"), (2, "blue"), (1, "green")])
    await close(core, p.id)
    data = await export_json(core, p.id)
    # Round 1: red 2, blue 2, green 1 — green is out.
    # Round 2: red 2, blue 2, 1 exhausted; two options left with equal votes: a tie.
    assert [(r["counts"], r["eliminated"], r["exhausted"]) for r in data["rounds"]] == [
        ([2, 2, 1], ["green"], 0),
        ([2, 2, None], [], 1),
    ]
    assert data["winner"] == ["red", "blue"]
    result = chat.last("result")
    assert "A tie between red and blue." in result.body  # two names: "and", not a comma
    assert [f.value for f in result.fields[:3]] == ["2 first choices (40%)", "2 first choices (40%)",
                                                   "1 first choice (20%)"]


async def test_a_tie_of_three_reads_as_a_list(core, chat):
    p = await create(core, 'question:"Colour?" options:"red|blue|green"')
    for voter, choice in (("v1", "red"), ("v2", "blue"), ("v3", "green")):
        await say(core, voter, f"/poll vote id:{p.id} {choice}")
    await close(core, p.id)
    assert "A tie between red, blue and green." in chat.last("result").body


# --- closing, tallies, results ------------------------------------------------------------


async def test_a_moderator_closes_the_poll_and_later_votes_are_refused(core, chat, clock):
    p = await create(core)
    await vote(core, "alice", p.id, "tea")
    await vote(core, "bob", p.id, "tea")
    await vote(core, "carol", p.id, "water")
    mid = p.message_id
    cards = await say(core, "teacher", f"/poll close id:{p.id}")
    assert "Poll #1 is closed" in cards[0].body
    result = chat.last("result")
    assert result.title == "Poll #1 is closed: results"
    assert "Winner: tea" in result.body
    assert [f.value for f in result.fields] == ["2 (67%)", "0 (0%)", "1 (33%)"]
    await land_tallies(core.polls.tallies, clock)
    closed = chat.current(mid)
    assert closed.buttons == () and "Closed" in closed.footer
    card = await vote(core, "dave", p.id, "tea")
    assert card.kind == "error" and "Poll #1 is closed" in card.body
    cards = await say(core, "teacher", f"/poll close id:{p.id}")
    assert "is closed" in cards[0].body and cards[0].kind == "error"
    # results stay available after the close, from the store
    core.polls.polls.clear()
    cards = await say(core, "zoe", f"/poll results id:{p.id}")
    assert cards[0].kind == "result" and "Winner: tea" in cards[0].body


async def test_the_live_tally_is_edited_by_time_not_per_vote(core, chat, clock):
    p = await create(core)
    for n in range(20):
        await vote(core, f"v{n}", p.id, str(n % 3 + 1))
    edits = [c for mid, c in chat.edit_log if mid == p.message_id]
    assert len(edits) <= 1  # the first edit at once, the rest wait for the interval
    await clock.settle(*core.polls.tallies.workers())  # the first edit has landed
    clock.advance(2.0)
    await core.polls.tallies.idle()
    edits = [c for mid, c in chat.edit_log if mid == p.message_id]
    assert 1 <= len(edits) <= 2
    assert [f.value for f in chat.current(p.message_id).fields] == ["7 (35%)", "7 (35%)", "6 (30%)"]
    assert "Ballots so far: 20" in chat.current(p.message_id).footer


async def test_a_hidden_tally_shows_no_counts_until_the_poll_closes(core, chat, clock):
    p = await create(core, 'question:"Q?" options:"a|b" tally:hidden')
    await vote(core, "v1", p.id, "a")
    await vote(core, "v2", p.id, "a")
    await clock.settle(*core.polls.tallies.workers())  # the first edit has landed
    clock.advance(5)
    await core.polls.tallies.idle()
    card = chat.current(p.message_id)
    assert [f.value for f in card.fields] == ["—", "—"]
    assert "hidden until the poll closes" in card.footer and "Ballots so far: 2" in card.footer
    cards = await say(core, "v1", f"/poll results id:{p.id}")
    assert cards[0].kind == "error" and "hidden until it closes" in cards[0].body
    cards = await say(core, "v1", f"/poll results id:{p.id} format:json")
    assert cards[0].kind == "error"
    replies = await core.handle(Request(actor("teacher", True), CHANNEL, f"/poll results id:{p.id}"))
    assert replies[0].private and "Winner: a" in replies[0].card.body
    await close(core, p.id)
    await land_tallies(core.polls.tallies, clock)
    assert [f.value for f in chat.current(p.message_id).fields] == ["2 (100%)", "0 (0%)"]
    cards = await say(core, "v1", f"/poll results id:{p.id}")
    assert cards[0].kind == "result"


async def test_results_while_open_are_a_snapshot(core, chat):
    p = await create(core)
    await vote(core, "a", p.id, "coffee")
    replies = await core.handle(Request(actor("a"), CHANNEL, f"/poll results id:{p.id}"))
    assert not replies[0].private
    assert replies[0].card.title == "Results so far · poll #1" and "Winner: coffee" in replies[0].card.body
    data = await export_json(core, p.id, who="a")
    assert data["state"] == "open" and data["closed_at"] is None


async def test_list_shows_open_polls_first(core, chat):
    cards = await say(core, "a", "/poll list")
    assert "No polls here yet" in cards[0].body
    first = await create(core, 'question:"First?" options:"a|b"')
    await create(core, 'question:"Second?" options:"a|b" closes:1h')
    await vote(core, "v", first.id, "a")
    await close(core, first.id)
    cards = await say(core, "a", "/poll list")
    lines = cards[0].body.splitlines()
    assert lines[0].startswith("#2 · Second? · single choice · open, ballots: 0 · closes 2026-11-22 10:00 UTC")
    assert lines[1].startswith("#1 · First? · single choice · closed 2026-11-22 09:00 UTC")


async def test_a_vote_is_confirmed_only_once_it_is_stored(core):
    p = await create(core)

    # SQLite itself refuses the ballot: the drained batch, then the row on its own
    await core.store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON poll_ballots BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    await core.store.db.commit()
    card = await vote(core, "alice", p.id, "tea")
    assert card.kind == "error" and "could not be stored" in card.body
    assert p.ballots == {}
    assert await core.store.db.execute_fetchall("SELECT * FROM poll_ballots") == []


async def test_votes_are_stored_and_read_back(core):
    p = await create(core, 'question:"Q?" options:"a|b|c" mode:ranked')
    await vote(core, "v1", p.id, "c a")
    await vote(core, "v2", p.id, "b")
    await say(core, "v2", f"/poll withdraw id:{p.id}")
    stored = await core.polls.store.load(p.id)
    assert stored.ballots == {"v1": (2, 0)}
    assert stored.names == {"v1": "V1"}
    assert stored.options == ["a", "b", "c"] and stored.mode == "ranked" and stored.max_choices == 3


async def test_many_ballots_and_withdrawals_at_once_are_stored_as_told(core):
    p = await create(core)
    options = ("tea", "coffee", "water")
    cards = await asyncio.gather(*(vote(core, f"v{i}", p.id, options[i % 3]) for i in range(300)))
    assert all(c.kind == "notice" for c in cards)
    # a third withdraw while newcomers vote, all at once
    withdrawn = await asyncio.gather(*(say(core, f"v{i}", f"/poll withdraw id:{p.id}") for i in range(0, 300, 3)),
                                     *(vote(core, f"n{i}", p.id, "water") for i in range(50)))
    assert all(c[0].kind == "notice" for c in withdrawn[:100]) and all(c.kind == "notice" for c in withdrawn[100:])
    expected = {f"v{i}": (i % 3,) for i in range(300) if i % 3} | {f"n{i}": (2,) for i in range(50)}
    assert p.ballots == expected
    assert (await core.polls.store.load(p.id)).ballots == expected
    assert core.polls.writer.batches < 450  # grouped, not one transaction per ballot


def test_button_ids_map_to_poll_commands():
    assert button_command("poll:7:vote:2") == (Command("poll", "vote", {"id": 7, "toggle": "yes"}, ("2",)), 7)
    assert button_command("poll:7:withdraw") == (Command("poll", "withdraw", {"id": 7}), 7)
    assert button_command("poll:7:vote:x") is None
    assert button_command("poll:x:withdraw") is None
    assert ballot_command("poll:7:rank", "2 1 3") == (Command("poll", "vote", {"id": 7}, ("2", "1", "3")), 7)
    assert ballot_command("poll:7:rank", "green tea > coffee")[0].args == ("green tea", "coffee")
    assert ballot_command("poll:7:ballot", ["3", "1"])[0].args == ("3", "1")
    assert ballot_command("poll:7:vote:1", "1") is None


async def test_a_poll_closing_while_a_vote_is_on_its_way_refuses_that_vote(tmp_path, chat, clock):
    async def slow_guard(action, who, channel, target, text):
        if action == "vote" and who.user_id == "late":
            await core.polls._close(p, "moderator", actor("teacher", True))  # closes meanwhile

    core = await build_core(tmp_path / "guarded.db", {"test": chat}, clock=clock,
                            adjust=lambda pipeline: replace(pipeline, guards=(*pipeline.guards, slow_guard)))
    await core.start()
    p = await create(core)
    await vote(core, "early", p.id, "tea")
    card = await vote(core, "late", p.id, "water")
    assert card.kind == "error" and "Poll #1 is closed" in card.body
    assert p.ballots == {"early": (0,)}
    assert (await core.polls.store.load(p.id)).ballots == {"early": (0,)}
    assert "Winner: tea" in chat.last("result").body
    await core.stop()


async def test_a_muted_user_can_neither_vote_nor_take_a_ballot_back(core, clock):
    p = await create(core)
    assert (await vote(core, "fay", p.id, "1")).kind == "notice"
    cards = await say(core, "teacher", "/mod mute user:fay minutes:10")
    assert cards[0].kind == "notice", cards[0].body
    for line in (f"/poll withdraw id:{p.id}", f"/poll vote id:{p.id} 2"):
        cards = await say(core, "fay", line)
        assert cards[0].kind == "error" and "You are muted until" in cards[0].body, line
    assert p.ballots["fay"] == (0,)  # the ballot stands as it was
    clock.advance(10 * 60)
    await core.run_due()
    cards = await say(core, "fay", f"/poll withdraw id:{p.id}")
    assert cards[0].kind == "notice", cards[0].body
    assert "fay" not in p.ballots


# --- bad input is an answer ---------------------------------------------------------------


@pytest.mark.parametrize("choice", ["²", "①", "١", "٢", "1²", "²,3", "9" * 5000])
async def test_a_choice_in_other_digits_is_refused_as_no_option(core, choice):
    """`isdigit` takes `²` and `①` where `int` does not, and `int` reads `١` as 1: only 0-9 count.

    Typed as Discord passes it (a command, no line), so no length limit of a line applies."""
    p = await create(core)
    replies = await core.handle(Request(actor("alice"), CHANNEL, command=Command("poll", "vote", {"id": p.id}, (choice,))))
    card = replies[0].card
    assert card.kind == "error" and "is not an option" in card.body
    if len(choice) < 10:
        assert (await vote(core, "alice", p.id, choice)).body == card.body  # typed as a line
    assert "1. tea · 2. coffee · 3. water" in card.body
    assert "/poll vote id:<N> <choice>" in card.body  # the usage
    assert p.ballots == {}


@pytest.mark.parametrize(
    "custom_id", ["poll:²:vote:1", "poll:1:vote:²", "poll:①:withdraw", "debate:١:vote:pro", "poll:²:rank", "poll::vote:1"]
)
def test_a_button_id_with_other_digits_is_no_button(custom_id):
    assert button_command(custom_id) is None
    assert opens_ballot(custom_id) is None


async def test_max_is_refused_for_a_single_choice_poll_even_max_1(core, chat):
    posts = len(chat.posts)
    for line in ('question:"Q?" options:"a|b" mode:single max:1', 'question:"Q?" options:"a|b" max:1'):
        cards = await say(core, "teacher", f"/poll create {line}")
        assert cards[0].kind == "error"
        assert "max: is for multi and ranked polls; a single-choice poll takes one option." in cards[0].body
        assert "Usage: /poll create" in cards[0].body
    assert len(chat.posts) == posts and not core.polls.polls


async def test_withdrawing_without_a_ballot_answers_with_the_usage_of_withdraw(core):
    p = await create(core)
    card = (await say(core, "alice", f"/poll withdraw id:{p.id}"))[0]
    assert card.kind == "error" and "You have no vote on poll #1 to withdraw." in card.body
    assert "Usage: /poll withdraw id:<N>" in card.body
    assert "/poll vote" not in card.body
