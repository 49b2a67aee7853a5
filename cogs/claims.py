"""Argument maps: `/claim pro|con|edit|remove|move|rate|reveal|map` (and the 0–4 buttons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

ClaimId = Annotated[int, options.number("claim", "remove", "id")]
ParentId = Annotated[int, options.number("claim", "pro", "parent")]
Impact = Annotated[int, options.number("claim", "rate", "impact")]
MapRoot = Annotated[int, options.number("claim", "map", "id")]
Depth = Annotated[int, options.number("claim", "map", "depth")]
Page = Annotated[int, options.number("claim", "map", "page")]


class Claims(commands.Cog):
    claim = app_commands.Group(name="claim", description=text("discord.cmd.claim"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, text: str = "",
                  **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("claim", sub, text=text, **values), public=public)

    @options.subcommand(claim, "pro")
    async def pro(self, interaction: discord.Interaction, text: str, parent: ParentId | None = None) -> None:
        await self.run(interaction, "pro", text=text, parent=parent)

    @options.subcommand(claim, "con")
    async def con(self, interaction: discord.Interaction, text: str, parent: ParentId | None = None) -> None:
        await self.run(interaction, "con", text=text, parent=parent)

    @options.subcommand(claim, "edit")
    async def edit(self, interaction: discord.Interaction, id: ClaimId, text: str) -> None:
        await self.run(interaction, "edit", text=text, id=id)

    @options.subcommand(claim, "remove")
    async def remove(self, interaction: discord.Interaction, id: ClaimId) -> None:
        await self.run(interaction, "remove", id=id)

    @options.subcommand(claim, "move")
    async def move(self, interaction: discord.Interaction, id: ClaimId, parent: ParentId) -> None:
        await self.run(interaction, "move", id=id, parent=parent)

    @options.subcommand(claim, "rate")
    async def rate(self, interaction: discord.Interaction, id: ClaimId, impact: Impact) -> None:
        await self.run(interaction, "rate", id=id, impact=impact)

    @options.subcommand(claim, "reveal")
    async def reveal(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "reveal")

    @options.subcommand(claim, "map")
    async def map(self, interaction: discord.Interaction, id: MapRoot | None = None, depth: Depth | None = None,
                  page: Page | None = None, picture: bool | None = None) -> None:
        await self.run(interaction, "map", public=True, id=id, depth=depth, page=page, picture=picture)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Claims(bot))
