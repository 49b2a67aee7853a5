"""What the result card and the tally say (issue #20: no winner without a post-vote, a result
that stands on little, plurals), driven through the core's commands."""

from __future__ import annotations

from bot.core.debates.voting import MIN_PAIRED
from tests.conftest import say
from tests.fakes.settle import land_tallies


async def start_quick(core):
    cards = await say(core, "teacher", "/debate start format:quick")
    assert "started" in cards[0].body, cards[0].body
    return next(iter(core.debates.debates.values()))


async def to_post_vote(core) -> None:
    for _ in range(3):
        await say(core, "teacher", "/debate next")


def field(card, name: str) -> str:
    return next(f.value for f in card.fields if f.name == name)


def names(card) -> list[str]:
    return [f.name for f in card.fields]


# --- no post-vote, no winner ---


async def test_ending_during_a_speech_announces_no_winner_and_shows_the_pre_vote(core, chat):
    await start_quick(core)
    await say(core, "v1", "/vote pro")
    await say(core, "teacher", "/debate next")  # the Pro speech
    await say(core, "teacher", "/debate end")
    final = chat.last("result")
    assert final.title.startswith("Result · debate #1")
    assert final.body == "Ended before the post-vote — no result."
    assert "wins" not in final.body
    assert field(final, "Pro") == "100% (1) in the pre-vote"
    assert field(final, "Con") == "0% (0) in the pre-vote"
    assert "Swing" not in names(final) and "Who moved" not in names(final)
    assert field(final, "Turnout") == "1 in the pre-vote, 0 in the post-vote, 0 in both"
    cards = await say(core, "anyone", "/debate results chart:no")
    assert cards[0].title.startswith("Result · debate #1")  # not "Results so far" once it has ended
    assert cards[0].body == "Ended before the post-vote — no result."


async def test_an_empty_post_vote_has_no_winner_and_next_says_the_debate_ended(core, chat):
    await start_quick(core)
    await say(core, "v1", "/vote pro")
    await to_post_vote(core)
    cards = await say(core, "teacher", "/debate next")  # leaves the last phase: the end
    assert cards[0].body == "That was the last phase: the debate has ended and its result is posted."
    final = chat.last("result")
    assert final.body == "Nobody voted in the post-vote — no result."
    assert "Swing" not in names(final)


async def test_results_before_the_post_vote_of_a_running_debate_say_none_yet(core):
    await start_quick(core)
    await say(core, "v1", "/vote con")
    cards = await say(core, "anyone", "/debate results chart:no")
    assert cards[0].title.startswith("Results so far · debate #1")
    assert cards[0].body == "No result yet: the post-vote decides."
    cards = await say(core, "teacher", "/debate next")
    assert cards[0].body == "Moved on to the next phase."


async def test_no_result_in_japanese(core, chat):
    await say(core, "teacher", "/debate language ja")
    await say(core, "teacher", "/debate start format:quick")
    await say(core, "v1", "/vote pro")
    await say(core, "teacher", "/debate end")
    final = chat.last("result")
    assert final.body == "事後投票の前に終了しました — 結果はありません。"
    assert field(final, "賛成") == "事前投票 100%（1）"


# --- a result that stands on little ---


async def test_a_result_on_few_paired_voters_is_indicative_and_names_the_flagged(core, chat, clock):
    """The issue's case: a post-vote of 5 where 4 ballots have no pre-vote (flagged)."""
    d = await start_quick(core)
    await say(core, "v1", "/vote pro")
    await to_post_vote(core)
    for name in ("v1", "v2", "v3", "v4", "v5"):
        await say(core, name, "/vote con")
        clock.advance(3)  # not a burst of new voters: only the missing pre-votes are flagged
    await core.debates.writer.flush()
    await say(core, "teacher", "/debate next")
    final = chat.last("result")
    lines = final.body.splitlines()
    assert lines[0] == "Con wins: it gained more support."
    assert lines[1] == (f"Indicative only: 1 voter took part in both votes, and a result needs at least {MIN_PAIRED}.")
    assert lines[2] == ("Flagged for a moderator's look: 4 voters (for example, no pre-vote). "
                        "/debate results flagged:exclude shows the result without them.")
    assert field(final, "Turnout") == "1 in the pre-vote, 5 in the post-vote, 1 in both"
    cards = await say(core, "anyone", "/debate results flagged:exclude chart:no")
    body = cards[0].body.splitlines()
    assert "Without the 4 flagged voters." in body
    assert not any(line.startswith("Flagged for") for line in body)  # they are left out already
    assert body[1].startswith("Indicative only: 1 voter took part")
    assert not d.running


async def test_enough_paired_voters_and_no_flags_is_a_plain_result(core, chat, clock):
    await start_quick(core)
    voters = [f"v{i}" for i in range(MIN_PAIRED)]
    for name in voters:
        await say(core, name, "/vote undecided")
        clock.advance(3)  # not a burst of new voters
    await to_post_vote(core)
    for name in voters:
        await say(core, name, "/vote pro")
        clock.advance(3)
    await say(core, "teacher", "/debate next")
    assert chat.last("result").body == "Pro wins: it gained more support."


async def test_one_flagged_voter_is_named_in_the_singular(core, chat):
    await start_quick(core)
    await to_post_vote(core)
    await say(core, "v1", "/vote pro")
    await core.debates.writer.flush()
    cards = await say(core, "anyone", "/debate results chart:no")
    assert "Flagged for a moderator's look: 1 voter (for example, no pre-vote)." in cards[0].body
    cards = await say(core, "anyone", "/debate results flagged:exclude chart:no")
    assert "Without the 1 flagged voter." in cards[0].body.splitlines()


# --- who moved, and plurals on the tally ---


async def test_who_moved_lists_only_those_who_moved(core, chat):
    await start_quick(core)
    for name, choice in (("v1", "pro"), ("v2", "con"), ("v3", "pro")):
        await say(core, name, f"/vote {choice}")
    await to_post_vote(core)
    for name in ("v1", "v2"):
        await say(core, name, "/vote pro")
    await say(core, "teacher", "/debate next")
    assert field(chat.last("result"), "Who moved") == "Con → Pro: 1\nPro → no vote: 1"


async def test_who_moved_says_so_when_nobody_moved(core, chat):
    await start_quick(core)
    await say(core, "v1", "/vote pro")
    await to_post_vote(core)
    await say(core, "v1", "/vote pro")
    await say(core, "teacher", "/debate next")
    assert field(chat.last("result"), "Who moved") == "Nobody changed their vote."


async def test_the_tally_counts_one_vote_in_the_singular(core, chat, clock):
    d = await start_quick(core)
    await say(core, "v1", "/vote pro")
    await core.debates.writer.flush()
    await say(core, "teacher", "/debate next")  # closes the pre-vote: its final tally
    await land_tallies(core.debates.tallies, clock)
    mid = d.tally_message_ids[next(iter(d.tally_message_ids))]
    assert chat.current(mid).footer == "Closed · 1 vote"
    live = [card.footer for m, card in chat.edit_log if m == mid and card.buttons]  # the tally while open
    assert live and live[-1].startswith("1 vote so far ·")
