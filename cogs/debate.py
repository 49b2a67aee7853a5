"""Debates: `/debate …`, `/speak` and `/ask`. Each method converts, calls the core, renders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text
from bot.core.kernel.commands import Command

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

ExtendSeconds = Annotated[int, options.number("debate", "extend", "seconds")]
ScreenHours = Annotated[int, options.number("debate", "screen", "hours")]


class Debates(commands.Cog):
    debate = app_commands.Group(name="debate", description=text("discord.cmd.debate"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("debate", sub, **values), public=public)

    @options.subcommand(debate, "start")
    async def start(self, interaction: discord.Interaction, motion: str | None = None,
                    format: str | None = None, anonymous: bool | None = None) -> None:
        await self.run(interaction, "start", motion=motion, format=format, anonymous=anonymous)

    @start.autocomplete("motion")
    async def motion_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.motions(self.bot.core, current, convert.language(interaction.locale))

    @start.autocomplete("format")
    async def format_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.formats(self.bot.core, current, convert.language(interaction.locale))

    @options.subcommand(debate, "join")
    async def join(self, interaction: discord.Interaction, side: app_commands.Choice[str]) -> None:
        await self.run(interaction, "join", side=side)

    @options.subcommand(debate, "leave")
    async def leave(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "leave")

    @options.subcommand(debate, "next")
    async def next(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "next")

    @options.subcommand(debate, "pause")
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "pause")

    @options.subcommand(debate, "resume")
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "resume")

    @options.subcommand(debate, "extend")
    async def extend(self, interaction: discord.Interaction,
                     seconds: ExtendSeconds) -> None:
        await self.run(interaction, "extend", seconds=seconds)

    @options.subcommand(debate, "end")
    async def end(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "end")

    @options.subcommand(debate, "status")
    async def status(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "status", public=True)

    @options.subcommand(debate, "results")
    async def results(self, interaction: discord.Interaction, flagged: app_commands.Choice[str] | None = None,
                      chart: bool | None = None) -> None:
        await self.run(interaction, "results", public=True, flagged=flagged, chart=chart)

    @options.subcommand(debate, "export")
    async def export(self, interaction: discord.Interaction, format: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "export", public=True, format=format)

    @options.subcommand(debate, "language")
    async def language(self, interaction: discord.Interaction, lang: app_commands.Choice[str]) -> None:
        await self.run(interaction, "language", public=True, lang=lang)

    @options.subcommand(debate, "timezone")
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        await self.run(interaction, "timezone", public=zone is not None, zone=zone)

    @timezone.autocomplete("zone")
    async def zone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.zones(current)

    @options.subcommand(debate, "screen")
    async def screen(self, interaction: discord.Interaction, hours: ScreenHours | None = None,
                     tally: app_commands.Choice[str] | None = None, revoke: bool | None = None) -> None:
        await self.run(interaction, "screen", hours=hours, tally=tally, revoke=revoke)

    @options.command("speak")
    async def speak(self, interaction: discord.Interaction, text: str | None = None) -> None:
        if text:
            await self.bot.answer(interaction, Command("speak", text=text))
        else:
            await self.bot.open_speech(interaction)

    @options.command("ask")
    async def ask(self, interaction: discord.Interaction, text: str) -> None:
        await self.bot.answer(interaction, Command("ask", text=text))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Debates(bot))
