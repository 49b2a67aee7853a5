"""Poll deadlines: `closes:` parsing with time zones, the scheduler, and deadlines missed while down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import build_core
from bot.core.kernel.commands import Command
from bot.core.kernel.deadlines import parse_closes, parse_duration
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests.conftest import CHANNEL, actor, say

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # FakeClock's start


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10m", 600), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("90s", 90), ("2w", 1209600), (" 2H ", 7200)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds
    assert parse_closes(text, NOW) == NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T20:00+09:00", datetime(2026, 11, 22, 11, 0, tzinfo=UTC)),  # Tokyo
        ("2026-11-22T06:30:00-05:00", datetime(2026, 11, 22, 11, 30, tzinfo=UTC)),  # New York
        ("2026-11-22T10:15Z", datetime(2026, 11, 22, 10, 15, tzinfo=UTC)),
        ("2026-11-22 10:15:00+00:00", datetime(2026, 11, 22, 10, 15, tzinfo=UTC)),
        ("2026-11-23T00:00+05:30", datetime(2026, 11, 22, 18, 30, tzinfo=UTC)),  # India
    ],
)
def test_times_with_a_zone_are_absolute_moments(text, expected):
    at = parse_closes(text, NOW)
    assert at == expected
    assert at.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-11-22T20:00", "poll.error.closes_no_zone"),
        ("2026-11-23", "poll.error.closes_no_zone"),
        ("2026-11-22T17:59+09:00", "poll.error.closes_past"),  # 08:59 UTC, a minute ago
        ("2026-11-22T09:00Z", "poll.error.closes_past"),  # now is not the future
        ("2026-11-22T09:00:30Z", "poll.error.closes_too_soon"),
        ("30s", "poll.error.closes_too_soon"),
        ("0m", "poll.error.closes_too_soon"),
        ("100d", "poll.error.closes_too_late"),
        ("tomorrow", "poll.error.closes_bad"),
        ("10 minutes", "poll.error.closes_bad"),
        ("-5m", "poll.error.closes_bad"),
    ],
)
def test_bad_deadlines_are_refused_with_a_reason(text, key):
    with pytest.raises(RuleError) as info:
        parse_closes(text, NOW)
    assert info.value.key == key
    assert info.value.usage == "usage.poll.create"


async def test_the_refusal_reads_clearly(core):
    cards = await say(core, "teacher", '/poll create question:"Q?" options:"a|b" closes:2026-11-22T20:00')
    assert "has no time zone; add one, e.g. +09:00 or Z for UTC" in cards[0].body
    cards = await say(core, "teacher", '/poll create question:"Q?" options:"a|b" closes:2026-11-21T20:00+09:00')
    assert "is in the past" in cards[0].body
    assert not core.polls.polls


async def wait_for_post(chat: FakeChat, kind: str, count: int = 1) -> None:
    """Wait until `count` cards of `kind` were posted (the scheduler runs in its own task)."""
    async def seen() -> None:
        while sum(1 for p in chat.posts if p.card.kind == kind) < count:
            await asyncio.sleep(0)
    await asyncio.wait_for(seen(), timeout=10)


async def test_the_poll_closes_at_its_zoned_deadline_by_the_scheduler(core, chat, clock):
    core.charts = None
    await say(core, "teacher", "/debate timezone Asia/Tokyo")  # the class reads times in Japan's zone
    await say(core, "teacher", '/poll create question:"Lunch?" options:"rice|bread" closes:2026-11-22T20:00+09:00')
    p = core.polls.polls[1]
    assert p.closes_at == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert "Closes 2026-11-22 20:00 JST (in 2h 00m)." in chat.posts[-1].card.footer
    await say(core, "ann", "/poll vote id:1 rice")
    await clock.wait_for_sleep(p.closes_at)  # the scheduler has seen the deadline
    clock.advance(2 * 3600 - 1)  # 10:59:59 UTC: still open
    for _ in range(20):
        await asyncio.sleep(0)
    assert p.open and "result" not in chat.kinds()
    assert "Your vote" in (await say(core, "ben", "/poll vote id:1 bread"))[0].body
    clock.advance(1)  # 11:00 UTC = 20:00 in Tokyo
    await wait_for_post(chat, "result")
    assert not p.open and p.closed_by == "deadline" and p.closed_at == p.closes_at
    result = chat.last("result")
    assert "A tie between rice and bread." in result.body
    assert "offline" not in result.body  # on time: no excuse needed
    assert core.polls.next_deadline() is None
    assert "closed" in (await say(core, "cid", "/poll vote id:1 rice"))[0].body


async def test_a_vote_after_the_deadline_is_refused_even_before_the_scheduler_ran(core, clock):
    core.charts = None
    await say(core, "teacher", '/poll create question:"Q?" options:"a|b" closes:10m')
    core.polls.next_deadline = lambda: None  # the scheduler does not see this poll's deadline
    clock.advance(600)
    cards = await say(core, "ann", "/poll vote id:1 a")
    assert cards[0].kind == "error" and "Poll #1 is closed" in cards[0].body


async def test_a_deadline_missed_while_stopped_closes_on_start_and_is_announced(tmp_path):
    db = tmp_path / "polls.db"
    clock = FakeClock()
    chat = FakeChat()
    core = await build_core(db, {"test": chat}, clock=clock, secret=b"k")
    await core.start()
    await say(core, "teacher", '/poll create question:"Trip?" options:"zoo|museum|park" mode:ranked closes:1h')
    await say(core, "teacher", '/poll create question:"Later?" options:"yes|no" closes:1d')
    await say(core, "ann", "/poll vote id:1 museum zoo")
    await say(core, "ben", "/poll vote id:1 zoo")
    await say(core, "cid", "/poll vote id:1 zoo park")
    await core.stop()

    # the bot is down from 09:00 to 12:00; poll #1 should have closed at 10:00
    later = FakeClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    posted, edited = len(chat.posts), len(chat.edit_log)
    core2 = await build_core(db, {"test": chat}, clock=later, secret=b"k")  # the same platform
    await core2.start()
    try:
        assert chat.kinds()[posted:] == ["result"]
        result = chat.posts[-1].card
        assert "Winner: zoo" in result.body
        assert "The deadline (2026-11-22 10:00 UTC) passed while the bot was offline" in result.body
        assert result.attachment is not None and result.attachment.data.startswith(b"\x89PNG")
        stored = await core2.polls.store.load(1)
        assert not stored.open and stored.closed_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
        assert stored.closed_by == "deadline"
        # the poll message posted before the stop is redrawn closed, by its stored id
        assert [mid for mid, _ in chat.edit_log[edited:]] == [stored.message_id]
        assert chat.current(stored.message_id).buttons == ()
        # poll #2 is still open, armed for its own deadline, and votes still count
        assert list(core2.polls.polls) == [2]
        assert core2.next_deadline() == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        assert "Your vote" in (await say(core2, "ann", "/poll vote id:2 yes"))[0].body
        assert "closed" in (await say(core2, "ann", "/poll vote id:1 park"))[0].body
    finally:
        await core2.stop()


async def test_ballots_survive_a_restart_and_can_still_be_changed(tmp_path, clock):
    db = tmp_path / "polls.db"
    core = await build_core(db, {"test": FakeChat()}, clock=clock, secret=b"k")
    await core.start()
    core.charts = None
    await say(core, "teacher", '/poll create question:"Q?" options:"a|b|c" mode:multi anonymous:yes closes:2h')
    await say(core, "ann", "/poll vote id:1 a b")
    await core.stop()
    core = await build_core(db, {"test": FakeChat()}, clock=clock, secret=b"k")
    await core.start()
    try:
        p = core.polls.polls[1]
        assert sorted(p.ballots.values()) == [(0, 1)]
        card = (await say(core, "ann", "/poll vote id:1 c"))[0]
        assert "changed from a, b to c" in card.body  # the same keyed hash finds the ballot again
        assert list(p.ballots.values()) == [(2,)]
    finally:
        await core.stop()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("99999999999999999999d", "poll.error.closes_too_late"),  # once an OverflowError
        ("9" * 5000 + "m", "poll.error.closes_too_late"),  # once a ValueError (int's digit limit)
        ("1" + "0" * 30 + "s", "poll.error.closes_too_late"),
        ("0" * 5000 + "10m", None),  # leading zeros are still ten minutes
        ("١٠m", "poll.error.closes_bad"),  # other scripts' digits are no duration
        ("²m", "poll.error.closes_bad"),
    ],
)
def test_huge_and_foreign_numbers_in_closes_are_refused_clearly(text, key):
    if key is None:
        assert parse_closes(text, NOW) == NOW + timedelta(minutes=10)
        return
    with pytest.raises(RuleError) as info:
        parse_closes(text, NOW)
    assert (info.value.key, info.value.usage) == (key, "usage.poll.create")
    assert len(info.value.params["value"]) <= 60


async def test_a_huge_closes_is_answered_with_the_reason_and_the_usage(core):
    line = '/poll create question:"Q?" options:"a|b" closes:99999999999999999999d'
    cards = await say(core, "teacher", line)
    assert cards[0].kind == "error"
    assert "is too far away; a poll closes within 90 days." in cards[0].body
    assert "Usage: /poll create" in cards[0].body
    # as Discord passes it: a typed option, longer than any line may be
    command = Command("poll", "create", {"question": "Q?", "options": "a|b", "closes": "9" * 5000 + "d"})
    replies = await core.handle(Request(actor("teacher", True), CHANNEL, command=command))
    assert "is too far away" in replies[0].card.body and "Usage: /poll create" in replies[0].card.body
    assert not core.polls.polls
