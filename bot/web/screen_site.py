"""The classroom screen's routes: `GET /screen/{token}` (the page) and `GET /screen/{token}/events`
(its event stream). Only GET (and HEAD for the page) is routed; any other method is a 405.

Each request checks its token (signature in constant time, expiry, and the generation a
revocation counted up): a link that grants nothing gets a plain 403 page in the language of the
debate or poll it names, or else the browser's.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.screens.tokens import BadLink, ScreenLink, check_token, claimed_target
from bot.core.service import Core
from bot.prompt_folder import PROMPTS_DIR
from bot.web.screen_events import stream
from bot.web.screen_hub import Board, ScreenHub
from bot.web.screen_page import ScreenPages
from bot.web.screen_state import public


class ScreenSite:
    def __init__(self, core: Core, hub: ScreenHub | None = None, pages: ScreenPages | None = None) -> None:
        self.core = core
        self.hub = hub or ScreenHub(core)
        self.pages = pages or ScreenPages(PROMPTS_DIR / "screen", core.catalog)

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/screen/{token}", self.page)
        app.router.add_get("/screen/{token}/events", self.events, allow_head=False)  # a stream has no head
        app.on_shutdown.append(self._close)

    async def _close(self, app: web.Application) -> None:
        await self.hub.close()

    async def page(self, request: web.Request) -> web.StreamResponse:
        granted = await self._grant(request)
        if isinstance(granted, web.Response):
            return granted
        link, board = granted
        assert board.view is not None
        url = str(request.url.with_query(None))
        if self.core.screens.link_base is not None:
            url = self.core.screens.url(request.match_info["token"])  # the link as handed out (BOT_PUBLIC_URL)
        body = self.pages.render(public(board.view, link.tally_live), url, board.event_id,
                                 int(self.core.clock.now().timestamp() * 1000))
        return web.Response(text=body, content_type="text/html", charset="utf-8", headers=self.pages.headers)

    async def events(self, request: web.Request) -> web.StreamResponse:
        granted = await self._grant(request)
        if isinstance(granted, web.Response):
            return granted
        link, board = granted
        return await stream(request, board, link, self.core.clock.now, self.pages.headers)

    async def _grant(self, request: web.Request) -> tuple[ScreenLink, Board] | web.Response:
        token = request.match_info["token"]
        try:
            link = check_token(self.core.secret, token, self.core.clock.now())
            if link.generation != await self.core.screens.generation(link.kind, link.target):
                raise BadLink("revoked", link.kind, link.target)
            board = await self.hub.board(link.kind, link.target)
            if board is None:
                raise BadLink("revoked", link.kind, link.target)
        except BadLink as refused:
            return await self._refuse(request, refused.reason, token)
        return link, board

    async def _refuse(self, request: web.Request, reason: str, token: str) -> web.Response:
        lang = await self._language(request, token)
        return web.Response(status=403, text=self.pages.refusal(lang, reason), content_type="text/html",
                            charset="utf-8", headers=self.pages.headers)

    async def _language(self, request: web.Request, token: str) -> str:
        """The language of the debate or poll a refused link names; else the browser's first."""
        claimed = claimed_target(token)
        if claimed is not None:
            kind, target = claimed
            source = self.core.debates.debates.get(target) if kind == "debate" else self.core.polls.open_poll(target)
            if source is None:
                source = await (self.core.store.load_debate(target) if kind == "debate"
                                else self.core.store.polls.load(target))
            if source is not None:
                return source.language
        wanted = request.headers.get("Accept-Language", "")
        return "ja" if wanted.strip().lower().startswith("ja") else "en"
