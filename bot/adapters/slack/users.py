"""Who is who on Slack: display names, admin/owner flags and user groups, cached with a TTL."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.port import SlackPort
from bot.core.ports import Clock

log = logging.getLogger(__name__)
USER_TTL = 600.0
FAILED_LOOKUP_TTL = 60.0
# Slack refused, or could not be reached: the request goes on with what Slack sent
LOOKUP_ERRORS = (SlackApiError, ClientError, TimeoutError)


@dataclass(frozen=True)
class SlackUser:
    name: str
    is_admin: bool  # workspace admin or owner
    roles: tuple[str, ...] = ()  # ids, handles and names of the user groups the user is in


class Directory:
    """Display names and admin/owner flags (`users.info`) and user groups, cached with a TTL."""

    def __init__(self, port: SlackPort, clock: Clock, ttl: float = USER_TTL) -> None:
        self.port = port
        self.clock = clock
        self.ttl = ttl
        self._users: dict[tuple[str, str], tuple[datetime, SlackUser]] = {}
        self._groups: dict[str, tuple[datetime, dict[str, tuple[str, ...]]]] = {}
        self._inflight: dict[tuple[str, str], asyncio.Future[SlackUser]] = {}

    async def user(self, team: str, user_id: str, fallback: str = "") -> SlackUser:
        key = (team, user_id)
        hit = self._users.get(key)
        if hit is not None and hit[0] > self.clock.now():
            return hit[1]
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(team, user_id, fallback))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(pending)

    async def _fetch(self, team: str, user_id: str, fallback: str) -> SlackUser:
        client = await self.port.client_for(team)
        ttl = self.ttl
        try:
            user = (await client.users_info(user=user_id))["user"]
            profile = user.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                    or user.get("name") or fallback or user_id)
            is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except (*LOOKUP_ERRORS, KeyError, TypeError) as exc:
            log.warning("users.info for %s failed (%s); using the name Slack sent", user_id, error_of(exc))
            name, is_admin, ttl = fallback or user_id, False, FAILED_LOOKUP_TTL
        found = SlackUser(name, is_admin, await self._roles(client, team, user_id))
        self._users[(team, user_id)] = (self.clock.now() + timedelta(seconds=ttl), found)
        return found

    async def _roles(self, client: AsyncWebClient, team: str, user_id: str) -> tuple[str, ...]:
        """The user groups (ids, handles, names) the user belongs to; none without `usergroups:read`."""
        hit = self._groups.get(team)
        if hit is None or hit[0] <= self.clock.now():
            members: dict[str, list[str]] = {}
            try:
                response = await client.usergroups_list(include_users=True)
                for group in response.get("usergroups") or []:
                    names = [n for n in (group.get("id"), group.get("handle"), group.get("name")) if n]
                    for member in group.get("users") or []:
                        members.setdefault(member, []).extend(names)
            except LOOKUP_ERRORS as exc:
                log.info("no user groups for %s (%s)", team, error_of(exc))
            hit = (self.clock.now() + timedelta(seconds=self.ttl), {k: tuple(v) for k, v in members.items()})
            self._groups[team] = hit
        return hit[1].get(user_id, ())


def error_of(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__
