"""Moderation: `/mod …` and moderated discussions `/discuss …` (moderators only).

Both groups carry Manage Messages as their default member permission; a server admin can
open them to other roles under Server Settings → Integrations. The core checks again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

MODERATORS = discord.Permissions(manage_messages=True)
QuestionId = options.number("mod", "approve", "id")
MuteMinutes = options.number("mod", "mute", "minutes")
SlowmodeSeconds = options.number("mod", "slowmode", "seconds")
LogLimit = options.number("mod", "log", "limit")


class Moderation(commands.Cog):
    mod = app_commands.Group(name="mod", description=text("discord.cmd.mod"), guild_only=True,
                             default_permissions=MODERATORS)
    discuss = app_commands.Group(name="discuss", description=text("discord.cmd.discuss"), guild_only=True,
                                 default_permissions=MODERATORS)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, name: str, sub: str, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command(name, sub, **values))

    @mod.command(name="warn", description=text("discord.cmd.mod_warn"))
    @app_commands.describe(user=text("discord.opt.user"), reason=text("discord.opt.reason"))
    async def warn(self, interaction: discord.Interaction, user: discord.Member, reason: str | None = None) -> None:
        await self.run(interaction, "mod", "warn", user=user, reason=reason)

    @mod.command(name="mute", description=text("discord.cmd.mod_mute"))
    @app_commands.describe(user=text("discord.opt.user"), minutes=text("discord.opt.minutes"),
                           reason=text("discord.opt.reason"))
    async def mute(self, interaction: discord.Interaction, user: discord.Member,
                   minutes: MuteMinutes | None = None,
                   reason: str | None = None) -> None:
        await self.run(interaction, "mod", "mute", user=user, minutes=minutes, reason=reason)

    @mod.command(name="unmute", description=text("discord.cmd.mod_unmute"))
    @app_commands.describe(user=text("discord.opt.user"))
    async def unmute(self, interaction: discord.Interaction, user: discord.Member) -> None:
        await self.run(interaction, "mod", "unmute", user=user)

    @mod.command(name="strikes", description=text("discord.cmd.mod_strikes"))
    @app_commands.describe(user=text("discord.opt.user"))
    async def strikes(self, interaction: discord.Interaction, user: discord.Member) -> None:
        await self.run(interaction, "mod", "strikes", user=user)

    @mod.command(name="queue", description=text("discord.cmd.mod_queue"))
    async def queue(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "mod", "queue")

    @mod.command(name="approve", description=text("discord.cmd.mod_approve"))
    @app_commands.describe(id=text("discord.opt.question_id"))
    async def approve(self, interaction: discord.Interaction, id: QuestionId) -> None:
        await self.run(interaction, "mod", "approve", id=id)

    @mod.command(name="reject", description=text("discord.cmd.mod_reject"))
    @app_commands.describe(id=text("discord.opt.question_id"), reason=text("discord.opt.reason"))
    async def reject(self, interaction: discord.Interaction, id: QuestionId, reason: str | None = None) -> None:
        await self.run(interaction, "mod", "reject", id=id, reason=reason)

    @mod.command(name="filter", description=text("discord.cmd.mod_filter"))
    @app_commands.describe(action=text("discord.opt.filter_action"), word=text("discord.opt.word"),
                           allow=text("discord.opt.allow"))
    @app_commands.choices(action=options.fixed("mod", "filter", "action"))
    async def filter(self, interaction: discord.Interaction, action: app_commands.Choice[str],
                     word: str | None = None, allow: bool | None = None) -> None:
        await self.run(interaction, "mod", "filter", action=action, word=word, allow=allow)

    @mod.command(name="slowmode", description=text("discord.cmd.mod_slowmode"))
    @app_commands.describe(seconds=text("discord.opt.slowmode_seconds"))
    async def slowmode(self, interaction: discord.Interaction,
                       seconds: SlowmodeSeconds) -> None:
        await self.run(interaction, "mod", "slowmode", seconds=seconds)

    @mod.command(name="role", description=text("discord.cmd.mod_role"))
    @app_commands.describe(role=text("discord.opt.role"), remove=text("discord.opt.remove_role"))
    async def role(self, interaction: discord.Interaction, role: discord.Role | None = None,
                   remove: bool | None = None) -> None:
        await self.run(interaction, "mod", "role", role=role, remove=remove)

    @mod.command(name="log", description=text("discord.cmd.mod_log"))
    @app_commands.describe(user=text("discord.opt.log_user"), limit=text("discord.opt.log_limit"))
    async def log(self, interaction: discord.Interaction, user: discord.Member | None = None,
                  limit: LogLimit | None = None) -> None:
        await self.run(interaction, "mod", "log", user=user, limit=limit)

    @mod.command(name="logchannel", description=text("discord.cmd.mod_logchannel"))
    @app_commands.describe(channel=text("discord.opt.log_channel"), off=text("discord.opt.log_off"))
    async def logchannel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None,
                         off: bool | None = None) -> None:
        await self.run(interaction, "mod", "logchannel", channel=channel, off=off)

    @discuss.command(name="start", description=text("discord.cmd.discuss_start"))
    @app_commands.describe(topic=text("discord.opt.topic"))
    async def discuss_start(self, interaction: discord.Interaction, topic: str) -> None:
        await self.run(interaction, "discuss", "start", topic=topic)

    @discuss.command(name="close", description=text("discord.cmd.discuss_close"))
    async def discuss_close(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "discuss", "close")


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Moderation(bot))
