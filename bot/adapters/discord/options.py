"""App commands as their specs declare them, and autocomplete for their options.

A cog method says which command it is (`@options.subcommand(debate, "extend")`); its
description, each parameter's description, each fixed option's choices (named from the
catalog) and each number's range (`number`) come from the command's spec in
:mod:`bot.core.kernel.command_specs`, so the slash command and the text command cannot disagree.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from zoneinfo import available_timezones

from discord import app_commands

from bot.adapters.discord.texts import choice, text
from bot.core.kernel.commands import COMMAND_NAMES, SPECS, Choice, Int, Spec
from bot.core.kernel.help import about_key, option_keys
from bot.core.service import Core

Callback = Any  # a cog method: (self, interaction, *options) -> coroutine
# The parameter of a cog method that takes a command's free text or its bare words.
PARAMETERS = {"<text>": "text", "<choice> …": "choices"}

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


def subcommand(group: app_commands.Group, sub: str) -> Callable[[Callback], Any]:
    """`/<group> <sub>` as its spec declares it (see :func:`declared`)."""
    spec = SPECS[(group.name, sub)]

    def make(callback: Callback) -> Any:
        return group.command(name=sub, description=text(about_key(spec)))(declared(spec, callback))

    return make


def command(name: str, *, guild_only: bool = True) -> Callable[[Callback], Any]:
    """`/<name>` (a command without subcommands) as its spec declares it (see :func:`declared`)."""
    spec = SPECS[(name, None)]

    def make(callback: Callback) -> Any:
        made: Any = app_commands.command(name=name, description=text(about_key(spec)))(declared(spec, callback))
        return app_commands.guild_only()(made) if guild_only else made

    return make


def declared(spec: Spec, callback: Callback) -> Callback:
    """`callback` with each parameter described and each fixed option's choices offered, named
    from the catalog of the cogs being loaded (see `texts.reading`), as `spec` declares them."""
    parameters = inspect.signature(callback).parameters
    described = {PARAMETERS.get(option, option): text(key) for option, key in option_keys(spec)}
    callback = app_commands.describe(**{k: v for k, v in described.items() if k in parameters})(callback)
    fixed = {option: [choice(f"{kind.names}.{v}", v) for v in kind.values]
             for option, kind in spec.options.items()
             if isinstance(kind, Choice) and kind.names and option in parameters}
    return app_commands.choices(**fixed)(callback) if fixed else callback


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
