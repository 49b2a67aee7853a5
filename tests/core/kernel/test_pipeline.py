"""The core's guards and observers may answer at once or hand back something to await."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Pipeline, Route, Router
from bot.core.kernel.request import Request
from bot.storage.sqlite_connection import _ts
from tests.conftest import CHANNEL, actor


async def test_guards_run_in_the_declared_order_and_the_first_refusal_wins():
    heard: list[str] = []

    async def first(action, who, channel, target, text):
        heard.append(f"first {action}")

    async def refuses_mallory(action, who, channel, target, text):
        heard.append(f"second {action}")
        if who.user_id == "mallory":
            raise RuleError("moderation.error.muted")

    async def last(action, who, channel, target, text):
        heard.append(f"last {action}")

    pipeline = Pipeline(guards=(first, refuses_mallory, last))
    await pipeline.guard("vote", actor("erin"), CHANNEL, None, "")
    assert heard == ["first vote", "second vote", "last vote"]
    heard.clear()
    with pytest.raises(RuleError):
        await pipeline.guard("vote", actor("mallory"), CHANNEL, None, "")
    assert heard == ["first vote", "second vote"]


async def test_a_failing_observer_is_logged_and_the_others_still_hear(caplog):
    heard: list[str] = []

    async def breaks(event, who, target, details):
        raise ValueError("boom")

    async def hears(event, who, target, details):
        heard.append(event)

    pipeline = Pipeline(observers=(breaks, hears, breaks, hears))
    with caplog.at_level(logging.ERROR):
        await pipeline.notify("vote", actor("erin"), None, {})
    assert heard == ["vote", "vote"]
    assert sum("observer failed on vote" in r.message for r in caplog.records) == 2


async def test_the_first_moderator_check_that_says_yes_settles_it():
    asked: list[str] = []

    def check(name: str, answer: bool):
        async def says(who):
            asked.append(name)
            return answer
        return says

    pipeline = Pipeline(moderator_checks=(check("platform", False), check("roles", True), check("never", True)))
    assert await pipeline.is_moderator(actor("erin"))
    assert asked == ["platform", "roles"]
    assert not await Pipeline(moderator_checks=()).is_moderator(actor("erin", True))
    assert await Pipeline().is_moderator(actor("erin", True))  # undeclared: the platform's admin flag


async def test_a_conditional_route_answers_before_the_plain_one_and_two_plain_ones_are_refused():
    async def plain(req):
        return ["plain"]

    async def special(req):
        return ["special"]

    router = Router([Route("speak", None, special, when=lambda req: req.line == "/speak here"), Route("speak", None, plain)])
    here, there = Request(actor("erin"), CHANNEL, "/speak here"), Request(actor("erin"), CHANNEL, "/speak there")
    assert await router.find(here, ("speak", None))(here) == ["special"]
    assert await router.find(there, ("speak", None))(there) == ["plain"]
    assert router.find(there, ("ask", None)) is None
    with pytest.raises(ValueError, match="two handlers for speak"):
        Router([Route("speak", None, plain), Route("speak", None, special)])
    with pytest.raises(KeyError):
        Router([Route("nonsense", None, plain)])


async def test_a_platform_attaches_before_the_core_starts_not_after(core, chat):
    with pytest.raises(RuntimeError, match="after the core started"):
        core.attach(chat)


def test_stored_times_keep_their_own_zone():
    """The text form is remembered per instant and zone: the same instant in Tokyo keeps +09:00."""
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    tokyo = at.astimezone(timezone(timedelta(hours=9)))
    assert at == tokyo
    assert _ts(at) == "2026-11-22T09:00:00+00:00"
    assert _ts(tokyo) == "2026-11-22T18:00:00+09:00"
    assert _ts(at) == "2026-11-22T09:00:00+00:00"
    assert _ts(None) is None
