"""The core's guards and observers may answer at once or hand back something to await."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core import ports
from bot.core.errors import RuleError
from bot.core.ports import SystemClock
from bot.storage.sqlite import _ts
from tests.conftest import CHANNEL, actor


async def test_guards_at_once_and_awaited_run_in_order_and_the_first_refusal_wins(core):
    core.guards.clear()
    heard: list[str] = []

    def at_once(action, who, channel, target, text):
        heard.append(f"at once {action}")

    async def later(action, who, channel, target, text):
        heard.append(f"later {action}")
        if who.user_id == "mallory":
            raise RuleError("moderation.error.muted")

    def after(action, who, channel, target, text):
        heard.append(f"after {action}")

    core.guards += [at_once, later, after]
    pending = core.guard_now("vote", actor("erin"), CHANNEL, None, "")
    assert pending is not None and heard == ["at once vote"]  # `later` is handed back to await
    await pending
    assert heard == ["at once vote", "later vote", "after vote"]
    heard.clear()
    with pytest.raises(RuleError):
        await core.guard("vote", actor("mallory"), CHANNEL, None, "")
    assert heard == ["at once vote", "later vote"]

    core.guards[:] = [at_once, after]
    heard.clear()
    assert core.guard_now("vote", actor("erin"), CHANNEL, None, "") is None
    assert heard == ["at once vote", "after vote"]


async def test_a_failing_observer_is_logged_and_the_others_still_hear(core, caplog):
    core.observers.clear()
    heard: list[str] = []

    def breaks_at_once(event, who, target, details):
        raise ValueError("boom")

    async def breaks_later(event, who, target, details):
        raise ValueError("boom later")

    def hears(event, who, target, details):
        heard.append(event)

    core.observers += [breaks_at_once, hears, breaks_later, hears]
    with caplog.at_level(logging.ERROR):
        await core.notify("vote", actor("erin"), None, {})
    assert heard == ["vote", "vote"]
    assert sum("observer failed on vote" in r.message for r in caplog.records) == 2

    core.observers[:] = [breaks_at_once, hears]
    heard.clear()
    assert core.notify_now("vote", actor("erin"), None, {}) is None
    assert heard == ["vote"]


def test_the_system_clock_hands_out_one_datetime_per_millisecond(monkeypatch):
    ns = [1_795_000_000_123_056_789]
    monkeypatch.setattr(ports.time, "time_ns", lambda: ns[0])
    clock = SystemClock()
    first = clock.now()
    assert first == datetime(2026, 11, 18, 11, 6, 40, 123000, tzinfo=UTC)
    assert first.tzinfo is UTC
    ns[0] += 800_000  # still the same millisecond
    assert clock.now() is first
    ns[0] += 200_000
    assert clock.now() == first + timedelta(milliseconds=1)


def test_the_real_system_clock_is_near_the_time_of_day():
    assert abs(SystemClock().now() - datetime.now(UTC)) < timedelta(seconds=1)


def test_stored_times_keep_their_own_zone():
    """The text form is remembered per instant and zone: the same instant in Tokyo keeps +09:00."""
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    tokyo = at.astimezone(timezone(timedelta(hours=9)))
    assert at == tokyo
    assert _ts(at) == "2026-11-22T09:00:00+00:00"
    assert _ts(tokyo) == "2026-11-22T18:00:00+09:00"
    assert _ts(at) == "2026-11-22T09:00:00+00:00"
    assert _ts(None) is None
