"""`python -m bot` with DISCORD_TOKEN set: the Discord side of the process.

`prepare` registers the port on the core at once and logs the bot in as one of the core's
starters, so that whatever the core posts while starting (deadlines missed while the bot was
down) already reaches Discord; the coroutine it returns connects to the gateway and runs until
the process ends.

With DISCORD_SHARD_COUNT the process runs the shards DISCORD_SHARDS (all of them if unset) as
one `ShardedDebateBot`; without it, one `DebateBot` on one connection, as Discord asks of a bot
in fewer than 2,500 servers. The process that runs shard 0 syncs the slash commands, so several
processes do not all overwrite the same commands at every start.

What stops the start (a refused token, a server the bot is not in, no way to reach Discord) is a
`SettingsError` whose message is the one line `python -m bot` prints, naming the setting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.bot import DebateBot, ShardedDebateBot
from bot.core.service import Core
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)


def prepare(core: Core, settings: Settings, **bot_options: Any) -> Coroutine[Any, Any, None]:
    """Register the Discord port on `core`; return the coroutine that runs the bot.

    `bot_options` go to the discord.py client (tests pass a short `guild_ready_timeout`).
    """
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    token = settings.discord_token.get_secret_value()
    bot = make_bot(core, settings, **bot_options)
    count_rate_limits(core)

    async def login() -> None:
        try:
            await bot.login(token)  # also syncs the slash commands (setup_hook)
        except BaseException as exc:
            await bot.close()
            problem = start_problem(exc, settings)
            if problem is None:
                raise
            raise SettingsError(problem) from None

    core.attach(bot.port, start=login)
    return run(bot)


class RateLimitCounter(logging.Handler):
    """discord.py waits out a 429 by itself and says so only in its log (`discord.http`): each
    such warning is one 429 for GET /metrics."""

    def __init__(self, core: Core) -> None:
        super().__init__(logging.WARNING)
        self.core = core

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("We are being rate limited"):  # the global one says so too
            self.core.metrics.rate_limited("discord")


def count_rate_limits(core: Core) -> None:
    http_log = logging.getLogger("discord.http")
    for old in [h for h in http_log.handlers if isinstance(h, RateLimitCounter)]:  # an earlier core's
        http_log.removeHandler(old)
    http_log.addHandler(RateLimitCounter(core))
    if http_log.getEffectiveLevel() > logging.WARNING:  # a quieter BOT_LOG_LEVEL still counts them
        http_log.setLevel(logging.WARNING)


def start_problem(exc: BaseException, settings: Settings) -> str | None:
    """What a failed login says to the operator in one line, naming the setting; None for a
    failure that is not about the settings or the connection (a bug: its traceback is wanted)."""
    if isinstance(exc, discord.LoginFailure):
        return ("Discord refused DISCORD_TOKEN: copy the token again from the Developer Portal "
                "(Bot → Reset Token)")
    if isinstance(exc, discord.Forbidden) and settings.discord_guild_id is not None:
        return (f"DISCORD_GUILD_ID={settings.discord_guild_id}: the bot is not in that server, so it cannot add "
                "its commands there (invite it with the applications.commands scope, or leave DISCORD_GUILD_ID unset)")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return (f"DISCORD_TOKEN is set, but Discord cannot be reached at {exc.host}:{exc.port}: "
                f"{_reason(exc.os_error)} (is this computer online? a firewall or proxy in the way?)")
    if isinstance(exc, OSError | aiohttp.ClientError | asyncio.TimeoutError):
        return f"DISCORD_TOKEN is set, but Discord cannot be reached: {_reason(exc)} (is this computer online?)"
    if isinstance(exc, discord.DiscordServerError):
        return f"DISCORD_TOKEN is set, but Discord answered {exc.status} ({exc.text or 'server error'}): try again later"
    return None


def _reason(exc: BaseException) -> str:
    """An OS error as words: `connection refused`, `Name or service not known`."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, asyncio.TimeoutError):
        return "no answer in time"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(text.split())


def make_bot(core: Core, settings: Settings, **bot_options: Any) -> DebateBot | ShardedDebateBot:
    """The bot the settings ask for: sharded when DISCORD_SHARD_COUNT is set, else one connection."""
    shard_ids = settings.discord_shard_ids
    if shard_ids is None:
        return DebateBot(core, guild_id=settings.discord_guild_id, **bot_options)
    log.info("running Discord shards %s of %s", shard_ids, settings.discord_shard_count)
    return ShardedDebateBot(core, guild_id=settings.discord_guild_id, sync_commands=0 in shard_ids,
                            shard_ids=shard_ids, shard_count=settings.discord_shard_count, **bot_options)


async def run(bot: DebateBot | ShardedDebateBot) -> None:
    try:
        await bot.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        raise SettingsError("Discord refused the Message Content intent for DISCORD_TOKEN's bot: turn it on in "
                            "the Developer Portal (Bot → Privileged Gateway Intents), then start again") from None
    finally:
        if not bot.is_closed():
            await bot.close()
