"""Fixed choices and autocomplete for app-command options (names from the catalog)."""

from __future__ import annotations

from zoneinfo import available_timezones

from discord import app_commands

from bot.adapters.discord.texts import choice
from bot.core.commands import (
    CHOICES,
    COMMAND_NAMES,
    EXPORT_FORMATS,
    FLAGGED,
    LANGS,
    SIDES,
    SPECS,
)
from bot.core.service import Core

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 suggestions
NAME_LIMIT = 100

SIDE_CHOICES = [choice(f"side.{v}", v) for v in SIDES]
VOTE_CHOICES = [choice(f"choice.{v}", v) for v in CHOICES]
EXPORT_CHOICES = [choice(f"discord.choice.{v}", v) for v in EXPORT_FORMATS]
LANG_CHOICES = [choice(f"discord.choice.{v}", v) for v in LANGS]
FLAGGED_CHOICES = [choice(f"discord.choice.{v}", v) for v in FLAGGED]
POLL_MODE_CHOICES = [choice(f"discord.choice.{v}", v) for v in SPECS[("poll", "create")].options["mode"]]
TALLY_CHOICES = [choice(f"discord.choice.{v}", v) for v in SPECS[("poll", "create")].options["tally"]]
POLL_EXPORT_CHOICES = [choice(f"discord.choice.{v}", v) for v in SPECS[("poll", "results")].options["format"]]
FILTER_CHOICES = [choice(f"discord.choice.{v}", v) for v in SPECS[("mod", "filter")].options["action"]]
# Command words are the same in every language, so their names are not translated.
HELP_CHOICES = [app_commands.Choice(name=f"/{name}", value=name) for name in COMMAND_NAMES]


def _matches(current: str, *texts: str) -> bool:
    needle = current.casefold().strip()
    return not needle or any(needle in t.casefold() for t in texts)


def zones(current: str) -> list[app_commands.Choice[str]]:
    """Time zone names (`Asia/Tokyo`) containing what was typed, `default` first."""
    names = ["default", *sorted(available_timezones())]
    return [app_commands.Choice(name=n, value=n) for n in names if _matches(current, n)][:AUTOCOMPLETE_LIMIT]


def motions(core: Core, current: str, lang: str) -> list[app_commands.Choice[str]]:
    """Motion ids from the library, shown with their titles, filtered by what was typed."""
    found = []
    for m in core.library.motions.values():
        title = m.text(lang).title
        if _matches(current, m.id, title):
            found.append(app_commands.Choice(name=f"{m.id} · {title}"[:NAME_LIMIT], value=m.id))
    return found[:AUTOCOMPLETE_LIMIT]


def formats(core: Core, current: str, lang: str) -> list[app_commands.Choice[str]]:
    found = []
    for f in core.library.formats.values():
        if _matches(current, f.id, f.name(lang)):
            found.append(app_commands.Choice(name=f"{f.id} · {f.name(lang)}"[:NAME_LIMIT], value=f.id))
    return found[:AUTOCOMPLETE_LIMIT]
