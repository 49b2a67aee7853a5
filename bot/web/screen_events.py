"""The classroom screen's event stream (`text/event-stream`): one page's view of a shared board.

On connect the stream says how long to wait before reconnecting, the server's time (the page
counts down from the server's deadline, corrected by it), and the newest version of the view
unless the page has it already (`Last-Event-ID`, or `?last=` from a page that made a new
connection itself). Then each new version as it comes (the hub coalesces them), the server's time
again every HEARTBEAT_SECONDS (which also keeps proxies from closing an idle stream), and `gone`
when the link is revoked or expires. When the bot stops, the stream just ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from aiohttp import web

from bot.core.screens.tokens import ScreenLink
from bot.web.screen_hub import Board

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 1000  # how soon a page reconnects after a blip


def clock_event(now: datetime) -> bytes:
    return f"event: clock\ndata: {int(now.timestamp() * 1000)}\n\n".encode()


async def stream(request: web.Request, board: Board, link: ScreenLink, now: Callable[[], datetime],
                 headers: Mapping[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream; charset=utf-8",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    sent = request.headers.get("Last-Event-ID") or request.query.get("last", "")
    board.watch()
    try:
        await response.write(f"retry: {RETRY_MS}\n\n".encode() + clock_event(now()))
        while True:
            if board.closed:  # the bot is stopping: the page reconnects to the next one
                break
            if board.generation != link.generation or link.expires <= now():
                await response.write(b"event: gone\ndata: \n\n")
                break
            if board.event_id != sent:
                sent = board.event_id
                await response.write(clock_event(now()) + board.event(link.tally_live))
            elif not await board.wait(HEARTBEAT_SECONDS):
                await response.write(clock_event(now()))
    except (ConnectionResetError, ConnectionError):
        log.debug("a screen of %s %s went away", board.kind, board.target)
    finally:
        board.unwatch()
    return response
