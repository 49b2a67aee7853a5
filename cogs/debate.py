"""Debates: `/debate …`, `/speak` and `/ask`. Each method converts, calls the core, renders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import convert, options
from bot.adapters.discord.texts import text
from bot.core.commands import Command

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

ExtendSeconds = options.number("debate", "extend", "seconds")


class Debates(commands.Cog):
    debate = app_commands.Group(name="debate", description=text("discord.cmd.debate"), guild_only=True)

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def run(self, interaction: discord.Interaction, sub: str, public: bool = False, **values: Any) -> None:
        await self.bot.answer(interaction, convert.command("debate", sub, **values), public=public)

    @debate.command(name="start", description=text("discord.cmd.debate_start"))
    @app_commands.describe(motion=text("discord.opt.motion"), format=text("discord.opt.format"),
                           anonymous=text("discord.opt.anonymous"))
    async def start(self, interaction: discord.Interaction, motion: str | None = None,
                    format: str | None = None, anonymous: bool | None = None) -> None:
        await self.run(interaction, "start", motion=motion, format=format, anonymous=anonymous)

    @start.autocomplete("motion")
    async def motion_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.motions(self.bot.core, current, convert.language(interaction.locale))

    @start.autocomplete("format")
    async def format_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.formats(self.bot.core, current, convert.language(interaction.locale))

    @debate.command(name="join", description=text("discord.cmd.debate_join"))
    @app_commands.describe(side=text("discord.opt.side"))
    @app_commands.choices(side=options.fixed("debate", "join", "side", prefix="side"))
    async def join(self, interaction: discord.Interaction, side: app_commands.Choice[str]) -> None:
        await self.run(interaction, "join", side=side)

    @debate.command(name="leave", description=text("discord.cmd.debate_leave"))
    async def leave(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "leave")

    @debate.command(name="next", description=text("discord.cmd.debate_next"))
    async def next(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "next")

    @debate.command(name="pause", description=text("discord.cmd.debate_pause"))
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "pause")

    @debate.command(name="resume", description=text("discord.cmd.debate_resume"))
    async def resume(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "resume")

    @debate.command(name="extend", description=text("discord.cmd.debate_extend"))
    @app_commands.describe(seconds=text("discord.opt.extend_seconds"))
    async def extend(self, interaction: discord.Interaction,
                     seconds: ExtendSeconds) -> None:
        await self.run(interaction, "extend", seconds=seconds)

    @debate.command(name="end", description=text("discord.cmd.debate_end"))
    async def end(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "end")

    @debate.command(name="status", description=text("discord.cmd.debate_status"))
    async def status(self, interaction: discord.Interaction) -> None:
        await self.run(interaction, "status", public=True)

    @debate.command(name="results", description=text("discord.cmd.debate_results"))
    @app_commands.describe(flagged=text("discord.opt.flagged"), chart=text("discord.opt.chart"))
    @app_commands.choices(flagged=options.fixed("debate", "results", "flagged"))
    async def results(self, interaction: discord.Interaction, flagged: app_commands.Choice[str] | None = None,
                      chart: bool | None = None) -> None:
        await self.run(interaction, "results", public=True, flagged=flagged, chart=chart)

    @debate.command(name="export", description=text("discord.cmd.debate_export"))
    @app_commands.describe(format=text("discord.opt.export_format"))
    @app_commands.choices(format=options.fixed("debate", "export", "format"))
    async def export(self, interaction: discord.Interaction, format: app_commands.Choice[str] | None = None) -> None:
        await self.run(interaction, "export", public=True, format=format)

    @debate.command(name="language", description=text("discord.cmd.debate_language"))
    @app_commands.describe(lang=text("discord.opt.lang"))
    @app_commands.choices(lang=options.fixed("debate", "language", "lang"))
    async def language(self, interaction: discord.Interaction, lang: app_commands.Choice[str]) -> None:
        await self.run(interaction, "language", public=True, lang=lang)

    @debate.command(name="timezone", description=text("discord.cmd.debate_timezone"))
    @app_commands.describe(zone=text("discord.opt.zone"))
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        await self.run(interaction, "timezone", public=zone is not None, zone=zone)

    @timezone.autocomplete("zone")
    async def zone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return options.zones(current)

    @app_commands.command(name="speak", description=text("discord.cmd.speak"))
    @app_commands.describe(text=text("discord.opt.speech"))
    @app_commands.guild_only()
    async def speak(self, interaction: discord.Interaction, text: str | None = None) -> None:
        if text:
            await self.bot.answer(interaction, Command("speak", text=text))
        else:
            await self.bot.open_speech(interaction)

    @app_commands.command(name="ask", description=text("discord.cmd.ask"))
    @app_commands.describe(text=text("discord.opt.question"))
    @app_commands.guild_only()
    async def ask(self, interaction: discord.Interaction, text: str) -> None:
        await self.bot.answer(interaction, Command("ask", text=text))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(Debates(bot))
