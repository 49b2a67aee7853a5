"""Standalone polls: `/poll create|vote|withdraw|close|results|list` (and the poll's buttons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

PollId = options.number("poll", "close", "id")
MaxChoices = options.number("poll", "create", "max")


class Polls(commands.Cog):
    poll = app_commands.Group(name="poll", description=text("discord.cmd.poll"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("poll", sub, **values), public=public)

    @poll.command(name="create", description=text("discord.cmd.poll_create"))
    @app_commands.describe(question=text("discord.opt.poll_question"), options=text("discord.opt.poll_options"),
                           mode=text("discord.opt.poll_mode"), max=text("discord.opt.poll_max"),
                           anonymous=text("discord.opt.poll_anonymous"), closes=text("discord.opt.poll_closes"),
                           tally=text("discord.opt.poll_tally"))
    @app_commands.choices(mode=options.fixed("poll", "create", "mode"), tally=options.fixed("poll", "create", "tally"))
    async def create(self, interaction: discord.Interaction, question: str, options: str,
                     mode: app_commands.Choice[str] | None = None,
                     max: MaxChoices | None = None,
                     anonymous: bool | None = None, closes: str | None = None,
                     tally: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "create", question=question, options=options, mode=mode, max=max,
                       anonymous=anonymous, closes=closes, tally=tally)

    @poll.command(name="vote", description=text("discord.cmd.poll_vote"))
    @app_commands.describe(id=text("discord.opt.poll_id"), choices=text("discord.opt.poll_choices"))
    async def vote(self, interaction: discord.Interaction, id: PollId, choices: str) -> None:
        await self.bot.answer(interaction, convert.ballot(id, choices))

    @poll.command(name="withdraw", description=text("discord.cmd.poll_withdraw"))
    @app_commands.describe(id=text("discord.opt.poll_id"))
    async def withdraw(self, interaction: discord.Interaction, id: PollId) -> None:
        await self.run(interaction, "withdraw", id=id)

    @poll.command(name="close", description=text("discord.cmd.poll_close"))
    @app_commands.describe(id=text("discord.opt.poll_id"))
    async def close(self, interaction: discord.Interaction, id: PollId) -> None:
        await self.run(interaction, "close", id=id)

    @poll.command(name="results", description=text("discord.cmd.poll_results"))
    @app_commands.describe(id=text("discord.opt.poll_id"), format=text("discord.opt.poll_format"))
    @app_commands.choices(format=options.fixed("poll", "results", "format"))
    async def results(self, interaction: discord.Interaction, id: PollId,
                      format: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "results", public=True, id=id, format=format)

    @poll.command(name="list", description=text("discord.cmd.poll_list"))
    async def list(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "list", public=True)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Polls(bot))
