"""`GET /healthz`: 200 while the store answers and every platform is connected, else 503.

The body is one line per check, `ok` or the reason, so an operator reading `curl` output (or a
container runtime's health log) sees what is wrong without the bot's log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.core.ports import Store

# A platform's check: None while it is connected, otherwise the reason in a few words.
PlatformCheck = Callable[[], str | None]



@runtime_checkable
class ReportsHealth(Protocol):
    """A chat port that can say whether it is connected (the console has nothing to lose)."""

    def health(self) -> str | None: ...


def platform_checks(ports: Mapping[str, object]) -> dict[str, PlatformCheck]:
    """The check of every port that reports its connection, by platform name."""
    return {name: port.health for name, port in ports.items() if isinstance(port, ReportsHealth)}


STORE_TIMEOUT = 5.0  # seconds the store has to answer before the check counts it as down


class Health:
    def __init__(self, store: Store, platforms: Mapping[str, PlatformCheck] | None = None,
                 stopping: Callable[[], bool] = lambda: False) -> None:
        self.store = store
        self.platforms: dict[str, PlatformCheck] = dict(platforms or {})
        self.stopping = stopping  # a stop is draining the process: send new work elsewhere

    async def problems(self) -> list[str]:
        """What is wrong, one line each; empty when all is well."""
        found = ["bot: stopping"] if self.stopping() else []
        reason = await self._store_reason(self.store.generations)
        if reason:
            found.append(f"store: {reason}")
        for name, check in sorted(self.platforms.items()):
            reason = check()
            if reason:
                found.append(f"{name}: {reason}")
        return found

    @staticmethod
    async def _store_reason(read: Callable[[], Awaitable[object]]) -> str | None:
        try:
            await asyncio.wait_for(read(), STORE_TIMEOUT)
        except TimeoutError:
            return f"no answer within {STORE_TIMEOUT:g} s"
        except Exception as exc:  # any failure of the store is the answer, never a 500
            return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None

    async def handle(self, request: web.Request) -> web.Response:
        found = await self.problems()
        if found:
            return web.Response(status=503, text="\n".join(found) + "\n")
        names = ["store", *sorted(self.platforms)]
        return web.Response(text="".join(f"{name}: ok\n" for name in names))

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.handle)
