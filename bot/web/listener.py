"""One aiohttp server per process for every HTTP route the bot serves.

Routes are added to `app.router` before `start()`. Port 0 binds any free port; `start()` returns
the base URL it bound, which is also what `public_url` gives unless BOT_PUBLIC_URL says otherwise.
"""

from __future__ import annotations

import errno

from aiohttp import web


class WebListenerError(Exception):
    """The listener could not bind: the message is one line that names the setting to change."""


class WebListener:
    def __init__(self, host: str, port: int, public_url: str | None = None) -> None:
        self.host = host
        self.port = port
        self.app = web.Application()
        self._public_url = public_url.rstrip("/") if public_url else None
        self._bound: str | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        # access_log None: a health check every few seconds must not fill the log
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror or exc})"
            raise WebListenerError(
                f"BOT_WEB_PORT={self.port} on BOT_WEB_HOST={self.host} {reason}: "
                "choose another port, or 0 for any free one") from None
        self._runner = runner
        port = runner.addresses[0][1]  # the port bound, when port 0 asked for any free one
        self._bound = f"http://{self.host}:{port}"
        return self._bound

    @property
    def public_url(self) -> str:
        if self._public_url:
            return self._public_url
        if self._bound is None:
            raise RuntimeError("the web listener has not started")
        return self._bound

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
