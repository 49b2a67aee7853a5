"""Voting in a debate: `/vote pro|con|undecided` (the buttons under a live tally do the same)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot


class Voting(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @options.command("vote")
    async def vote(self, interaction: discord.Interaction, choice: app_commands.Choice[str]) -> None:
        await self.bot.answer(interaction, convert.command("vote", choice=choice))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Voting(bot))
