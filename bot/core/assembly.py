"""What `bot.app.assemble` hands the core: the services, the handler table, the pipeline, and
each service's part in the core's life cycle (`Assembly`), in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core.kernel.pipeline import Pipeline, Router
from bot.core.kernel.scheduler import Timed

if TYPE_CHECKING:  # the services build on the core, which imports this module
    from bot.core.claims.service import ClaimService
    from bot.core.debates.service import DebateService
    from bot.core.moderation.service import ModerationService
    from bot.core.polls.service import PollService
    from bot.core.screens.service import ScreenService


Step = Callable[[], Awaitable[None]]  # one step of the life cycle: a load, a shutdown, a sync


@dataclass(frozen=True)
class Assembly:
    """Everything `bot.app.assemble` builds for one core: the services, the handler table, the
    pipeline around every command, and each service's part in the core's life cycle, in order."""

    debates: DebateService
    polls: PollService
    moderation: ModerationService
    screens: ScreenService
    claims: ClaimService
    router: Router
    pipeline: Pipeline
    timed: tuple[Timed, ...] = ()  # deadlines: the scheduler asks each for its next one
    starters: tuple[Step, ...] = ()  # `start`, in order: take the stored state back
    deliverers: tuple[Step, ...] = ()  # then post what a crash left owed
    stoppers: tuple[Step, ...] = ()  # `stop`, in order: what the services wrote first, the store last
    syncers: tuple[Step, ...] = ()  # on a shared store: follow the others' changes, in order
    refreshers: Mapping[str, Step] = field(default_factory=dict)  # a store generation -> its reload
