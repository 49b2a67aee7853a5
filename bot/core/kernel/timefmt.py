"""Compact, language-neutral durations and times for cards, times in the zone a channel reads."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"


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


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA time zone `name` (`Asia/Tokyo`, `utc`), or None when there is no such zone."""
    text = (name or "").strip()
    if not text or len(text) > 64 or text.startswith(("/", ".")) or ".." in text:
        return None
    try:
        return ZoneInfo("UTC" if text.lower() == "utc" else text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, or not a zone's name at all
        return None


def zone_name(zone: tzinfo) -> str:
    """The name a zone is chosen by: `Asia/Tokyo`, `UTC`."""
    return getattr(zone, "key", None) or str(zone)


def zone_label(at: datetime) -> str:
    """`UTC`, or the zone's own abbreviation where it has one (`JST`, `CEST`), else `UTC+09:00`."""
    name = at.tzname() or ""
    if name and not name.startswith(("+", "-")):
        return name
    offset = at.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def clock_time(at: datetime, zone: tzinfo | None = None, seconds: bool = False) -> str:
    """`2025-05-01 18:30 JST` (with `seconds`, `18:30:05 JST`): `at` in `zone` (UTC when none
    is given), with the zone named."""
    local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(zone or UTC)
    return local.strftime("%Y-%m-%d %H:%M:%S " if seconds else "%Y-%m-%d %H:%M ") + zone_label(local)
