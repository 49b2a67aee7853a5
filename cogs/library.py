"""The library in `prompts/`: `/motions [id]`, `/formats` and `/help [command]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot


class Library(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @options.command("motions", guild_only=False)
    async def motions(self, interaction: discord.Interaction, id: str | None = None) -> None:
        await self.bot.answer(interaction, convert.command("motions", id=id), public=True)

    @motions.autocomplete("id")
    async def motion_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.motions(self.bot.core, current, convert.language(interaction.locale))

    @options.command("formats", guild_only=False)
    async def formats(self, interaction: discord.Interaction) -> None:
        await self.bot.answer(interaction, convert.command("formats"), public=True)

    @options.command("help", guild_only=False)
    @app_commands.choices(command=options.HELP_CHOICES)
    async def help(self, interaction: discord.Interaction, command: app_commands.Choice[str] | None = None) -> None:
        await self.bot.answer(interaction, convert.command("help", command=command))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Library(bot))
