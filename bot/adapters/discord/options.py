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
    MAP_FORMATS,
    SIDES,
    SPECS,
)
from bot.core.service import Core

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 suggestions
NAME_LIMIT = 100

def _choices(kind: object) -> tuple[str, ...]:
    """A spec option's choices (`CommandSpec.options` holds a kind or a tuple of choices)."""
    assert isinstance(kind, tuple)
    return tuple(kind)


# Each fixed option's choices: the catalog key prefix of their names and their values.
FIXED: dict[str, tuple[str, tuple[str, ...]]] = {
    "side": ("side", tuple(SIDES)),
    "vote": ("choice", tuple(CHOICES)),
    "export": ("discord.choice", tuple(EXPORT_FORMATS)),
    "lang": ("discord.choice", tuple(LANGS)),
    "flagged": ("discord.choice", tuple(FLAGGED)),
    "poll_mode": ("discord.choice", _choices(SPECS[("poll", "create")].options["mode"])),
    "tally": ("discord.choice", _choices(SPECS[("poll", "create")].options["tally"])),
    "poll_export": ("discord.choice", _choices(SPECS[("poll", "results")].options["format"])),
    "filter": ("discord.choice", _choices(SPECS[("mod", "filter")].options["action"])),
    "map_export": ("discord.choice", tuple(MAP_FORMATS)),
}
# Command words are the same in every language, so their names are not translated.
HELP_CHOICES = [app_commands.Choice(name=f"/{name}", value=name) for name in COMMAND_NAMES]


def fixed(kind: str) -> list[app_commands.Choice[str]]:
    """The choices of a fixed option (a key of FIXED), named from the catalog of the cogs being
    loaded (see `texts.reading`)."""
    prefix, values = FIXED[kind]
    return [choice(f"{prefix}.{v}", v) for v in values]


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
