"""The user directory: display names and admin flags from users.info, cached on the clock."""

from __future__ import annotations

from aiohttp import ClientConnectionError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.port import SlackPort
from bot.adapters.slack.users import Directory
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import FakeSlackApi, make_client


async def test_users_are_looked_up_once_per_ttl_and_failures_fall_back():
    clock = FakeClock()
    async with FakeSlackApi(team_id="T1") as fake:
        fake.add_user("U1", "sato", real_name="Ms Sato", is_admin=True)
        fake.add_user("U2", "ben", is_primary_owner=True)
        directory = Directory(SlackPort(make_client(fake), clock), clock, ttl=600)

        first = await directory.user("T1", "U1")
        assert (first.name, first.is_admin) == ("sato", True)
        assert await directory.user("T1", "U1") == first
        assert (await directory.user("T1", "U2")).is_admin  # owners moderate too
        assert [c.args["user"] for c in fake.calls("users.info")] == ["U1", "U2"]

        clock.advance(601)
        fake.users["U1"].is_admin = False
        assert not (await directory.user("T1", "U1")).is_admin  # asked again after the TTL
        assert len(fake.calls("users.info")) == 3

        missing = await directory.user("T1", "U404", fallback="ghost")
        assert (missing.name, missing.is_admin, missing.roles) == ("ghost", False, ())


async def test_an_unreachable_slack_falls_back_to_the_name_it_sent():
    clock = FakeClock()

    class Unreachable:
        async def users_info(self, **_):
            raise ClientConnectionError("down")

        async def usergroups_list(self, **_):
            raise TimeoutError

    port = SlackPort(AsyncWebClient(token="xoxb-unused"), clock, clients={"T1": Unreachable()})  # type: ignore[dict-item]
    user = await Directory(port, clock).user("T1", "U1", fallback="sato")
    assert (user.name, user.is_admin, user.roles) == ("sato", False, ())
