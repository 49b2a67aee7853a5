"""The composition root: one core with its services, on one store, for every adapter in the process.

`build_core` opens the store and makes the core; the core calls `assemble` once, and that is the
one place where services are made (each with what it needs passed in), their commands collected
into the handler table, and the pipeline around every command declared, in order. See
docs/architecture.md for where a new service goes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path

from bot.charts.renderer import MatplotlibCharts
from bot.clock import SystemClock
from bot.core.assembly import Assembly
from bot.core.claims.service import ClaimService
from bot.core.debates.service import DebateService
from bot.core.kernel.i18n import Catalog
from bot.core.kernel.pipeline import Pipeline, Router
from bot.core.library.loader import load_library
from bot.core.moderation.filter import load_default_filter
from bot.core.moderation.rules import MODERATION_GENERATION
from bot.core.moderation.service import ModerationService
from bot.core.polls.service import PollService
from bot.core.ports import Charts, ChatPort, Clock, Metrics, PromptFiles, Store
from bot.core.screens.service import ScreenService
from bot.core.service import Core
from bot.prompt_folder import PROMPTS_DIR, PromptFolder
from bot.storage import open_store

# A change to the declared pipeline before it is used (the bench detaches moderation's hooks to
# measure what they cost): given the pipeline `assemble` declares, returns the one to use.
Adjust = Callable[[Pipeline], Pipeline]
CHARTS = MatplotlibCharts()  # loads matplotlib on its first picture, not here


def assemble(core: Core, *, prompts: PromptFiles, adjust: Adjust | None = None,
             screen_url: Callable[[], str] | None = None) -> Assembly:
    """Build every service on `core` and declare how they are wired (called once, by `Core`).
    `prompts` holds the shipped word lists; `screen_url` gives the base URL of the classroom
    screen's links (None: this process serves no web pages, and `/debate screen` says so)."""
    debates = DebateService(core)
    moderation = ModerationService(core, debates, load_default_filter(prompts))
    polls = PollService(core)
    screens = ScreenService(core, debates, polls, screen_url)
    claims = ClaimService(core, debates, moderation)
    # Moderation's routes come first: its `/speak` answers in a discussion thread, and the
    # router tries such conditional routes before the plain one (debates' `/speak`).
    router = Router([*moderation.routes(), *debates.routes(), *polls.routes(), *screens.routes(),
                     *claims.routes()])
    # Moderation's parts are declared themselves, not through forwarding methods of the service.
    pipeline = Pipeline(
        guards=(moderation.checks.guard,),  # may refuse speak, ask, vote (debates and polls), join
        observers=(moderation.signals.observe,),  # join, speak, ask, end
        ballot_observers=(moderation.signals.observe_ballot,),  # every stored debate ballot
        audit_listeners=(moderation.mirror,),  # the moderator log channel
        refusal_listeners=(moderation.checks.refused,),  # refused speeches, questions, ballots are audited
        moderator_checks=(core.platform_moderator, moderation.has_moderator_role),  # the first yes wins
        flagged=moderation.signals.flagged_voters,
    )
    return Assembly(
        debates=debates,
        polls=polls,
        moderation=moderation,
        screens=screens,
        claims=claims,
        router=router,
        pipeline=adjust(pipeline) if adjust is not None else pipeline,
        timed=(debates, moderation, polls),
        starters=(debates.load, moderation.load, polls.load),
        deliverers=(debates.deliver_owed_at_start, polls.deliver_owed_at_start),
        # last: what the services wrote on their way out, then the store itself
        stoppers=(debates.shutdown, moderation.shutdown, polls.shutdown, core.audit_writer.stop, core.store.close),
        syncers=(debates.sync, polls.sync),
        refreshers={MODERATION_GENERATION: moderation.refresh},
    )


async def build_core(
    database: str | Path | Store,
    ports: dict[str, ChatPort],
    *,
    clock: Clock | None = None,
    secret: bytes | None = None,
    prompts: Path = PROMPTS_DIR,
    timezone: tzinfo = UTC,
    adjust: Adjust | None = None,
    metrics: Metrics | None = None,
    screen_url: Callable[[], str] | None = None,
    charts: Charts | None = CHARTS,
) -> Core:
    """Open the store (or take the one given) and wire every service; call `await core.start()`
    once the ports are ready. `timezone` is where times are shown unless a channel chose its own.
    `adjust` changes the declared pipeline (the bench, tests that add a guard); `metrics` counts
    for GET /metrics; `screen_url` gives the classroom screen's base URL (see `assemble`); `charts`
    draws the result pictures (None: results go out without them)."""
    files = PromptFolder(prompts)
    library = load_library(files)  # refuse a broken library before anything is opened
    catalog = Catalog.load(files)
    store = await open_store(database) if isinstance(database, str | Path) else database
    return Core(
        store=store,
        ports=ports,
        clock=clock or SystemClock(),
        library=library,
        catalog=catalog,
        assemble=lambda core: assemble(core, prompts=files, adjust=adjust, screen_url=screen_url),
        secret=secret if secret is not None else secrets.token_bytes(32),  # no key given: a fresh one
        timezone=timezone,  # BOT_TIMEZONE
        metrics=metrics,  # GET /metrics
        charts=charts,  # the result pictures
    )

