"""What `bot.app` declares for the core: the handler table and what runs around a command.

A service says which commands it answers (`routes()`, a list of :class:`Route`); `bot.app`
collects them into one :class:`Router`. What every service's commands meet on their way — the
guard that may refuse an action, the observers that hear what happened, the ballot observers,
the audit trail's listeners, the refusal listeners, who counts as a moderator and which voters
are flagged — is one :class:`Pipeline`, declared once in order, as slack-bolt declares its
middleware chain. Nothing is added to either after they are made.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.debates.model import Actor, AuditEntry, ChannelRef, Debate, Stage
from bot.core.kernel.commands import SPECS
from bot.core.kernel.errors import RuleError

if TYPE_CHECKING:  # the service module imports this one
    from bot.core.kernel.cards import Reply
    from bot.core.kernel.request import Request

log = logging.getLogger(__name__)
Key = tuple[str, str | None]  # (command, subcommand)
Handler = Callable[["Request"], Awaitable["list[Reply]"]]
# A guard may refuse an action ("speak", "ask", "vote", "join") by raising RuleError:
# (action, actor, channel, debate or poll, text). For "join", text is the side asked for.
Guard = Callable[[str, Actor, ChannelRef, object, str], Awaitable[None]]
# An observer hears what happened: (event, actor or None, debate, details).
Observer = Callable[[str, "Actor | None", object, dict[str, object]], Awaitable[None]]
# A ballot observer hears every debate ballot once it is stored: (actor, debate, stage, whether it
# is the voter's first ballot at that stage, when). This is the pipeline's one synchronous stage:
# it runs on the vote path for every ballot, so it never waits; what it must store it queues.
BallotObserver = Callable[[Actor, Debate, Stage, bool, datetime], None]
AuditListener = Callable[[AuditEntry], Awaitable[None]]
RefusalListener = Callable[["Request", RuleError], Awaitable[None]]
# Says whether an actor moderates; the pipeline asks each in order and the first yes settles it.
ModeratorCheck = Callable[[Actor], Awaitable[bool]]
# The voter keys moderation flags in a debate (`/debate results flagged:exclude`).
FlaggedVoters = Callable[[object], Awaitable[set[str]]]


@dataclass(frozen=True)
class Route:
    """One command a service answers. A route with `when` answers only the requests it accepts
    (a speech in a discussion thread, say); the router tries those, in the order declared, before
    the command's plain route."""

    name: str
    sub: str | None
    handler: Handler
    when: Callable[[Request], bool] | None = None

    @property
    def key(self) -> Key:
        return self.name, self.sub


class Router:
    """The handler table: each command of `bot.core.kernel.commands` to the service that answers it."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._plain: dict[Key, Handler] = {}
        self._special: dict[Key, list[Route]] = {}
        for route in routes:
            if route.key not in SPECS:
                raise KeyError(f"no command {route.name} {route.sub}")
            if route.when is not None:
                self._special.setdefault(route.key, []).append(route)
            elif route.key in self._plain:
                raise ValueError(f"two handlers for {route.name} {route.sub}")
            else:
                self._plain[route.key] = route.handler

    def __contains__(self, key: Key) -> bool:
        return key in self._plain or key in self._special

    def find(self, request: Request, key: Key) -> Handler | None:
        """The handler for `request` (its command is `key`), or None when nothing answers it."""
        for route in self._special.get(key, ()):
            if route.when is not None and route.when(request):
                return route.handler
        return self._plain.get(key)


async def platform_admin(actor: Actor) -> bool:
    """The platform's own word: a server admin (Discord), a console name in BOT_MODERATORS."""
    return actor.is_admin


async def nobody_flagged(debate: object) -> set[str]:
    return set()


@dataclass(frozen=True)
class Pipeline:
    """What runs around a command, declared once, in order (see `bot.app.assemble`)."""

    guards: tuple[Guard, ...] = ()
    observers: tuple[Observer, ...] = ()
    ballot_observers: tuple[BallotObserver, ...] = ()
    audit_listeners: tuple[AuditListener, ...] = ()
    refusal_listeners: tuple[RefusalListener, ...] = ()
    moderator_checks: tuple[ModeratorCheck, ...] = (platform_admin,)
    flagged: FlaggedVoters = nobody_flagged

    async def guard(self, action: str, actor: Actor, channel: ChannelRef, target: object, text: str) -> None:
        """Ask every guard whether `actor` may do `action`; the first refusal wins."""
        for guard in self.guards:
            await guard(action, actor, channel, target, text)

    async def notify(self, event: str, actor: Actor | None, target: object, details: dict[str, object]) -> None:
        """Tell every observer; one that fails is logged and skipped, never stopping the others."""
        for observer in self.observers:
            try:
                await observer(event, actor, target, details)
            except Exception:
                log.exception("observer failed on %s", event)

    def ballot(self, actor: Actor, d: Debate, stage: Stage, first: bool, now: datetime) -> None:
        """Tell every ballot observer of a stored ballot; one that fails is logged and skipped."""
        for observe in self.ballot_observers:
            try:
                observe(actor, d, stage, first, now)
            except Exception:
                log.exception("a ballot observer failed")

    async def audited(self, entry: AuditEntry) -> None:
        """Hand a stored audit entry to the listeners (a moderator log channel, for one)."""
        for listener in self.audit_listeners:
            try:
                await listener(entry)
            except Exception:
                log.exception("audit listener failed")

    async def refused(self, request: Request, exc: RuleError) -> None:
        """Tell the refusal listeners a command's handler refused (moderation audits some)."""
        for listener in self.refusal_listeners:
            await listener(request, exc)

    async def is_moderator(self, actor: Actor) -> bool:
        for check in self.moderator_checks:
            if await check(actor):
                return True
        return False

    async def flagged_voters(self, debate: object) -> set[str]:
        return await self.flagged(debate)
