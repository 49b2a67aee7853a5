"""A Japanese class: `/vote 賛成` as the buttons read, times in the class's zone, no moderator
usage shown to a pupil."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import build_core
from bot.core.debates.model import ChannelRef, Stage
from bot.core.kernel.commands import parse
from bot.core.kernel.timefmt import clock_time
from bot.testing.chat import FakeChat
from tests.conftest import CHANNEL, say


async def start_quick(core):
    await say(core, "teacher", "/debate start format:quick")
    return next(iter(core.debates.debates.values()))


async def test_a_vote_in_the_words_the_buttons_show_counts_as_that_choice(core):
    d = await start_quick(core)
    await say(core, "teacher", "/debate language ja")
    assert "賛成" in (await say(core, "v1", "/vote 賛成"))[0].body
    await say(core, "v2", "/vote 反対")
    await say(core, "v3", "/vote choice:未定")
    await say(core, "v4", "/vote Undecided")
    await core.debates.writer.flush()
    assert d.votes[Stage.PRE] == {"v1": "pro", "v2": "con", "v3": "undecided", "v4": "undecided"}


async def test_a_side_in_the_words_the_bot_shows_is_taken_too(core):
    d = await start_quick(core)
    await say(core, "alice", "/debate join 賛成側")
    await say(core, "bob", "/debate join side:反対")
    assert (d.participants["alice"].role.value, d.participants["bob"].role.value) == ("pro", "con")


def test_a_word_that_is_no_choice_is_still_refused_with_the_choices(core):
    cards = parse("/vote 賛成", core.words)
    assert cards.options == {"choice": "pro"}
    try:
        parse("/vote たぶん", core.words)
    except Exception as exc:  # ParseError
        assert exc.key == "parse.bad_choice" and exc.params["choices"] == "pro|con|undecided"
    else:
        raise AssertionError("たぶん is not a choice")


async def test_a_pupil_voting_with_no_debate_is_told_there_is_none_without_moderator_usage(core):
    [card] = await say(core, "pupil", "/vote pro")
    assert card.kind == "error"
    assert "No debate is running here." in card.body
    assert "/debate start" not in card.body
    [card] = await say(core, "pupil", "/debate status")
    assert card.kind == "error" and "/debate start" not in card.body
    [card] = await say(core, "teacher", "/vote pro")  # a moderator is shown how to start one
    assert "Usage: /debate start" in card.body


async def test_a_pupil_typing_a_moderator_command_still_sees_its_usage(core):
    [card] = await say(core, "pupil", "/debate start format:quick")
    assert "Only a moderator" in card.body and "/debate start" in card.body


async def test_the_timezone_command_sets_shows_and_resets_the_channels_zone(core, clock):
    [card] = await say(core, "teacher", "/debate timezone Asia/Tokyo")
    assert card.body == "Times in this channel are shown in Asia/Tokyo now: it is 2026-11-22 18:00 JST."
    assert await core.store.get_timezone(CHANNEL) == "Asia/Tokyo"
    [card] = await say(core, "teacher", "/debate timezone")
    assert card.body.startswith("Times in this channel are shown in Asia/Tokyo (it is 2026-11-22 18:00 JST)")
    [card] = await say(core, "teacher", "/debate timezone default")
    assert "shown in UTC now: it is 2026-11-22 09:00 UTC" in card.body
    assert await core.store.get_timezone(CHANNEL) is None


async def test_a_bad_zone_is_a_clear_error_with_the_usage(core):
    [card] = await say(core, "teacher", "/debate timezone Tokio")
    assert card.kind == "error"
    assert "'Tokio' is not a time zone: write a name like Asia/Tokyo" in card.body
    assert "Usage: /debate timezone" in card.body
    assert await core.store.get_timezone(CHANNEL) is None
    [card] = await say(core, "pupil", "/debate timezone Asia/Tokyo")
    assert "Only a moderator" in card.body


def everything(card) -> str:
    return "\n".join([card.body, *(f"{f.name} {f.value}" for f in card.fields)])


async def test_times_are_shown_in_the_zone_the_channel_chose(core):
    await start_quick(core)
    await say(core, "teacher", "/debate timezone Asia/Tokyo")
    [card] = await say(core, "teacher", "/mod mute user:ann minutes:30")
    assert "2026-11-22 18:30 JST" in card.body  # 09:30 UTC
    [card] = await say(core, "ann", "/vote pro")
    assert card.kind == "error" and "18:30 JST" in card.body
    other = ChannelRef("test", "w1", "c2")  # a channel that chose nothing reads BOT_TIMEZONE (UTC here)
    [card] = await say(core, "teacher", "/mod strikes user:ann", channel=other)
    assert "09:30 UTC" in everything(card) and "JST" not in everything(card)


async def test_bot_timezone_is_the_default_and_a_channel_keeps_its_zone_after_a_restart(tmp_path, clock):
    tokyo = ZoneInfo("Asia/Tokyo")
    core = await build_core(tmp_path / "z.db", {"test": FakeChat()}, clock=clock, timezone=ZoneInfo("Europe/London"))
    await core.start()
    try:
        [card] = await say(core, "teacher", "/mod mute user:ann minutes:30")
        assert "2026-11-22 09:30 GMT" in card.body
        await say(core, "teacher", "/debate timezone Asia/Tokyo")
    finally:
        await core.stop()
    core = await build_core(tmp_path / "z.db", {"test": FakeChat()}, clock=clock, timezone=ZoneInfo("Europe/London"))
    await core.start()
    try:
        assert await core.zone(CHANNEL) == tokyo
        [card] = await say(core, "teacher", "/mod strikes user:ann")
        assert "18:30 JST" in everything(card)
    finally:
        await core.stop()


def test_clock_time_names_the_zone():
    at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert clock_time(at) == "2026-07-01 12:00 UTC"
    assert clock_time(at, ZoneInfo("Asia/Tokyo")) == "2026-07-01 21:00 JST"
    assert clock_time(at, ZoneInfo("Europe/Berlin")) == "2026-07-01 14:00 CEST"
    assert clock_time(at, ZoneInfo("America/Sao_Paulo")) == "2026-07-01 09:00 UTC-03:00"


async def test_the_moderation_log_shows_times_in_the_channel_zone(core):
    await say(core, "teacher", "/debate timezone Asia/Tokyo")
    await say(core, "teacher", "/mod warn user:bob reason:spam")
    body = (await say(core, "teacher", "/mod log"))[0].body
    assert body.splitlines()[0].startswith("2026-11-22 18:00:00 JST · teacher · ")
