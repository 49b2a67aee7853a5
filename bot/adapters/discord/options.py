"""Fixed choices and autocomplete for app-command options (names from the catalog)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from discord import app_commands

from bot.adapters.discord.texts import choice
from bot.core.commands import COMMAND_NAMES, SPECS, Choice, Int
from bot.core.service import Core

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 suggestions
NAME_LIMIT = 100
# Command words are the same in every language, so their names are not translated.
HELP_CHOICES = [app_commands.Choice(name=f"/{name}", value=name) for name in COMMAND_NAMES]


def number(name: str, sub: str | None, option: str) -> Any:
    """The app-command type of an Int option: a whole number in the range its spec declares."""
    kind = SPECS[(name, sub)].options[option]
    if not isinstance(kind, Int):
        raise TypeError(f"/{name} {sub or ''} {option} is not a number")
    return app_commands.Range[int, kind.low, kind.high]


def fixed(name: str, sub: str | None, option: str, prefix: str = "discord.choice") -> list[app_commands.Choice[str]]:
    """The choices of an option its spec gives a fixed set of values, each named from the catalog
    (`{prefix}.{value}`) of the cogs being loaded (see `texts.reading`)."""
    kind = SPECS[(name, sub)].options[option]
    if not isinstance(kind, Choice):
        raise TypeError(f"/{name} {sub or ''} {option} has no fixed choices")
    return [choice(f"{prefix}.{v}", v) for v in kind.values]


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
