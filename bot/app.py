"""Assembly: one core with its services, on one store, for every adapter in the process."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path

from bot.core.claim_service import ClaimService
from bot.core.debates import DebateService
from bot.core.i18n import Catalog
from bot.core.library import PROMPTS_DIR, load_library
from bot.core.moderation_service import ModerationService
from bot.core.polls import PollService
from bot.core.ports import ChatPort, Clock, Metrics, Store, SystemClock
from bot.core.screens import ScreenService
from bot.core.service import Core
from bot.storage import open_store


async def build_core(
    database: str | Path | Store,
    ports: dict[str, ChatPort],
    *,
    clock: Clock | None = None,
    secret: bytes | None = None,
    prompts: Path = PROMPTS_DIR,
    timezone: tzinfo = UTC,
    metrics: Metrics | None = None,
    screen_url: Callable[[], str] | None = None,
) -> Core:
    """Open the store (or take the one given) and wire every service; call `await core.start()`
    once the ports are ready. `timezone` is where times are shown unless a channel chose its own;
    `screen_url` gives the base URL of the bot's web pages for the classroom screen's links (None:
    this process serves none, and `/debate screen` says so)."""
    library = load_library(prompts)  # refuse a broken library before anything is opened
    catalog = Catalog.load(prompts / "locales")
    store = await open_store(database) if isinstance(database, str | Path) else database
    core = Core(
        store=store,
        ports=ports,
        clock=clock or SystemClock(),
        library=library,
        catalog=catalog,
        secret=secret if secret is not None else secrets.token_bytes(32),  # no key given: a fresh one
        timezone=timezone,  # BOT_TIMEZONE
        metrics=metrics,  # GET /metrics, when the web listener is on
    )
    core.debates = DebateService(core)
    core.moderation = ModerationService(core, prompts=prompts)
    core.polls = PollService(core)
    core.screens = ScreenService(core, screen_url)
    core.claims = ClaimService(core)
    core.stoppers += [core.audit_writer.stop, store.close]  # last: what the services wrote on the way out
    return core
