"""The core's seams: everything the rules need from outside comes through one of these.

- :mod:`.clock` — the time (`Clock`); the real one is `bot.clock.SystemClock`.
- :mod:`.chat` — a chat platform (`ChatPort`); the adapters in `bot/adapters` implement it.
- :mod:`.store` — the single source of truth (`Store` and its parts); `bot/storage` implements it
  on SQLite and PostgreSQL.
- :mod:`.charts` — the result pictures (`Charts`); `bot/charts` draws them with matplotlib.
- :mod:`.prompts` — the shipped library, catalogs and word lists (`PromptFiles`);
  `bot/prompt_folder.py` reads them from a folder.
- :mod:`.metrics` — what is counted for an operator (`Metrics`); `bot/web/metrics.py` exports it.
"""

from bot.core.ports.charts import MAP_NODES, Charts, DebateChart, MapChart, MapNode, PollChart
from bot.core.ports.chat import ChatPort
from bot.core.ports.clock import Clock
from bot.core.ports.metrics import Metrics, NoMetrics
from bot.core.ports.prompts import PromptFiles
from bot.core.ports.store import (
    CHANNEL_GENERATION,
    ClaimStorage,
    InstallationStorage,
    ModerationStorage,
    PollStorage,
    ScreenStorage,
    StaleDebate,
    Store,
)

__all__ = [
    "CHANNEL_GENERATION",
    "MAP_NODES",
    "Charts",
    "ChatPort",
    "ClaimStorage",
    "Clock",
    "DebateChart",
    "InstallationStorage",
    "MapChart",
    "MapNode",
    "Metrics",
    "ModerationStorage",
    "NoMetrics",
    "PollChart",
    "PollStorage",
    "PromptFiles",
    "ScreenStorage",
    "StaleDebate",
    "Store",
]
