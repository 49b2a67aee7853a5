"""The pure moderation rules, each on its own, with time handed in (no clock, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.moderation.rules import (
    BurstDetector,
    Escalation,
    FlagReason,
    ModerationConfig,
    Mute,
    RateLimit,
    RateLimiter,
    SlowMode,
    Strike,
    active_strikes,
    escalation,
    minutes_left,
    mute_until,
    post_vote_flags,
    seconds_left,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CONFIG = ModerationConfig()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_defaults_are_the_documented_ones():
    assert CONFIG.strike_expiry == timedelta(hours=24)
    assert (CONFIG.mute_at_strikes, CONFIG.mute_minutes, CONFIG.remove_at_strikes) == (2, 10, 3)
    assert CONFIG.rates["speak"] == RateLimit(1, 10)
    assert CONFIG.rates["ask"] == RateLimit(1, 30)
    assert CONFIG.rates["vote"] == RateLimit(10, 10)
    assert CONFIG.slowmode_seconds == 0


def test_strikes_expire_after_the_configured_time():
    strikes = [Strike(1, "u", at(0), "", "mod"), Strike(2, "u", at(3600), "", "mod")]
    day = CONFIG.strike_expiry
    assert len(active_strikes(strikes, at(60), day)) == 2
    # 24 h after the first strike it has expired; the second is still active for an hour.
    assert [s.id for s in active_strikes(strikes, at(24 * 3600), day)] == [2]
    assert active_strikes(strikes, at(25 * 3600), day) == []
    short = ModerationConfig(strike_expiry_hours=0.5)
    assert [s.id for s in active_strikes(strikes, at(3601), short.strike_expiry)] == [2]


def test_escalation_thresholds():
    assert [escalation(n, CONFIG) for n in range(5)] == [
        Escalation.NONE, Escalation.NONE, Escalation.MUTE, Escalation.REMOVE, Escalation.REMOVE]
    lenient = ModerationConfig(mute_at_strikes=3, remove_at_strikes=5)
    assert escalation(2, lenient) is Escalation.NONE
    assert escalation(4, lenient) is Escalation.MUTE


def test_a_mute_ends_at_its_time_and_a_longer_one_is_kept():
    until = mute_until(at(0), 10)
    assert until == at(600)
    m = Mute("p", "w", "u", until, "", "mod")
    assert m.active(at(599)) and not m.active(at(600))
    assert minutes_left(until, at(0)) == 10
    assert minutes_left(until, at(590)) == 1  # ten seconds left still reads 1 min
    assert minutes_left(until, at(700)) == 0
    # A shorter mute given while a longer one runs does not shorten it; a longer one extends it.
    assert mute_until(at(60), 5, m) == at(600)
    assert mute_until(at(60), 20, m) == at(60 + 1200)
    assert mute_until(at(900), 5, m) == at(900 + 300)  # the old one had ended


def test_rate_limit_one_per_window_says_when_to_try_again():
    limiter = RateLimiter()
    limit = RateLimit(1, 10)
    key = ("p", "w", "alice", "speak")
    assert limiter.retry_after(key, at(0), limit) == 0
    limiter.hit(key, at(0), limit)
    assert limiter.retry_after(key, at(3), limit) == 7
    assert limiter.retry_after(key, at(9.5), limit) == 0.5
    assert limiter.retry_after(key, at(10), limit) == 0
    limiter.hit(key, at(10), limit)
    assert limiter.retry_after(("p", "w", "bob", "speak"), at(10), limit) == 0  # per user


def test_rate_limiter_forgets_voters_who_came_once():
    limiter = RateLimiter()
    limit = RateLimit(10, 10)
    for i in range(RateLimiter.SWEEP_EVERY - 1):
        limiter.hit(f"voter{i}", at(0), limit)
    assert len(limiter) == RateLimiter.SWEEP_EVERY - 1
    limiter.hit("late", at(11), limit)  # the sweep: every other window has emptied
    assert len(limiter) == 1
    assert limiter.retry_after("late", at(11), limit) == 0


def test_rate_limit_n_per_window_is_a_sliding_window():
    limiter = RateLimiter()
    limit = RateLimit(10, 10)
    key = "voter"
    for i in range(10):
        assert limiter.retry_after(key, at(i * 0.5), limit) == 0
        limiter.hit(key, at(i * 0.5), limit)
    # Ten votes between 0 s and 4.5 s: the eleventh waits until the first leaves the window.
    assert limiter.retry_after(key, at(5), limit) == 5
    assert limiter.retry_after(key, at(10), limit) == 0
    limiter.hit(key, at(10), limit)
    assert limiter.retry_after(key, at(10.1), limit) == 0.4  # the second vote (0.5 s) leaves at 10.5
    assert len(limiter) == 1
    assert limiter.retry_after(key, at(100), limit) == 0
    assert len(limiter) == 0  # idle keys are forgotten


def test_seconds_left_rounds_up():
    assert seconds_left(0.2) == 1
    assert seconds_left(7.0) == 7
    assert seconds_left(7.01) == 8


def test_slow_mode_per_scope_and_user():
    slow = SlowMode()
    assert slow.retry_after("debate:1", "alice", at(0)) == 0
    slow.hit("debate:1", "alice", at(0))  # off: nothing is remembered
    slow.set("debate:1", 60)
    assert slow.retry_after("debate:1", "alice", at(1)) == 0
    slow.hit("debate:1", "alice", at(1))
    assert slow.retry_after("debate:1", "alice", at(31)) == 30
    assert slow.retry_after("debate:1", "bob", at(31)) == 0
    assert slow.retry_after("debate:2", "alice", at(31)) == 0
    assert slow.retry_after("debate:1", "alice", at(61)) == 0
    slow.set("debate:1", 0)
    assert slow.retry_after("debate:1", "alice", at(2)) == 0


def test_post_vote_flags():
    assert post_vote_flags("v1", {"v1"}, joined_late=False) == []
    assert post_vote_flags("v2", {"v1"}, joined_late=False) == [FlagReason.NO_PRE_VOTE]
    assert post_vote_flags("v1", {"v1"}, joined_late=True) == [FlagReason.JOINED_LATE]
    assert post_vote_flags("v3", set(), joined_late=True) == [FlagReason.NO_PRE_VOTE, FlagReason.JOINED_LATE]


def test_a_burst_is_flagged_once_it_reaches_the_threshold():
    bursts = BurstDetector(threshold=5, seconds=10)
    key = (1, "post")
    for i in range(4):
        b = bursts.add(key, f"n{i}", at(i))
        assert b.flag == [] and not b.started
    b = bursts.add(key, "n4", at(4))
    assert b.started and b.size == 5
    assert b.flag == ["n0", "n1", "n2", "n3", "n4"]
    b = bursts.add(key, "n5", at(5))
    assert not b.started and b.flag == ["n5"]
    # Another stage or debate has its own window.
    assert bursts.add((1, "pre"), "x", at(5)).flag == []


def test_votes_spread_out_are_not_a_burst():
    bursts = BurstDetector(threshold=5, seconds=10)
    flagged = []
    for i in range(20):
        flagged += bursts.add("k", f"v{i}", at(i * 3)).flag  # one every 3 s: at most 4 in 10 s
    assert flagged == []


def test_a_burst_can_end_and_start_again():
    bursts = BurstDetector(threshold=3, seconds=5)
    assert bursts.add("k", "a", at(0)).flag == []
    assert bursts.add("k", "b", at(1)).flag == []
    assert bursts.add("k", "c", at(2)).started
    assert not bursts.add("k", "d", at(60)).started  # window emptied: no burst
    bursts.add("k", "e", at(61))
    again = bursts.add("k", "f", at(62))
    assert again.started and again.flag == ["d", "e", "f"]
    bursts.forget("k")
    assert bursts.add("k", "g", at(63)).size == 1


def test_take_counts_what_it_allows_and_only_that():
    limiter = RateLimiter()
    limit = RateLimit(2, 10)
    key = "voter"
    assert limiter.take(key, at(0), limit) == 0
    assert limiter.take(key, at(1), limit) == 0
    assert limiter.take(key, at(4), limit) == 6  # refused: the first leaves the window at 10 s
    assert limiter.take(key, at(9), limit) == 1  # a refusal was not counted as a hit
    assert limiter.take(key, at(10), limit) == 0  # the first has left: allowed, and counted
    assert limiter.retry_after(key, at(10.5), limit) == 0.5  # the second (1 s) leaves at 11 s
    assert limiter.take(key, at(21), limit) == 0  # both earlier hits have left the window
    assert limiter.take(key, at(21.5), limit) == 0
    assert limiter.take(key, at(22), limit) == 9
    assert RateLimiter().take(key, at(0), RateLimit(0, 10)) == 0  # no limit: nothing is kept
