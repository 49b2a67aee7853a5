"""Moderation: `/mod …` and moderated discussions `/discuss …` (moderators only).

Both groups carry Manage Messages as their default member permission; a server admin can
open them to other roles under Server Settings → Integrations. The core checks again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

MODERATORS = discord.Permissions(manage_messages=True)
QuestionId = Annotated[int, options.number("mod", "approve", "id")]
MuteMinutes = Annotated[int, options.number("mod", "mute", "minutes")]
SlowmodeSeconds = Annotated[int, options.number("mod", "slowmode", "seconds")]
LogLimit = Annotated[int, options.number("mod", "log", "limit")]


class Moderation(commands.Cog):
    mod = app_commands.Group(name="mod", description=text("discord.cmd.mod"), guild_only=True,
                             default_permissions=MODERATORS)
    discuss = app_commands.Group(name="discuss", description=text("discord.cmd.discuss"), guild_only=True,
                                 default_permissions=MODERATORS)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, name: str, sub: str, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command(name, sub, **values))

    @options.subcommand(mod, "warn")
    async def warn(self, interaction: discord.Interaction, user: discord.Member, reason: str | None = None) -> None:
        await self.run(interaction, "mod", "warn", user=user, reason=reason)

    @options.subcommand(mod, "mute")
    async def mute(self, interaction: discord.Interaction, user: discord.Member,
                   minutes: MuteMinutes | None = None,
                   reason: str | None = None) -> None:
        await self.run(interaction, "mod", "mute", user=user, minutes=minutes, reason=reason)

    @options.subcommand(mod, "unmute")
    async def unmute(self, interaction: discord.Interaction, user: discord.Member) -> None:
        await self.run(interaction, "mod", "unmute", user=user)

    @options.subcommand(mod, "strikes")
    async def strikes(self, interaction: discord.Interaction, user: discord.Member) -> None:
        await self.run(interaction, "mod", "strikes", user=user)

    @options.subcommand(mod, "queue")
    async def queue(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "mod", "queue")

    @options.subcommand(mod, "approve")
    async def approve(self, interaction: discord.Interaction, id: QuestionId) -> None:
        await self.run(interaction, "mod", "approve", id=id)

    @options.subcommand(mod, "reject")
    async def reject(self, interaction: discord.Interaction, id: QuestionId, reason: str | None = None) -> None:
        await self.run(interaction, "mod", "reject", id=id, reason=reason)

    @options.subcommand(mod, "filter")
    async def filter(self, interaction: discord.Interaction, action: app_commands.Choice[str],
                     word: str | None = None, allow: bool | None = None) -> None:
        await self.run(interaction, "mod", "filter", action=action, word=word, allow=allow)

    @options.subcommand(mod, "slowmode")
    async def slowmode(self, interaction: discord.Interaction,
                       seconds: SlowmodeSeconds) -> None:
        await self.run(interaction, "mod", "slowmode", seconds=seconds)

    @options.subcommand(mod, "role")
    async def role(self, interaction: discord.Interaction, role: discord.Role | None = None,
                   remove: bool | None = None) -> None:
        await self.run(interaction, "mod", "role", role=role, remove=remove)

    @options.subcommand(mod, "log")
    async def log(self, interaction: discord.Interaction, user: discord.Member | None = None,
                  limit: LogLimit | None = None) -> None:
        await self.run(interaction, "mod", "log", user=user, limit=limit)

    @options.subcommand(mod, "logchannel")
    async def logchannel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None,
                         off: bool | None = None) -> None:
        await self.run(interaction, "mod", "logchannel", channel=channel, off=off)

    @options.subcommand(discuss, "start")
    async def discuss_start(self, interaction: discord.Interaction, topic: str) -> None:
        await self.run(interaction, "discuss", "start", topic=topic)

    @options.subcommand(discuss, "close")
    async def discuss_close(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "discuss", "close")

    @options.subcommand(discuss, "export")
    async def discuss_export(self, interaction: discord.Interaction,
                             format: app_commands.Choice[str] | None = None) -> None:
        await self.bot.answer(interaction, convert.command("discuss", "export", format=format), public=True)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Moderation(bot))
