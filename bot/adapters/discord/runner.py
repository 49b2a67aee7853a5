"""`python -m bot` with DISCORD_TOKEN set: the Discord side of the process.

`prepare` registers the port on the core at once and logs the bot in as one of the core's
starters, so that whatever the core posts while starting (deadlines missed while the bot was
down) already reaches Discord; the coroutine it returns connects to the gateway and runs until
the process ends.

With DISCORD_SHARD_COUNT the process runs the shards DISCORD_SHARDS (all of them if unset) as
one `ShardedDebateBot`; without it, one `DebateBot` on one connection, as Discord asks of a bot
in fewer than 2,500 servers. The process that runs shard 0 syncs the slash commands, so several
processes do not all overwrite the same commands at every start.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

import discord

from bot.adapters.discord.bot import DebateBot, ShardedDebateBot
from bot.core.service import Core
from bot.settings import Settings

log = logging.getLogger(__name__)


def prepare(core: Core, settings: Settings, **bot_options: Any) -> Coroutine[Any, Any, None]:
    """Register the Discord port on `core`; return the coroutine that runs the bot.

    `bot_options` go to the discord.py client (tests pass a short `guild_ready_timeout`).
    """
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    token = settings.discord_token.get_secret_value()
    bot = make_bot(core, settings, **bot_options)
    core.ports[bot.port.platform] = bot.port

    async def login() -> None:
        try:
            await bot.login(token)
        except discord.LoginFailure:
            log.error("Discord refused DISCORD_TOKEN: copy the token again from the Developer Portal "
                      "(Bot → Reset Token)")
            await bot.close()
            raise

    core.starters.append(login)
    return run(bot)


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
        log.error("Discord refused the Message Content intent: turn it on for the bot in the "
                  "Developer Portal (Bot → Privileged Gateway Intents), then start again")
        raise
    finally:
        if not bot.is_closed():
            await bot.close()
