"""ModerationService through the core: a recording chat, a fake clock, SQLite in tmp_path."""

from __future__ import annotations

from datetime import timedelta

from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef, Stage
from bot.core.kernel.request import Request
from bot.core.moderation.filter import read_word_list
from bot.core.moderation.mentions import normalise_channel, normalise_role
from bot.prompt_folder import PROMPTS_DIR
from bot.testing.chat import FakeChat
from tests.conftest import CHANNEL, say

WS = ("test", "w1")


async def start_quick(core):
    cards = await say(core, "teacher", "/debate start format:quick")
    assert "started" in cards[0].body, cards[0].body
    return next(iter(core.debates.debates.values()))


def body(cards) -> str:
    return "\n".join(c.body for c in cards)


async def log(core, user: str = "") -> list:
    """The audit log, oldest first (after what moderation writes in the background is stored)."""
    await core.moderation.settle()
    return list(reversed(await core.store.audit_entries(*WS, user, 200)))


def private_to(chat: FakeChat, user: str) -> list[str]:
    return [card.body for _, u, card in chat.private if u == user]


async def to_post_vote(core, channel: ChannelRef = CHANNEL):
    for _ in range(3):
        await say(core, "teacher", "/debate next", channel=channel)


# --- strikes, escalation, mutes ---


async def test_two_warnings_mute_and_the_mute_ends_with_time(core, chat, clock):
    await start_quick(core)
    await say(core, "teacher", "/debate extend seconds:900")  # the pre-vote stays open
    await say(core, "dave", "/debate join side:audience")
    cards = await say(core, "teacher", '/mod warn user:dave reason:"off topic"')
    assert "dave is warned: 1 active strike." in cards[0].body
    assert "Reason: off topic" in private_to(chat, "dave")[-1]
    cards = await say(core, "teacher", "/mod warn user:<@dave>")
    assert "dave reached 2 strikes and is muted until 2026-11-22 09:10 UTC (10 min)." in body(cards)
    assert "You are muted until 2026-11-22 09:10 UTC (10 min left)" in private_to(chat, "dave")[-1]

    cards = await say(core, "dave", "/vote pro")
    assert cards[0].kind == "error"
    assert "You are muted until 2026-11-22 09:10 UTC (10 min left)." in cards[0].body
    clock.advance(9 * 60 + 30)
    cards = await say(core, "dave", "/ask Why masks?")
    assert "(1 min left)" in cards[0].body
    assert "Your text, so nothing is lost:\nWhy masks?" in cards[0].body
    assert core.debates.debates  # still running

    clock.advance(30)
    await core.run_due()
    assert "Your mute has ended" in private_to(chat, "dave")[-1]
    cards = await say(core, "dave", "/vote pro")
    assert "Your vote: Pro" in cards[0].body

    steps = [(e.actor, e.action, e.target, e.reason) for e in await log(core, "dave")]
    assert steps == [
        ("teacher", "strike", "dave", "off topic"),
        ("teacher", "strike", "dave", ""),
        ("bot", "mute", "dave", "strikes=2"),
        ("bot", "refuse.vote", "dave", "moderation.error.muted"),
        ("bot", "refuse.ask", "dave", "moderation.error.muted"),
        ("bot", "unmute", "dave", "expired"),
    ]


async def test_strikes_expire_after_a_day(core, chat, clock):
    await say(core, "teacher", "/mod warn user:erin")
    clock.advance(24 * 3600 + 1)
    cards = await say(core, "teacher", "/mod warn user:erin")
    assert "1 active strike." in cards[0].body and "muted" not in cards[0].body
    cards = await say(core, "teacher", "/mod strikes user:erin")
    assert cards[0].title == "Strikes of erin: 1 active"
    assert "expires 2026-11-24 09:00 UTC" in cards[0].body
    assert "2 active strikes: muted for 10 min · 3: removed from the debate" in cards[0].fields[0].value


async def test_the_third_strike_removes_from_the_debate_for_the_rest_of_it(core, chat, clock):
    d = await start_quick(core)
    await say(core, "teacher", "/debate extend seconds:3600")
    await say(core, "alice", "/debate join side:pro")
    for _ in range(2):
        await say(core, "teacher", "/mod warn user:alice", channel=d.space)
    cards = await say(core, "teacher", "/mod warn user:alice", channel=d.space)
    assert "alice is removed from debate #1 and may not take part in it again." in cards[0].body
    assert "alice" not in d.participants
    assert "removed from debate #1" in private_to(chat, "alice")[-1]
    clock.advance(11 * 60)  # the mute of the second strike is over; the removal is not
    await core.run_due()
    cards = await say(core, "alice", "/debate join side:pro")
    assert "You were removed from debate #1" in cards[0].body
    assert "alice" not in d.participants
    await say(core, "teacher", "/debate end")
    await start_quick(core)  # a new debate: alice may take part again
    cards = await say(core, "alice", "/debate join side:pro")
    assert "You joined" in cards[0].body
    actions = [e.action for e in await log(core, "alice")]
    assert actions.count("remove") == 1 and actions.count("mute") == 1


async def test_one_removed_from_the_audience_may_not_vote_and_others_still_may(core, chat, clock):
    d = await start_quick(core)
    await say(core, "teacher", "/debate extend seconds:3600")  # the pre-vote stays open
    await say(core, "erin", "/debate join side:audience")
    for _ in range(3):
        await say(core, "teacher", "/mod warn user:erin", channel=d.space)
    clock.advance(11 * 60)  # the mute of the second strike is over; the removal is not
    await core.run_due()
    cards = await say(core, "erin", "/vote pro", channel=d.space)
    assert cards[0].kind == "error"
    assert "You were removed from debate #1 and may not take part in it." in cards[0].body
    cards = await say(core, "frank", "/vote pro", channel=d.space)
    assert cards[0].kind == "notice"
    await core.debates.writer.flush()
    assert list((await core.store.stage_votes(d.id, Stage.PRE)).values()) == ["pro"]


async def test_the_third_strike_outside_a_debate_mutes(core, chat):
    for _ in range(3):
        cards = await say(core, "teacher", "/mod warn user:zed")
    assert "muted until" in cards[0].body


async def test_mute_unmute_and_strikes_commands(core, chat, clock):
    await start_quick(core)
    cards = await say(core, "teacher", '/mod mute user:fay minutes:30 reason:"spam"')
    assert "fay is muted until 2026-11-22 09:30 UTC (30 min)." in cards[0].body
    cards = await say(core, "teacher", "/mod strikes user:fay")
    assert "No active strikes." in cards[0].body
    assert cards[0].fields[-1].value == "until 2026-11-22 09:30 UTC (30 min left)"
    cards = await say(core, "teacher", "/mod mute user:fay minutes:0")
    assert "Mute for 1 to" in cards[0].body
    assert "/mod mute <user>" in cards[0].body  # the usage line
    cards = await say(core, "teacher", "/mod unmute user:fay")
    assert "fay is no longer muted." in cards[0].body
    assert "Your vote" in (await say(core, "fay", "/vote con"))[0].body
    cards = await say(core, "teacher", "/mod unmute user:fay")
    assert "fay is not muted." in cards[0].body
    cards = await say(core, "fay", "/mod mute user:teacher")
    assert "Only a moderator may do that." in cards[0].body
    assert [e.action for e in await log(core, "fay")] == ["mute", "unmute"]


async def test_unmute_after_the_mute_ran_out_leaves_the_ending_to_the_timer(core, chat, clock):
    cards = await say(core, "teacher", "/mod mute user:gil minutes:1")
    assert cards[0].user_text  # it names a user the moderator typed: it must never ping
    clock.advance(90)  # the mute is over, its deadline has not run yet
    cards = await say(core, "teacher", "/mod unmute user:gil")
    assert "gil is not muted." in cards[0].body
    await core.run_due()
    assert "Your mute has ended" in private_to(chat, "gil")[-1]
    assert [(e.action, e.reason) for e in await log(core, "gil")] == [("mute", ""), ("unmute", "expired")]


async def test_a_japanese_channel_hears_the_refusal_in_japanese(core, chat):
    await say(core, "teacher", "/debate language ja")
    await say(core, "teacher", "/debate start format:quick")
    await say(core, "teacher", "/mod mute user:gin minutes:5")
    cards = await say(core, "gin", "/vote pro")
    assert "ミュートされています" in cards[0].body and "2026-11-22 09:05 UTC" in cards[0].body


# --- rate limits and slow mode ---


async def test_speeches_questions_and_votes_are_rate_limited_per_user(core, chat, clock):
    await start_quick(core)
    await say(core, "alice", "/debate join side:pro")
    for i in range(10):
        assert "Your vote" in (await say(core, "v1", f"/vote {('pro', 'con')[i % 2]}"))[0].body
    cards = await say(core, "v1", "/vote pro")
    assert "Too many votes: at most 10 every 10 s. Try again in 10 s." in cards[0].body
    assert "Your vote" in (await say(core, "v2", "/vote pro"))[0].body  # per user
    clock.advance(10)
    assert "Your vote" in (await say(core, "v1", "/vote pro"))[0].body

    await say(core, "teacher", "/debate next")
    assert "on the floor" in (await say(core, "alice", "/speak First point."))[0].body
    clock.advance(4)
    cards = await say(core, "alice", "/speak Second point.")
    assert "Too many speeches: at most 1 every 10 s. Try again in 6 s." in cards[0].body
    assert "Second point." in cards[0].body  # handed back
    clock.advance(6)
    assert "on the floor" in (await say(core, "alice", "/speak Second point."))[0].body

    assert "waiting for a moderator" in (await say(core, "v1", "/ask One?"))[0].body
    cards = await say(core, "v1", "/ask Two?")
    assert "Too many questions: at most 1 every 30 s. Try again in 30 s." in cards[0].body


async def test_moderators_are_not_rate_limited(core, chat):
    await start_quick(core)
    for _ in range(12):
        assert "Your vote" in (await say(core, "teacher", "/vote pro"))[0].body


async def test_slow_mode_on_a_debate(core, chat, clock):
    d = await start_quick(core)
    cards = await say(core, "teacher", "/mod slowmode seconds:60")
    assert "one message every 60 s" in cards[0].body
    assert chat.posts[-1].channel == d.space and "Slow mode is on" in chat.posts[-1].card.body
    assert "waiting" in (await say(core, "v1", "/ask First?"))[0].body
    clock.advance(31)  # the question rate limit (30 s) has passed; slow mode has not
    cards = await say(core, "v1", "/ask Second?")
    assert "Slow mode: one message every 60 s. Try again in 29 s." in cards[0].body
    assert "waiting" in (await say(core, "v2", "/ask Other?"))[0].body
    clock.advance(29)
    assert "waiting" in (await say(core, "v1", "/ask Second?"))[0].body
    for _ in range(3):  # votes are not slowed
        assert "Your vote" in (await say(core, "v1", "/vote pro"))[0].body
    await say(core, "teacher", "/mod slowmode 0")
    clock.advance(31)
    assert "waiting" in (await say(core, "v1", "/ask Third?"))[0].body
    cards = await say(core, "teacher", "/mod slowmode 5", channel=ChannelRef("test", "w1", "elsewhere"))
    assert "neither is here" in cards[0].body


# --- the word filter ---


async def test_filtered_speech_and_question_are_refused_naming_the_word(core, chat, clock):
    await start_quick(core)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "teacher", "/debate next")
    cards = await say(core, "alice", "/speak You are a D1CKHEAD, frankly.")
    assert "Your text contains 'D1CKHEAD'" in cards[0].body
    assert "You are a D1CKHEAD, frankly." in cards[0].body  # handed back
    assert not [p for p in chat.posts if p.card.kind == "speech"]
    # The refusal does not use up the rate limit: the rephrased speech goes straight through.
    assert "on the floor" in (await say(core, "alice", "/speak We should assess the class of masks."))[0].body
    ja = read_word_list((PROMPTS_DIR / "filters" / "ja.txt").read_bytes())[0]  # a shipped Japanese entry
    cards = await say(core, "v1", f"/ask あなたは{ja}ですか？")
    assert f"'{ja}'" in cards[0].body
    entries = [e for e in await log(core) if e.action == "filter.block"]
    assert [(e.target, e.details) for e in entries] == [("alice", "speak: dickhead*"), ("v1", f"ask: {ja}")]


async def test_the_server_word_list(core, chat, clock):
    await start_quick(core)
    await say(core, "teacher", "/debate extend seconds:3600")
    cards = await say(core, "teacher", '/mod filter add word:"zorblax"')
    assert "'zorblax' is added to the Blocked words." in cards[0].body
    for evasion in ("ZORBLAX", "z o r b l a x", "z.0.r.b.l.a.x", "ｚｏｒｂｌａｘ", "zorbláx"):
        cards = await say(core, "v1", f"/ask is {evasion} ok?")
        assert "Your text contains" in cards[0].body, evasion
        clock.advance(31)
    cards = await say(core, "v1", "/ask zorblaxian rules?")
    assert "waiting" in cards[0].body  # whole words only
    clock.advance(31)
    await say(core, "teacher", '/mod filter add word:"zorb*"')
    assert "Your text contains 'zorblaxian'" in (await say(core, "v1", "/ask zorblaxian rules?"))[0].body
    await say(core, "teacher", "/mod filter add word:zorblaxian allow:yes")
    assert "waiting" in (await say(core, "v1", "/ask zorblaxian rules?"))[0].body
    cards = await say(core, "teacher", "/mod filter list")
    fields = {f.name: f.value for f in cards[0].fields}
    assert fields == {"Blocked words": "zorb*, zorblax", "Allowed words": "zorblaxian"}
    assert "Plus the shipped lists" in cards[0].footer
    cards = await say(core, "teacher", "/mod filter remove word:ZORBLAX")
    assert "'zorblax' is removed" in cards[0].body
    cards = await say(core, "teacher", "/mod filter remove word:zorblax")
    assert "is not on this server's Blocked words" in cards[0].body
    cards = await say(core, "teacher", '/mod filter add word:"(a+)+$"')
    assert "cannot go on the list" in cards[0].body and "only a trailing *" in cards[0].body
    cards = await say(core, "teacher", "/mod filter add")
    assert "word is missing" in cards[0].body
    other = Actor("test", "w2", "teacher", "Teacher", is_admin=True)  # another workspace has its own list
    replies = await core.handle(Request(other, ChannelRef("test", "w2", "c1"), "/mod filter list"))
    assert replies[0].card.fields[0].value == "none"
    actions = [(e.action, e.details) for e in await log(core, "teacher") if e.action.startswith("filter.")]
    assert actions == [("filter.add", "zorblax"), ("filter.add", "zorb*"), ("filter.add", "zorblaxian"),
                       ("filter.remove", "zorblax")]


# --- debate-aware vote signals ---


async def test_post_votes_without_a_pre_vote_and_late_joiners_are_flagged(core, chat, clock):
    d = await start_quick(core)
    await say(core, "v1", "/vote pro")
    await say(core, "v2", "/vote con")
    await say(core, "teacher", "/debate next")
    await say(core, "late", "/debate join side:audience")
    await say(core, "teacher", "/debate next")
    await say(core, "teacher", "/debate next")
    for name, choice in (("v1", "pro"), ("v2", "pro"), ("v3", "pro"), ("late", "pro")):
        assert "Your vote" in (await say(core, name, f"/vote {choice}"))[0].body  # never blocked
    await core.debates.writer.flush()
    assert await core.flagged(d) == {"v3", "late"}
    flags = [(e.target, e.reason) for e in await log(core) if e.action == "vote.flag"]
    assert flags == [("v3", "no_pre_vote"), ("late", "no_pre_vote"), ("late", "joined_late")]
    cards = await say(core, "anyone", "/debate results flagged:exclude")
    assert "Without the 2 flagged voters." in body(cards)
    assert d.votes[Stage.POST] == {"v1": "pro", "v2": "pro", "v3": "pro", "late": "pro"}


async def test_a_burst_of_new_voters_is_flagged_but_known_voters_are_not(core, chat, clock):
    d = await start_quick(core)
    for i in range(5):
        await say(core, f"old{i}", "/debate join side:audience")
    await say(core, "teacher", "/debate end")
    clock.advance(11 * 60)  # they are no longer new
    d = await start_quick(core)
    for i in range(5):
        await say(core, f"old{i}", "/vote pro")
        clock.advance(1)
    assert await core.flagged(d) == set()
    for i in range(5):
        await say(core, f"new{i}", "/vote con")
        clock.advance(1)
    assert await core.flagged(d) == {f"new{i}" for i in range(5)}
    entries = await log(core)
    bursts = [e for e in entries if e.action == "vote.burst"]
    assert len(bursts) == 1 and bursts[0].details == "pre: 5 / 10 s"
    # the burst is one audit entry; its ballots are stored as flags (for flagged:exclude after a restart)
    assert sum(1 for e in entries if e.action == "vote.flag" and e.reason == "burst") == 0
    stored = await core.moderation.store.vote_flags()
    assert {voter for _, voter, reason in stored if reason == "burst"} == {f"new{i}" for i in range(5)}


async def test_a_muted_user_may_watch_but_not_join_as_a_debater(core, chat):
    d = await start_quick(core)
    await say(core, "teacher", "/mod mute user:mo minutes:5")
    for side in ("pro", "con"):
        cards = await say(core, "mo", f"/debate join side:{side}")
        assert cards[0].kind == "error" and "You are muted until" in cards[0].body
    assert "mo" not in d.participants and "mo" not in d.sides_held
    assert "You joined" in (await say(core, "mo", "/debate join side:audience"))[0].body
    await say(core, "mo", "/debate leave")
    await say(core, "teacher", "/mod unmute user:mo")
    assert "You joined" in (await say(core, "mo", "/debate join side:pro"))[0].body


async def test_flags_in_an_anonymous_debate_use_the_voter_hash_and_the_log_names_nobody(core, chat):
    await say(core, "teacher", "/debate start format:quick anonymous:yes")
    d = next(iter(core.debates.debates.values()))
    await say(core, "teacher", "/debate next")
    await say(core, "late", "/debate join side:audience")
    await say(core, "teacher", "/debate next")
    await say(core, "teacher", "/debate next")
    await say(core, "v9", "/vote pro")
    await say(core, "late", "/vote pro")
    await core.debates.writer.flush()
    flagged = await core.flagged(d)
    assert len(flagged) == 2 and all(v.startswith("h:") and v in d.votes[Stage.POST] for v in flagged)
    await core.moderation.settle()
    stored = await core.moderation.store.vote_flags()
    assert sorted(r for _, v, r in stored) == ["joined_late", "no_pre_vote", "no_pre_vote"]
    assert all(v in flagged for _, v, _ in stored)
    await say(core, "teacher", "/mod mute user:v10 minutes:5")
    assert "muted" in (await say(core, "v10", "/vote con"))[0].body
    entries = [e for e in await log(core) if e.action in ("vote.flag", "refuse.vote")]
    # the log has the times: its entries name neither the user nor the hash
    assert sorted((e.action, e.reason) for e in entries) == [
        ("refuse.vote", "moderation.error.muted"), ("vote.flag", "joined_late"), ("vote.flag", "no_pre_vote"),
        ("vote.flag", "no_pre_vote")]
    assert all(e.target == "" for e in entries)


# --- audit log, its mirror, moderator roles ---


async def test_mod_log_shows_every_action_newest_first(core, chat):
    await start_quick(core)
    await say(core, "teacher", '/mod warn user:ann reason:"rude"')
    await say(core, "teacher", "/mod mute user:bo minutes:3")
    cards = await say(core, "teacher", "/mod log")
    lines = cards[0].body.splitlines()
    assert lines[0].startswith("2026-11-22 09:00:00 UTC · teacher · mute → bo")
    assert any("teacher · warning (strike) → ann · rude" in line for line in lines)
    assert lines[-1].startswith("2026-11-22 09:00:00 UTC · teacher · debate started · debate #1")
    cards = await say(core, "teacher", "/mod log user:ann")
    assert cards[0].title == "Moderation log: ann" and len(cards[0].body.splitlines()) == 1
    cards = await say(core, "teacher", "/mod log limit:1")
    assert len(cards[0].body.splitlines()) == 1


async def test_mod_log_names_actions_and_the_bots_reasons_in_words_not_catalog_keys(core, chat, clock):
    await say(core, "teacher", '/poll create question:"Tea?" options:"yes|no"')
    await say(core, "teacher", "/poll close id:1")
    await start_quick(core)
    await say(core, "teacher", "/mod slowmode seconds:60")
    await say(core, "v1", "/ask First?")
    clock.advance(31)
    await say(core, "v1", "/ask Second?")  # refused by slow mode
    await to_post_vote(core)
    await say(core, "n1", "/vote pro")  # flagged: no pre-vote
    await say(core, "teacher", '/mod warn user:ann reason:"no_pre_vote"')  # a moderator's words stay theirs
    await core.moderation.settle()
    text = (await say(core, "teacher", "/mod log"))[0].body
    assert "teacher · poll created" in text and "teacher · poll closed" in text
    assert "bot · question refused → v1 · slow mode" in text
    assert "bot · ballot flagged → n1 · no pre-vote" in text
    assert "teacher · warning (strike) → ann · no_pre_vote" in text
    for key in ("poll.create", "poll.close", "moderation.error", "refuse.", "vote.flag"):
        assert key not in text, key


async def test_a_refusal_without_a_label_is_shown_as_its_text(core, chat):
    await start_quick(core)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "alice", "/vote pro")  # debaters do not vote
    await core.moderation.settle()
    text = (await say(core, "teacher", "/mod log"))[0].body
    assert "bot · vote refused → alice · Debaters do not vote; the audience decides." in text
    assert "vote.error" not in text


class SlowStore:
    """Moves the fake clock on while the store saves a strike or a mute (a slow disk)."""

    def __init__(self, store, clock, seconds: float) -> None:
        self._store, self._clock, self._seconds = store, clock, seconds

    def __getattr__(self, name):
        return getattr(self._store, name)

    async def add_strike(self, *args):
        self._clock.advance(self._seconds)
        return await self._store.add_strike(*args)

    async def save_mute(self, mute):
        self._clock.advance(self._seconds)
        return await self._store.save_mute(mute)


async def test_the_muted_pupil_and_the_teacher_are_told_the_same_minutes(core, chat, clock):
    await start_quick(core)
    core.moderation.store = SlowStore(core.moderation.store, clock, 75)
    cards = await say(core, "teacher", "/mod mute user:dave minutes:10")
    told = private_to(chat, "dave")[-1]
    assert "(10 min left)" in told and "(10 min)" in cards[0].body
    await say(core, "teacher", "/mod warn user:erin")
    cards = await say(core, "teacher", "/mod warn user:erin")  # the second strike mutes
    told = private_to(chat, "erin")[-1]
    assert "You are muted until" in told and "(10 min left)" in told
    assert "erin reached 2 strikes and is muted until" in body(cards) and "(10 min)." in body(cards)


async def test_the_log_is_mirrored_to_the_log_channel_and_floods_are_coalesced(core, chat, clock):
    await start_quick(core)
    cards = await say(core, "teacher", "/mod logchannel channel:<#modlog>")
    assert "channel modlog" in cards[0].body
    modlog = ChannelRef("test", "w1", "modlog")
    await say(core, "teacher", "/mod warn user:ann")
    mirrored = [p.card for p in chat.posts if p.channel == modlog]
    assert "teacher · warning (strike) → ann" in mirrored[-1].body and mirrored[-1].user_text
    await say(core, "nobody", "/speak hello")  # a refusal: in /mod log, not in the channel
    assert len([p for p in chat.posts if p.channel == modlog]) == 2  # logchannel itself, the strike
    await to_post_vote(core)
    for name in ("n1", "n2", "n3"):
        await say(core, name, "/vote pro")
    await core.moderation.settle()
    flags = [p.card.body for p in chat.posts if p.channel == modlog and "ballot flagged" in p.card.body]
    assert len(flags) == 1
    clock.advance(31)
    await say(core, "n4", "/vote pro")
    await core.moderation.settle()
    flags = [p.card.body for p in chat.posts if p.channel == modlog and "ballot flagged" in p.card.body]
    assert len(flags) == 2 and "and 2 more like it" in flags[-1]
    await say(core, "teacher", "/mod logchannel off:yes")
    before = len(chat.posts)
    await say(core, "teacher", "/mod warn user:ann")
    assert all(p.channel != modlog for p in chat.posts[before:])


def test_role_and_channel_mentions_are_normalised():
    assert normalise_role("<@&1234>") == "1234"
    assert normalise_role("<!subteam^S0614TZR7|@helpers>") == "helpers"
    assert normalise_role("<!subteam^S0614TZR7>") == "S0614TZR7"
    assert normalise_role(" @Helpers ") == "Helpers"
    assert normalise_channel("<#C123|mods>") == "C123"
    assert normalise_channel("<#987>") == "987"
    assert normalise_channel("#mods") == "mods"


async def test_roles_set_with_mod_role_grant_moderation(core, chat):
    helper = Actor("test", "w1", "hal", "Hal", roles=("Helpers",))

    async def as_helper(line: str):
        return [r.card for r in await core.handle(Request(helper, CHANNEL, line))]

    assert "Only a moderator" in (await as_helper("/debate start format:quick"))[0].body
    cards = await say(core, "teacher", "/mod role helpers")
    assert "role helpers are moderators" in cards[0].body
    assert "started" in (await as_helper("/debate start format:quick"))[0].body
    assert "helpers" in (await say(core, "teacher", "/mod role"))[0].body
    await say(core, "teacher", "/mod role helpers remove:yes")
    assert "Only a moderator" in (await as_helper("/debate next"))[0].body
    assert [e.action for e in await log(core, "teacher") if e.action.startswith("role.")] == ["role.add", "role.remove"]


# --- plain chat messages in threads (what the Discord adapter asks) ---


async def test_check_message_keeps_the_floor(core, chat):
    mod = core.moderation
    alice, bob = Actor("test", "w1", "alice", "Alice"), Actor("test", "w1", "bob", "Bob")
    teacher = Actor("test", "w1", "teacher", "Teacher", is_admin=True)
    assert await mod.check_message(bob, CHANNEL, "hi") is None  # no debate here
    d = await start_quick(core)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "bob", "/debate join side:con")
    assert await mod.check_message(alice, d.space, "hi") == "Nobody speaks in this phase."
    assert await mod.check_message(teacher, d.space, "Welcome!") is None
    await say(core, "teacher", "/debate next")
    assert await mod.check_message(alice, d.space, "My point.") is None
    assert await mod.check_message(bob, d.space, "Objection!") == "It is not your turn: Pro has the floor."
    assert "Your text contains 'shit'" in await mod.check_message(alice, d.space, "This is shit.")
    await say(core, "teacher", "/mod mute user:alice minutes:2")
    assert "You are muted until 2026-11-22 09:02 UTC" in await mod.check_message(alice, d.space, "More.")
    refused = [e.reason for e in await log(core) if e.action in ("refuse.message", "filter.block")]
    assert refused == ["speak.error.no_speeches", "speak.error.not_your_turn", "moderation.error.filtered",
                       "moderation.error.muted"]


# --- discussion threads ---


async def test_a_discussion_thread_has_filter_rate_limits_and_strikes_but_no_rounds(core, chat, clock):
    cards = await say(core, "teacher", '/discuss start topic:"Masks on film sets"')
    assert "Discussion #1 is open: Masks on film sets" in cards[0].body
    opening = chat.posts[-1]
    assert opening.channel == CHANNEL and opening.card.title == "Discussion #1: Masks on film sets"
    space = ChannelRef("test", "w1", f"c1/thread-{opening.message_id}")
    assert "Your message is posted." in (await say(core, "amy", "/speak I think they help.", channel=space))[0].body
    posted = chat.posts[-1]
    assert posted.channel == space and posted.card.kind == "speech" and posted.card.user_text
    assert posted.card.title == "Amy" and posted.card.body == "I think they help."
    for i in range(4):
        await say(core, "amy", f"/speak more {i}", channel=space)
    cards = await say(core, "amy", "/speak one too many", channel=space)
    assert "Too many messages: at most 5 every 10 s. Try again in 10 s." in cards[0].body
    assert "Your text contains 'twat'" in (await say(core, "ben", "/speak you twat", channel=space))[0].body
    assert "Your text contains" in await core.moderation.check_message(
        Actor("test", "w1", "ben", "Ben"), space, "you twat")
    assert await core.moderation.check_message(Actor("test", "w1", "ben", "Ben"), space, "fair point") is None
    cards = await say(core, "teacher", '/discuss start topic:"again"')
    assert "Discussion #1 is already open here" in cards[0].body
    await say(core, "teacher", "/mod slowmode 30", channel=space)
    clock.advance(11)
    await say(core, "ben", "/speak first", channel=space)
    assert "Slow mode" in (await say(core, "ben", "/speak second", channel=space))[0].body
    for _ in range(3):
        cards = await say(core, "teacher", "/mod warn user:ben", channel=space)
    assert "ben is removed from discussion #1" in cards[0].body
    clock.advance(11 * 60)
    await core.run_due()
    assert "You were removed from discussion #1" in (await say(core, "ben", "/speak back", channel=space))[0].body
    cards = await say(core, "teacher", "/discuss close")
    assert "Discussion #1 is closed." in cards[0].body
    assert chat.posts[-1].channel == space and "is closed" in chat.posts[-1].card.body
    assert "No debate is running here." in (await say(core, "amy", "/speak hello?", channel=space))[0].body
    assert "No discussion is open here." in (await say(core, "teacher", "/discuss close"))[0].body
    assert [e.action for e in await log(core, "teacher") if e.action.startswith("discuss.")] == [
        "discuss.start", "discuss.close"]


async def test_no_discussion_where_a_debate_runs(core, chat):
    await start_quick(core)
    cards = await say(core, "teacher", '/discuss start topic:"x"')
    assert "A debate is running here" in cards[0].body


# --- a restart keeps the moderation state ---


async def test_moderation_state_survives_a_restart(tmp_path, clock):
    chat = FakeChat()
    core = await build_core(tmp_path / "r.db", {"test": chat}, clock=clock)
    await core.start()
    d = await start_quick(core)
    await say(core, "teacher", "/mod mute user:max minutes:20")
    await say(core, "teacher", "/mod slowmode 45")
    await say(core, "teacher", "/mod logchannel channel:modlog")
    await say(core, "teacher", "/mod role helpers")
    await say(core, "teacher", '/mod filter add word:"zorblax"')
    await to_post_vote(core)
    await say(core, "v7", "/vote pro")
    await say(core, "teacher", '/discuss start topic:"later"', channel=ChannelRef("test", "w1", "lobby"))
    await core.stop()

    chat2 = FakeChat()
    core2 = await build_core(tmp_path / "r.db", {"test": chat2}, clock=clock)
    await core2.start()
    try:
        d2 = core2.debates.debates[d.id]
        assert await core2.flagged(d2) == {"v7"}
        assert "muted until 2026-11-22 09:20 UTC" in (await say(core2, "max", "/vote con"))[0].body
        assert core2.moderation.slowmode.seconds == {f"debate:{d.id}": 45}
        assert await core2.is_moderator(Actor("test", "w1", "h", "H", roles=("HELPERS",)))
        assert "Your text contains" in (await say(core2, "v8", "/ask zorblax?"))[0].body
        assert [p.card.body for p in chat2.posts if p.channel.channel == "modlog"][-1].count("word filter") == 1
        clock.advance(20 * 60)
        await core2.run_due()
        assert "Your mute has ended" in private_to(chat2, "max")[-1]
        assert core2.moderation.discussion_at(ChannelRef("test", "w1", "lobby"), parent_too=True).topic == "later"
    finally:
        await core2.stop()


async def test_the_vote_rate_limit_refuses_the_eleventh_ballot_but_not_a_moderators(core, clock):
    """Ten ballots in ten seconds go through (decided at once, no coroutine); the eleventh is
    refused with the wait and audited; a moderator is exempt; the window slides with time."""
    await start_quick(core)
    choices = ("pro", "con")
    for i in range(10):
        cards = await say(core, "erin", f"/vote {choices[i % 2]}")
        assert cards[0].kind == "notice", cards[0].body
    cards = await say(core, "erin", "/vote undecided")
    assert cards[0].kind == "error"
    assert "Too many votes: at most 10 every 10 s. Try again in 10 s." in cards[0].body
    d = next(iter(core.debates.debates.values()))
    assert d.votes[Stage.PRE]["erin"].value == "con"  # the refused ballot changed nothing

    for i in range(12):
        cards = await say(core, "teacher", f"/vote {choices[i % 2]}")
        assert cards[0].kind == "notice", cards[0].body

    clock.advance(10)
    cards = await say(core, "erin", "/vote undecided")
    assert cards[0].kind == "notice", cards[0].body
    refusals = [(e.action, e.target, e.reason) for e in await log(core) if e.action.startswith("refuse.")]
    assert refusals == [("refuse.vote", "erin", "moderation.error.rate_limited")]


async def test_the_memo_of_known_voters_stays_bounded_and_forgets_no_one(core, clock, monkeypatch):
    from bot.core.moderation import signals as moderation_signals
    monkeypatch.setattr(moderation_signals, "SEEN_MEMORY", 3)
    mod = core.moderation
    first = clock.now()
    people = [Actor("test", "w1", f"u{i}", f"U{i}") for i in range(5)]
    for who in people:
        mod._see(who, first)
    assert len(mod.seen) <= 3
    clock.advance(3600)
    assert all(mod._see(who, clock.now()) == first for who in people)  # still known since `first`
    await core.moderation.settle()
    assert len(await mod.store.members_seen()) == 5


async def test_first_sightings_in_memory_are_bounded_and_the_store_keeps_everyone(tmp_path, clock, monkeypatch):
    from bot.core.moderation import service as moderation_service
    from bot.core.moderation import signals as moderation_signals
    monkeypatch.setattr(moderation_service, "MEMBER_MEMORY", 3)
    core = await build_core(tmp_path / "m.db", {"test": FakeChat()}, clock=clock, secret=b"k")
    await core.start()
    first = clock.now()
    people = [Actor("test", "w1", f"u{i}", f"U{i}") for i in range(10)]
    keys = [("test", "w1", moderation_signals.voter_hash(b"k", who)) for who in people]
    try:
        for who in people:
            core.moderation._see(who, clock.now())
            clock.advance(1)
        assert len(core.moderation.members) == 3 and all(k in core.moderation.members for k in keys[7:])
    finally:
        await core.stop()
    core2 = await build_core(tmp_path / "m.db", {"test": FakeChat()}, clock=clock, secret=b"k")
    await core2.start()
    try:
        mod = core2.moderation
        assert len(mod.members) == 3 and all(k in mod.members for k in keys[7:])  # the three first seen last
        assert mod._see(people[9], clock.now()) == first + timedelta(seconds=9)
        # one forgotten counts as new once more (a hint only); the store keeps their earliest sighting
        assert mod._see(people[0], clock.now()) == clock.now()
        await mod.settle()
        stored = await mod.store.members_seen()
        assert len(stored) == 10 and stored[keys[0]] == first
        assert len(mod.members) == 3
    finally:
        await core2.stop()


async def test_an_ended_debates_flags_leave_memory_and_stay_in_the_store(tmp_path, clock):
    core = await build_core(tmp_path / "f.db", {"test": FakeChat()}, clock=clock)
    await core.start()
    try:
        ended = await start_quick(core)
        await to_post_vote(core)
        await say(core, "v1", "/vote pro")  # flagged: no pre-vote
        await say(core, "v2", "/vote con")
        await say(core, "teacher", "/debate end")
        assert ended.id not in core.moderation.flags
        cards = await say(core, "anyone", "/debate results flagged:exclude chart:no")
        assert "Without the 2 flagged voters." in body(cards)
        lobby = ChannelRef("test", "w1", "lobby")
        await say(core, "teacher", "/debate start format:quick", channel=lobby)
        running = core.debates.debates[core.debates.places[lobby]]
        await to_post_vote(core, channel=lobby)
        await say(core, "v3", "/vote pro", channel=lobby)
    finally:
        await core.stop()
    core2 = await build_core(tmp_path / "f.db", {"test": FakeChat()}, clock=clock)
    await core2.start()
    try:
        assert set(core2.moderation.flags) == {running.id}  # nothing of the ended debate is loaded
        cards = await say(core2, "anyone", "/debate results flagged:exclude chart:no")
        assert "Without the 2 flagged voters." in body(cards)
    finally:
        await core2.stop()


async def test_a_participant_counts_as_new_for_ten_minutes_from_first_sight(core, clock):
    """Seen 9 min 54 s ago: still new, and five such first ballots are a burst. Seen 10 min ago
    exactly: no longer new, so their ballots neither join the burst nor are flagged."""
    first_sight = clock.now()
    d = await start_quick(core)
    for name in [f"a{i}" for i in range(5)] + [f"b{i}" for i in range(5)]:
        await say(core, name, "/debate join side:audience")
    await say(core, "teacher", "/debate end")
    clock.advance(9 * 60 + 54)
    d = await start_quick(core)
    for i in range(5):
        await say(core, f"a{i}", "/vote pro")
        clock.advance(1)
    assert clock.now() == first_sight + timedelta(minutes=10, seconds=-1)
    clock.advance(1)
    for i in range(5):
        await say(core, f"b{i}", "/vote con")
    assert await core.flagged(d) == {f"a{i}" for i in range(5)}
