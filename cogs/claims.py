"""Argument maps: `/claim pro|con|edit|remove|move|rate|reveal|map` (and the 0–4 buttons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert
from bot.adapters.discord.texts import text
from bot.core.claims import MAX_IMPACT, MIN_IMPACT
from bot.core.commands import MAX_NUMBER

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

ClaimId = app_commands.Range[int, 1, MAX_NUMBER]
ParentId = app_commands.Range[int, 0, MAX_NUMBER]
Impact = app_commands.Range[int, MIN_IMPACT, MAX_IMPACT]
Positive = app_commands.Range[int, 1, 1000]


class Claims(commands.Cog):
    claim = app_commands.Group(name="claim", description=text("discord.cmd.claim"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, claim: str = "",
                  **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("claim", sub, text=claim, **values), public=public)

    @claim.command(name="pro", description=text("discord.cmd.claim_pro"))
    @app_commands.describe(claim=text("discord.opt.claim_text"), parent=text("discord.opt.parent"))
    async def pro(self, interaction: discord.Interaction, claim: str, parent: ParentId | None = None) -> None:
        await self.run(interaction, "pro", claim=claim, parent=parent)

    @claim.command(name="con", description=text("discord.cmd.claim_con"))
    @app_commands.describe(claim=text("discord.opt.claim_text"), parent=text("discord.opt.parent"))
    async def con(self, interaction: discord.Interaction, claim: str, parent: ParentId | None = None) -> None:
        await self.run(interaction, "con", claim=claim, parent=parent)

    @claim.command(name="edit", description=text("discord.cmd.claim_edit"))
    @app_commands.describe(id=text("discord.opt.claim_id"), claim=text("discord.opt.claim_text"))
    async def edit(self, interaction: discord.Interaction, id: ClaimId, claim: str) -> None:
        await self.run(interaction, "edit", claim=claim, id=id)

    @claim.command(name="remove", description=text("discord.cmd.claim_remove"))
    @app_commands.describe(id=text("discord.opt.claim_id"))
    async def remove(self, interaction: discord.Interaction, id: ClaimId) -> None:
        await self.run(interaction, "remove", id=id)

    @claim.command(name="move", description=text("discord.cmd.claim_move"))
    @app_commands.describe(id=text("discord.opt.claim_id"), parent=text("discord.opt.parent"))
    async def move(self, interaction: discord.Interaction, id: ClaimId, parent: ParentId) -> None:
        await self.run(interaction, "move", id=id, parent=parent)

    @claim.command(name="rate", description=text("discord.cmd.claim_rate"))
    @app_commands.describe(id=text("discord.opt.claim_id"), impact=text("discord.opt.impact"))
    async def rate(self, interaction: discord.Interaction, id: ClaimId, impact: Impact) -> None:
        await self.run(interaction, "rate", id=id, impact=impact)

    @claim.command(name="reveal", description=text("discord.cmd.claim_reveal"))
    async def reveal(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "reveal")

    @claim.command(name="map", description=text("discord.cmd.claim_map"))
    @app_commands.describe(id=text("discord.opt.map_root"), depth=text("discord.opt.depth"),
                           page=text("discord.opt.page"), picture=text("discord.opt.picture"))
    async def map(self, interaction: discord.Interaction, id: ClaimId | None = None, depth: Positive | None = None,
                  page: Positive | None = None, picture: bool | None = None) -> None:
        await self.run(interaction, "map", public=True, id=id, depth=depth, page=page, picture=picture)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Claims(bot))
