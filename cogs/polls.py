"""Standalone polls: `/poll create|vote|withdraw|close|results|list` (and the poll's buttons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

PollId = Annotated[int, options.number("poll", "close", "id")]
MaxChoices = Annotated[int, options.number("poll", "create", "max")]
ScreenHours = Annotated[int, options.number("poll", "screen", "hours")]


class Polls(commands.Cog):
    poll = app_commands.Group(name="poll", description=text("discord.cmd.poll"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("poll", sub, **values), public=public)

    @options.subcommand(poll, "create")
    async def create(self, interaction: discord.Interaction, question: str, options: str,
                     mode: app_commands.Choice[str] | None = None,
                     max: MaxChoices | None = None,
                     anonymous: bool | None = None, closes: str | None = None,
                     tally: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "create", question=question, options=options, mode=mode, max=max,
                       anonymous=anonymous, closes=closes, tally=tally)

    @options.subcommand(poll, "vote")
    async def vote(self, interaction: discord.Interaction, id: PollId, choices: str) -> None:
        await self.bot.answer(interaction, convert.ballot(id, choices))

    @options.subcommand(poll, "withdraw")
    async def withdraw(self, interaction: discord.Interaction, id: PollId) -> None:
        await self.run(interaction, "withdraw", id=id)

    @options.subcommand(poll, "close")
    async def close(self, interaction: discord.Interaction, id: PollId) -> None:
        await self.run(interaction, "close", id=id)

    @options.subcommand(poll, "results")
    async def results(self, interaction: discord.Interaction, id: PollId,
                      format: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "results", public=True, id=id, format=format)

    @options.subcommand(poll, "list")
    async def list(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "list", public=True)

    @options.subcommand(poll, "screen")
    async def screen(self, interaction: discord.Interaction, id: PollId,
                     hours: ScreenHours | None = None, revoke: bool | None = None) -> None:
        await self.run(interaction, "screen", id=id, hours=hours, revoke=revoke)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Polls(bot))
