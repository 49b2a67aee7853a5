"""Parsing `closes:` for polls: a duration (10m, 2h, 1d, 1h30m) or an ISO 8601 time with a zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.core.kernel.errors import RuleError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^(?:[0-9]+[smhdw])+$")  # ASCII digits: \d takes every script's digits
_PART = re.compile(r"([0-9]+)([smhdw])")
MIN_SECONDS = 60
MAX_SECONDS = 90 * 86400
USAGE = "usage.poll.create"


def parse_duration(text: str) -> int | None:
    """Seconds in `10m`, `2h`, `1d`, `1h30m` (units s, m, h, d, w); None if it is not a duration.

    A duration longer than MAX_SECONDS comes back as MAX_SECONDS + 1: longer ones are all refused
    alike, and no number of a thousand digits is ever converted.
    """
    value = text.strip().lower().replace(" ", "")
    if not _DURATION.match(value):
        return None
    total = 0
    for n, u in _PART.findall(value):
        digits = n.lstrip("0")
        if len(digits) > len(str(MAX_SECONDS)):
            return MAX_SECONDS + 1
        total += int(digits or "0") * UNITS[u]
        if total > MAX_SECONDS:
            return MAX_SECONDS + 1
    return total


def parse_closes(text: str, now: datetime) -> datetime:
    """The moment a poll closes, from a duration or an ISO 8601 time that names its zone.

    Raises:
        RuleError: not a duration nor a time, a time without a zone, a time in the past, or a
            deadline sooner than a minute or later than 90 days.
    """
    raw = text.strip()
    seconds = parse_duration(raw)
    if seconds is not None:
        at = now + timedelta(seconds=seconds)
    else:
        at = _parse_time(raw)
        if at <= now:
            raise RuleError("poll.error.closes_past", USAGE, value=raw[:60])
    span = (at - now).total_seconds()
    if span < MIN_SECONDS:
        raise RuleError("poll.error.closes_too_soon", USAGE, value=raw[:60])
    if span > MAX_SECONDS:
        raise RuleError("poll.error.closes_too_late", USAGE, value=raw[:60], days=MAX_SECONDS // 86400)
    return at


def _parse_time(raw: str) -> datetime:
    value = raw[:-1] + "+00:00" if raw[-1:] in ("Z", "z") else raw
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise RuleError("poll.error.closes_bad", USAGE, value=raw[:60]) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise RuleError("poll.error.closes_no_zone", USAGE, value=raw[:60])
    return at
