"""ScreenService: `/debate screen` and `/poll screen` hand a moderator the link of a classroom
screen (a read-only live page the bot serves, see `bot/web/screen_site.py`), or revoke them all.

The links themselves are `bot.core.screens.tokens`; this service knows where the bot's web pages
are (`link_base`, None when the process serves none) and the generation of each target's links.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.debates.model import AuditEntry, ChannelRef
from bot.core.debates.service import DebateService
from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.command_specs import DebateScreen, PollScreen
from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.kernel.timefmt import clock_time
from bot.core.polls.service import PollService
from bot.core.screens.tokens import ScreenLink, make_token
from bot.core.service import Core

# How long a generation read from the store is trusted: a revocation in this process counts at
# once; one made by another process (on PostgreSQL) within this many seconds.
GENERATION_SECONDS = 5.0


class ScreenService:
    def __init__(self, core: Core, debates: DebateService, polls: PollService,
                 link_base: Callable[[], str] | None = None) -> None:
        self.core = core
        self.debates = debates
        self.polls = polls
        self.link_base = link_base
        self._generations: dict[tuple[str, int], tuple[int, datetime]] = {}  # -> (generation, read at)

    def routes(self) -> list[Route]:
        return [Route("debate", "screen", self.cmd_debate_screen), Route("poll", "screen", self.cmd_poll_screen)]

    # --- what the web pages ask ---

    async def generation(self, kind: str, target: int) -> int:
        """The generation a link of (kind, target) must carry to be valid now."""
        known = self._generations.get((kind, target))
        now = self.core.clock.now()
        if known is not None and (now - known[1]).total_seconds() < GENERATION_SECONDS:
            return known[0]
        value = await self.core.store.screens.link_generation(kind, target)
        self._generations[(kind, target)] = (value, now)
        return value

    def url(self, token: str) -> str:
        if self.link_base is None:
            raise LookupError("this process serves no web pages")
        return f"{self.link_base()}/screen/{token}"

    # --- commands ---

    async def cmd_debate_screen(self, req: Request) -> list[Reply]:
        """`/debate screen [hours:N] [tally:live]`: a link to this debate's classroom screen;
        `revoke:yes`: every link of it stops working."""
        d = await self.debates.latest(req)
        asked = req.cmd.read(DebateScreen)
        if asked.revoke:
            return [await self._revoke(req, "debate", d.id, d.space, d.language, f"debate:{d.id}", d.id)]
        link = await self._link("debate", d.id, asked.hours, tally_live=asked.tally == "live")
        return [self._link_reply(d.language, d.space, link, "screen.link_debate")]

    async def cmd_poll_screen(self, req: Request) -> list[Reply]:
        """`/poll screen id:N [hours:N]`: a link to the poll's classroom screen (its tally shows
        as the poll's own `tally:` says); `revoke:yes`: every link of it stops working."""
        asked = req.cmd.read(PollScreen)
        pid = asked.id
        p = self.polls.open_poll(pid) or await self.core.store.polls.load(pid)
        where = req.channel
        if p is None or (p.channel.platform, p.channel.workspace) != (where.platform, where.workspace):
            raise RuleError("poll.error.unknown", "usage.poll.list", id=pid)
        if asked.revoke:
            return [await self._revoke(req, "poll", p.id, p.channel, p.language, f"poll:{p.id}", None)]
        link = await self._link("poll", p.id, asked.hours)
        return [self._link_reply(p.language, p.channel, link, "screen.link_poll")]

    async def _link(self, kind: str, target: int, hours: int, tally_live: bool = False) -> ScreenLink:
        """A link for `hours` (the spec holds it to 1-MAX_HOURS)."""
        if self.link_base is None:
            raise RuleError("screen.error.no_web")
        expires = self.core.clock.now() + timedelta(hours=hours)
        return ScreenLink(kind, target, await self.generation(kind, target), expires, tally_live)

    def _link_reply(self, lang: str, place: ChannelRef, link: ScreenLink, key: str) -> Reply:
        url = self.url(make_token(self.core.secret, link))
        until = clock_time(link.expires, self.core.zone_known(place))
        body = self.core.t(lang, key, id=link.target, url=url, until=until)
        command = "/debate screen revoke:yes" if link.kind == "debate" else f"/poll screen id:{link.target} revoke:yes"
        revoke = self.core.t(lang, "screen.revoke_hint", command=command)
        return Reply(Card("notice", body=f"{body}\n{revoke}"))

    async def _revoke(self, req: Request, kind: str, target: int, place: ChannelRef, lang: str, what: str,
                      debate_id: int | None) -> Reply:
        now = self.core.clock.now()
        value = await self.core.store.screens.revoke_links(kind, target, now)
        self._generations[(kind, target)] = (value, now)
        await self.core.audit(AuditEntry(platform=place.platform, workspace=place.workspace, at=now,
                                         actor=req.actor.user_id, action="screen.revoke", target=what,
                                         debate_id=debate_id))
        return Reply(Card("notice", body=self.core.t(lang, f"screen.revoked_{kind}", id=target)))
