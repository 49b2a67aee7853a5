"""`/help` and `/help <command>`: the command list, or one command's options and an example.

Everything shown comes from the command specs (names, choices, what is required) and the
catalog: `discord.cmd.*` says what a command does and `discord.opt.*` what an option means (the
same texts Discord shows beside its slash commands), `help.example.*` gives a line to copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.kernel.cards import Card, Field
from bot.core.kernel.commands import (
    COMMAND_NAMES,
    SPECS,
    SUBCOMMANDS,
    Choice,
    Int,
    Spec,
    User,
    summary_usage_key,
)
from bot.core.kernel.errors import RuleError

if TYPE_CHECKING:
    from bot.core.service import Core

def spec_key(spec: Spec) -> str:
    """`poll.create`, `vote`: how catalog keys name a command."""
    return spec.name + (f".{spec.sub}" if spec.sub else "")


def about_key(spec: Spec) -> str:
    return f"discord.cmd.{spec.name}" + (f"_{spec.sub}" if spec.sub else "")


def example_key(spec: Spec) -> str:
    return f"help.example.{spec_key(spec)}"


def option_keys(spec: Spec) -> list[tuple[str, str]]:
    """(option name as typed, its catalog key) for every option of `spec` (and its free text or
    bare words where the spec says what they mean), in order."""
    return [(name, f"discord.opt.{key}") for name, key in spec.about.items()]


def all_keys() -> set[str]:
    """Every catalog key the help for some command can show (the catalog test checks them)."""
    keys = set()
    for spec in SPECS.values():
        keys |= {about_key(spec), example_key(spec), *(key for _, key in option_keys(spec))}
    return keys


def overview(core: Core, lang: str) -> Card:
    lines = [core.t(lang, summary_usage_key(name)) for name in COMMAND_NAMES]
    return Card("help", title=core.t(lang, "help.title"), body="\n".join(lines), footer=core.t(lang, "help.footer"))


def specs_for(words: str) -> list[Spec]:
    """The specs `/help poll`, `/help /poll create` or `/help debate:start` is about.

    Raises:
        RuleError: no such command (or subcommand), with the usage of `/help`.
    """
    parts = words.replace(":", " ").split()
    name = parts[0].lstrip("/").lower() if parts else ""
    if name not in COMMAND_NAMES:
        raise RuleError("help.error.unknown", "usage.help", command=name[:40])
    subs = SUBCOMMANDS[name]
    if len(parts) > 1 and subs:
        sub = parts[1].lower()
        if sub not in subs:
            raise RuleError("parse.unknown_subcommand", summary_usage_key(name), command=name, sub=sub[:40])
        return [SPECS[(name, sub)]]
    return [SPECS[(name, sub)] for sub in subs] if subs else [SPECS[(name, None)]]


def option_line(core: Core, lang: str, spec: Spec, name: str, key: str) -> str:
    kind = spec.options.get(name)
    if isinstance(kind, Choice):
        kind_text = core.t(lang, "help.kind.choice", choices="|".join(kind.values))
    elif isinstance(kind, Int):
        kind_text = core.t(lang, "help.kind.number")
    elif isinstance(kind, User):
        kind_text = core.t(lang, "help.kind.user")
    else:
        kind_text = ""
    required = name in spec.required or (name == "<text>" and spec.text_required)
    return core.t(lang, "help.option_required" if required else "help.option", option=name, text=core.t(lang, key),
                  kind=f" ({kind_text})" if kind_text else "")


def detail(core: Core, lang: str, words: str) -> Card:
    """One command's help: per subcommand its usage line, what it does, each option in one line
    and an example."""
    specs = specs_for(words)
    fields = []
    for spec in specs:
        lines = [core.t(lang, about_key(spec))]
        options = option_keys(spec)
        lines += [option_line(core, lang, spec, name, key) for name, key in options]
        if not options:
            lines.append(core.t(lang, "help.no_options"))
        lines.append(core.t(lang, "help.example_line", example=core.t(lang, example_key(spec))))
        fields.append(Field(core.t(lang, spec.usage_key), "\n".join(lines), inline=False))
    name = specs[0].name
    return Card("help", title=core.t(lang, "help.title_one", command=name), fields=tuple(fields),
                footer=core.t(lang, "help.footer"))
