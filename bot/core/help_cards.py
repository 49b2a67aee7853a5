"""`/help` and `/help <command>`: the command list, or one command's options and an example.

Everything shown comes from the command specs (names, choices, what is required) and the
catalog: `discord.cmd.*` says what a command does and `discord.opt.*` what an option means (the
same texts Discord shows beside its slash commands), `help.example.*` gives a line to copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.cards import Card, Field
from bot.core.commands import (
    COMMAND_NAMES,
    SPECS,
    SUBCOMMANDS,
    Choice,
    Int,
    Spec,
    User,
    summary_usage_key,
)
from bot.core.errors import RuleError

if TYPE_CHECKING:
    from bot.core.service import Core

# The catalog key (under `discord.opt.`) of an option whose text is not simply its name's.
OPTION_TEXT: dict[tuple[str, str | None, str], str] = {
    ("debate", "extend", "seconds"): "extend_seconds",
    ("debate", "export", "format"): "export_format",
    ("motions", None, "id"): "motion_id",
    ("help", None, "command"): "help_command",
    ("poll", "create", "question"): "poll_question",
    ("poll", "create", "options"): "poll_options",
    ("poll", "create", "mode"): "poll_mode",
    ("poll", "create", "max"): "poll_max",
    ("poll", "create", "anonymous"): "poll_anonymous",
    ("poll", "create", "closes"): "poll_closes",
    ("poll", "create", "tally"): "poll_tally",
    ("poll", "vote", "id"): "poll_id",
    ("poll", "vote", "toggle"): "poll_toggle",
    ("poll", "withdraw", "id"): "poll_id",
    ("poll", "close", "id"): "poll_id",
    ("poll", "results", "id"): "poll_id",
    ("poll", "results", "format"): "poll_format",
    ("mod", "approve", "id"): "question_id",
    ("mod", "reject", "id"): "question_id",
    ("mod", "filter", "action"): "filter_action",
    ("mod", "slowmode", "seconds"): "slowmode_seconds",
    ("mod", "role", "remove"): "remove_role",
    ("mod", "log", "user"): "log_user",
    ("mod", "log", "limit"): "log_limit",
    ("mod", "logchannel", "channel"): "log_channel",
    ("mod", "logchannel", "off"): "log_off",
}
TEXT_OPTION = {"speak": "speech", "ask": "question"}  # the free text of these commands
VARIADIC_OPTION: dict[tuple[str, str | None], str] = {("poll", "vote"): "poll_choices"}  # the bare words of these


def spec_key(spec: Spec) -> str:
    """`poll.create`, `vote`: how catalog keys name a command."""
    return spec.name + (f".{spec.sub}" if spec.sub else "")


def about_key(spec: Spec) -> str:
    return f"discord.cmd.{spec.name}" + (f"_{spec.sub}" if spec.sub else "")


def example_key(spec: Spec) -> str:
    return f"help.example.{spec_key(spec)}"


def option_keys(spec: Spec) -> list[tuple[str, str]]:
    """(option name as typed, its catalog key) for every option of `spec`, in order."""
    out = [(name, "discord.opt." + OPTION_TEXT.get((spec.name, spec.sub, name), name)) for name in spec.options]
    if spec.text and spec.name in TEXT_OPTION:  # /help's text is its `command` option, listed already
        out.append(("<text>", f"discord.opt.{TEXT_OPTION[spec.name]}"))
    if spec.variadic:
        out.append(("<choice> …", f"discord.opt.{VARIADIC_OPTION[(spec.name, spec.sub)]}"))
    return out


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
