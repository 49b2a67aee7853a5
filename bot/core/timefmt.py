"""Compact, language-neutral durations and times for cards."""

from __future__ import annotations

from datetime import datetime


def duration(seconds: float | None) -> str:
    """`2:05` under an hour, `3h 05m` under a day, `2d 04h` beyond."""
    if seconds is None:
        return "—"
    s = max(0, int(round(seconds)))
    if s < 3600:
        return f"{s // 60}:{s % 60:02d}"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def clock_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")
