"""Pure moderation rules: strikes and escalation, mutes, rate limits, slow mode, vote signals.

Nothing here does I/O or reads a clock: every function and class takes the time it needs as an
argument, so the rules are tested by handing them times. `ModerationService` keeps the state
and the store; this module only decides.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from bot.core.debates.model import Actor, ChannelRef

# Actions a rate limit applies to (the guard's action names, plus plain chat messages).
SPEAK, ASK, VOTE, MESSAGE = "speak", "ask", "vote", "message"
CLAIM = "claim"  # a claim of an argument map (/claim pro|con|edit)
MAX_MUTE_MINUTES = 30 * 24 * 60  # a month
MAX_SLOWMODE_SECONDS = 6 * 3600  # six hours
LOG_MAX = 100  # audit entries one `/mod log` shows at most
Key = tuple[str, str, str]  # platform, workspace, user


def user_key(actor: Actor) -> Key:
    return actor.platform, actor.workspace, actor.user_id


@dataclass(frozen=True)
class RateLimit:
    """At most `count` actions in any `seconds`-long window."""

    count: int
    seconds: float

    @cached_property
    def window(self) -> timedelta:
        return timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class ModerationConfig:
    """The defaults of moderation (README: Moderation → Defaults)."""

    strike_expiry_hours: float = 24.0
    mute_at_strikes: int = 2  # this many active strikes mute the user …
    mute_minutes: int = 10  # … for this long (also the default of `/mod mute`)
    remove_at_strikes: int = 3  # this many remove the user from the debate for the rest of it
    rates: dict[str, RateLimit] = field(default_factory=lambda: {
        SPEAK: RateLimit(1, 10),
        ASK: RateLimit(1, 30),
        VOTE: RateLimit(10, 10),
        MESSAGE: RateLimit(5, 10),  # plain messages and posts in debate and discussion threads
        CLAIM: RateLimit(3, 60),
    })
    slowmode_seconds: int = 0  # slow mode is off until a moderator sets it
    message_max_chars: int = 2000  # one post in a discussion thread
    # Vote signals: a burst is this many first ballots from new participants within this window;
    # a participant is new while the bot has known them for less than `new_participant_minutes`.
    burst_votes: int = 5
    burst_seconds: float = 10.0
    new_participant_minutes: float = 10.0
    # The moderator log channel gets at most one post per kind of automatic action this often.
    mirror_interval_seconds: float = 30.0

    @property
    def strike_expiry(self) -> timedelta:
        return timedelta(hours=self.strike_expiry_hours)

    @cached_property
    def new_participant_window(self) -> timedelta:
        return timedelta(minutes=self.new_participant_minutes)


# --- strikes ---


@dataclass(frozen=True)
class Strike:
    id: int
    user_id: str
    at: datetime
    reason: str
    by: str
    debate_id: int | None = None


class Escalation(StrEnum):
    NONE = "none"
    MUTE = "mute"
    REMOVE = "remove"


def active_strikes(strikes: Iterable[Strike], now: datetime, expiry: timedelta) -> list[Strike]:
    """The strikes given less than `expiry` ago, oldest first."""
    return sorted((s for s in strikes if now - s.at < expiry), key=lambda s: s.at)


def strike_expires(strike: Strike, expiry: timedelta) -> datetime:
    return strike.at + expiry


def escalation(active: int, config: ModerationConfig) -> Escalation:
    """What `active` strikes call for (the highest threshold reached)."""
    if active >= config.remove_at_strikes:
        return Escalation.REMOVE
    if active >= config.mute_at_strikes:
        return Escalation.MUTE
    return Escalation.NONE


# --- mutes ---


@dataclass(frozen=True)
class Mute:
    platform: str
    workspace: str
    user_id: str
    until: datetime
    reason: str
    by: str
    channel: str = ""  # where it was given: the end of the mute is announced there

    def active(self, now: datetime) -> bool:
        return now < self.until


def mute_until(now: datetime, minutes: float, current: Mute | None = None) -> datetime:
    """The end of a mute of `minutes` from now; a longer mute already running is kept."""
    until = now + timedelta(minutes=minutes)
    if current is not None and current.active(now) and current.until > until:
        return current.until
    return until


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes left, rounded up (a mute with 10 s left still says 1 min)."""
    return max(0, math.ceil((until - now).total_seconds() / 60))


def seconds_left(seconds: float) -> int:
    """What a "try again in N s" message says: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(seconds - 1e-9))


# --- rate limits and slow mode ---


class RateLimiter:
    """Sliding-window limits per key (e.g. (platform, workspace, user, action)).

    `retry_after` looks without counting; `hit` counts an action that went through. Keys whose
    windows have emptied are forgotten, so memory follows the active users only. A key's hits
    are a short tuple of times (at most the limit's count).
    """

    SWEEP_EVERY = 10_000  # hits between two sweeps of keys whose windows have emptied

    def __init__(self) -> None:
        self._hits: dict[Hashable, tuple[datetime, ...]] = {}
        self._longest = timedelta(0)
        self._until_sweep = self.SWEEP_EVERY

    def _window(self, key: Hashable, now: datetime, limit: RateLimit) -> tuple[datetime, ...]:
        hits = self._hits.get(key)
        if not hits:
            return ()
        horizon = now - limit.window
        if hits[0] <= horizon:
            hits = tuple(at for at in hits if at > horizon)
            if hits:
                self._hits[key] = hits
            else:
                del self._hits[key]
        return hits

    def retry_after(self, key: Hashable, now: datetime, limit: RateLimit) -> float:
        """Seconds until one more action is allowed; 0 when it is allowed now."""
        if limit.count <= 0 or limit.seconds <= 0:
            return 0.0
        return self._wait(self._window(key, now, limit), now, limit)

    def take(self, key: Hashable, now: datetime, limit: RateLimit) -> float:
        """`retry_after`, and when that is 0 also `hit`: an action that counts when it is allowed."""
        if limit.count <= 0 or limit.seconds <= 0:
            return 0.0
        hits = self._window(key, now, limit)  # read once, for the wait and the hit
        wait = self._wait(hits, now, limit)
        if wait == 0:
            self._record(key, hits, now, limit)
        return wait

    @staticmethod
    def _wait(hits: tuple[datetime, ...], now: datetime, limit: RateLimit) -> float:
        if len(hits) < limit.count:
            return 0.0
        return max(0.0, (hits[len(hits) - limit.count] + limit.window - now).total_seconds())

    def hit(self, key: Hashable, now: datetime, limit: RateLimit) -> None:
        if limit.count <= 0 or limit.seconds <= 0:
            return
        self._record(key, self._hits.get(key, ()), now, limit)

    def _record(self, key: Hashable, hits: tuple[datetime, ...], now: datetime, limit: RateLimit) -> None:
        self._hits[key] = (*hits[len(hits) - limit.count + 1:], now) if len(hits) >= limit.count else (*hits, now)
        if limit.window > self._longest:
            self._longest = limit.window
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            self.sweep(now)

    def sweep(self, now: datetime) -> None:
        """Forget keys with no hit inside the longest window (voters who came once and left)."""
        horizon = now - self._longest
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]
        # at least as many hits as there are keys until the next sweep: O(1) a hit, however many voters
        self._until_sweep = max(self.SWEEP_EVERY, len(self._hits))

    def __len__(self) -> int:
        return len(self._hits)


class SlowMode:
    """One post per user per `seconds` in a place (a debate or a discussion)."""

    def __init__(self) -> None:
        self.seconds: dict[str, int] = {}  # scope -> seconds (absent or 0: off)
        self._last: dict[tuple[str, str], datetime] = {}

    def set(self, scope: str, seconds: int) -> None:
        if seconds > 0:
            self.seconds[scope] = seconds
        else:
            self.seconds.pop(scope, None)
            self._last = {k: v for k, v in self._last.items() if k[0] != scope}

    def retry_after(self, scope: str, user: str, now: datetime) -> float:
        seconds = self.seconds.get(scope, 0)
        last = self._last.get((scope, user))
        if not seconds or last is None:
            return 0.0
        return max(0.0, (last + timedelta(seconds=seconds) - now).total_seconds())

    def hit(self, scope: str, user: str, now: datetime) -> None:
        if self.seconds.get(scope):
            self._last[(scope, user)] = now

    def drop(self, scope: str) -> None:
        self.set(scope, 0)


# --- debate-aware vote signals ---


class FlagReason(StrEnum):
    NO_PRE_VOTE = "no_pre_vote"  # voted in the post-vote without a pre-vote
    JOINED_LATE = "joined_late"  # joined the debate after the pre-vote closed
    BURST = "burst"  # one of many new participants voting within seconds


def post_vote_flags(voter: str, pre_voters: Iterable[str] | set[str], joined_late: bool) -> list[FlagReason]:
    """Why a first post-vote ballot deserves a moderator's look (never a reason to refuse it)."""
    reasons = []
    if voter not in pre_voters:
        reasons.append(FlagReason.NO_PRE_VOTE)
    if joined_late:
        reasons.append(FlagReason.JOINED_LATE)
    return reasons


class Burst(NamedTuple):
    """What one ballot did to a burst: the voters to flag now and whether a burst just began."""

    flag: list[str]
    started: bool
    size: int


class BurstDetector:
    """Counts first ballots from new participants per (debate, stage) in a sliding window.

    When `threshold` of them fall within `seconds`, every voter in the window is flagged, and
    every further one while the window stays full; `started` is true once per burst.
    """

    def __init__(self, threshold: int, seconds: float) -> None:
        self.threshold = threshold
        self.window = timedelta(seconds=seconds)
        self._recent: dict[Hashable, deque[tuple[datetime, str]]] = {}
        self._flagged: dict[Hashable, set[str]] = {}
        self._in_burst: set[Hashable] = set()

    def add(self, key: Hashable, voter: str, now: datetime) -> Burst:
        recent = self._recent.get(key)
        if recent is None:
            recent = self._recent[key] = deque()
        horizon = now - self.window
        while recent and recent[0][0] <= horizon:
            recent.popleft()
        recent.append((now, voter))
        if self.threshold <= 0 or len(recent) < self.threshold:
            self._in_burst.discard(key)
            return Burst([], False, len(recent))
        done = self._flagged.get(key)
        if done is None:
            done = self._flagged[key] = set()
        if key in self._in_burst:  # only the newcomer (O(1) per ballot)
            if voter in done:
                return Burst([], False, len(recent))
            done.add(voter)
            return Burst([voter], False, len(recent))
        self._in_burst.add(key)  # a burst begins: the whole window at once
        fresh = list(dict.fromkeys(v for _, v in recent if v not in done))
        done.update(fresh)
        return Burst(fresh, True, len(recent))

    def forget(self, prefix: Hashable) -> None:
        """Drop every window whose key is `prefix` or a tuple starting with it (a debate ended)."""
        for store in (self._recent, self._flagged):
            for key in [k for k in store if k == prefix or (isinstance(k, tuple) and k[:1] == (prefix,))]:
                del store[key]
        self._in_burst = {k for k in self._in_burst if not (k == prefix or (isinstance(k, tuple) and k[:1] == (prefix,)))}


MODERATION_GENERATION = "moderation"  # the store's count of enforced moderation changes (see Store.generations)
BOOKKEEPING_CHUNK = 1000  # rows a bookkeeping transaction (one statement: a few milliseconds of the store's time)


@dataclass
class Discussion:
    """A moderated discussion thread: no rounds, but the filter, rate limits and strikes apply."""

    id: int
    space: ChannelRef
    parent: ChannelRef
    topic: str
    language: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None = None

    @property
    def scope(self) -> str:
        return f"discuss:{self.id}"
