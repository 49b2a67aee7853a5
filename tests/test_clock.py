"""The real clock (bot/clock.py): UTC, to the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import clock as clock_module
from bot.clock import SystemClock


def test_the_system_clock_hands_out_one_datetime_per_millisecond(monkeypatch):
    ns = [1_795_000_000_123_056_789]
    monkeypatch.setattr(clock_module.time, "time_ns", lambda: ns[0])
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
