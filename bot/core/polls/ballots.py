"""What a poll's options and ballots may be, who a ballot belongs to, and where a poll is used:
the checks of /poll create and /poll vote, with their limits."""

from __future__ import annotations

from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.errors import RuleError
from bot.core.kernel.voter_keys import hmac_sha256
from bot.core.polls.model import MAX_OPTIONS, MIN_OPTIONS, Poll

QUESTION_LIMIT = 300
OPTION_LIMIT = 80


def poll_voter_key(secret: bytes, poll_id: int, actor: Actor) -> str:
    """The keyed hash that stands for `actor` in anonymous poll `poll_id`.

    The key is derived per poll, so one person's ballots in two polls cannot be linked.
    """
    key = hmac_sha256(secret, f"poll:{poll_id}".encode())
    who = f"{actor.platform}:{actor.workspace}:{actor.user_id}".encode()
    return "h:" + hmac_sha256(key, who).hex()[:32]


def in_place(p: Poll, where: ChannelRef) -> bool:
    """Whether `where` is the poll's channel or a thread of it (`<channel>/<thread>`, as Slack's
    references are): the only places it is seen, voted and exported, but for moderators (privately)."""
    own = p.channel
    return where == own or (where.platform == own.platform and where.workspace == own.workspace
                            and where.channel.startswith(own.channel + "/"))


def options_of(raw: str) -> list[str]:
    """The options of `/poll create options:` (`a|b|c`), each checked."""
    options = [o.strip() for o in raw.split("|")]
    if any(not o for o in options):
        raise RuleError("poll.error.empty_option", "usage.poll.create")
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise RuleError("poll.error.option_count", "usage.poll.create", count=len(options),
                        min=MIN_OPTIONS, max=MAX_OPTIONS)
    for o in options:
        if len(o) > OPTION_LIMIT:
            raise RuleError("poll.error.option_too_long", "usage.poll.create", option=o[:40] + "…", limit=OPTION_LIMIT)
    seen: set[str] = set()
    for o in options:
        if o.casefold() in seen:
            raise RuleError("poll.error.duplicate_option", "usage.poll.create", option=o)
        seen.add(o.casefold())
    return options


def max_choices_of(mode: str, given: int | None, n: int) -> int:
    """How many of `n` options a ballot may name: `given` (`max:`), checked against `mode`."""
    if mode == "single":
        if given is not None:  # even max:1: the option is not for single-choice polls
            raise RuleError("poll.error.max_single", "usage.poll.create")
        return 1
    k = n if given is None else given
    if not 1 <= k <= n:
        raise RuleError("poll.error.max_range", "usage.poll.create", max=k, count=n)
    return k


def numbered(p: Poll) -> str:
    return " · ".join(f"{i}. {o}" for i, o in enumerate(p.options, 1))


def check_ballot(p: Poll, picked: tuple[int, ...]) -> None:
    if len(set(picked)) != len(picked):
        raise RuleError("poll.error.repeated_choice", "usage.poll.vote")
    if p.mode == "single" and len(picked) != 1:
        raise RuleError("poll.error.one_choice", "usage.poll.vote")
    if len(picked) > p.max_choices:
        raise RuleError("poll.error.too_many", "usage.poll.vote", max=p.max_choices)

