"""Each option's kind and range is declared once, in its command's spec: the parser, the typed
values a handler reads, the Discord app-command option and the refusal with its usage agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord import AppCommandOptionType, app_commands

from bot.adapters.discord.bot import DebateBot
from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.commands import SPECS, Choice, Command, Int, ParseError, Spec, parse
from bot.core.kernel.request import Request
from bot.testing.clock import FakeClock

NUMBERS = [(spec, key, kind) for spec in SPECS.values() for key, kind in spec.options.items() if isinstance(kind, Int)]
# Parts of a command that Discord takes as their own parameter: the free text, the bare words.
NOT_OPTIONS = {("speak", None): {"text"}, ("ask", None): {"text"}, ("poll", "vote"): {"choices"},
               **{("claim", sub): {"text"} for sub in ("pro", "con", "edit")}}
LEFT_TO_BUTTONS = {("poll", "vote"): {"toggle"}}  # a ballot's buttons toggle; `/poll vote` on Discord does not
# What a command needs besides the number for its handler to reach the number's rule.
CONTEXT = {("poll", "create"): 'mode:multi options:"a|b|c|d|e|f|g|h|i|j"'}
# The free text a command requires, after its options.
TEXT = {("claim", sub): "Masks need a marker." for sub in ("pro", "con", "edit")}


def line(spec: Spec, key: str, value: int) -> str:
    """A line giving `value` for option `key` and something fitting for every other required one."""
    words = [f"/{spec.name}"] + ([spec.sub] if spec.sub else [])
    context = CONTEXT.get((spec.name, spec.sub), "")
    if context:
        words.append(context)
    for other in spec.required:
        kind = spec.options[other]
        if other != key and f"{other}:" not in context:
            fitting = kind.low if isinstance(kind, Int) else kind.values[0] if isinstance(kind, Choice) else "x"
            words.append(f'{other}:"{fitting}"')
    text = TEXT.get((spec.name, spec.sub))
    return " ".join([*words, f"{key}:{value}", *([text] if text else [])])


def test_every_number_option_has_a_range_of_its_own():
    assert {(s.name, s.sub, k) for s, k, _ in NUMBERS} >= {
        ("debate", "extend", "seconds"), ("mod", "mute", "minutes"), ("mod", "slowmode", "seconds"),
        ("mod", "log", "limit"), ("poll", "create", "max"), ("poll", "close", "id"),
    }
    extend = SPECS[("debate", "extend")].options["seconds"]
    assert (extend.low, extend.high) == (1, 7 * 24 * 3600)  # the engine's rule


@pytest.mark.parametrize(("spec", "key", "kind"), NUMBERS, ids=lambda v: getattr(v, "usage_key", str(v)))
def test_the_parser_and_the_typed_values_take_the_range_from_the_spec(spec, key, kind):
    for value in (kind.low, kind.high):
        assert parse(line(spec, key, value)).options[key] == value
    for value in (kind.low - 1, kind.high + 1):
        if value < 0 or kind.narrowed:  # the handler's rule refuses it (next test)
            continue
        with pytest.raises(ParseError) as err:
            parse(line(spec, key, value))
        assert (err.value.key, err.value.usage) == (kind.refusal, spec.usage_key)
        given = {k: v for k, v in parse(line(spec, key, kind.low)).options.items()}
        given[key] = value  # as an adapter builds it, past the parser
        with pytest.raises(ParseError) as err:
            Command(spec.name, spec.sub, given, text="x").read(spec.values)
        assert (err.value.key, err.value.usage, err.value.params["max"]) == (kind.refusal, spec.usage_key, kind.high)


async def test_a_value_out_of_range_answers_the_reason_with_the_range_and_the_usage(tmp_path: Path):
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        teacher = Actor("console", "local", "teacher", "teacher", is_admin=True)
        where = ChannelRef("console", "local", "room")
        for spec, key, kind in NUMBERS:
            for value in (kind.low - 1, kind.high + 1):
                if value < 0:
                    continue
                replies = await core.handle(Request(teacher, where, line(spec, key, value)))
                body = replies[0].card.body
                assert replies[0].card.kind == "error"
                assert core.t("en", spec.usage_key) in body, (spec.usage_key, body)
                assert f"{kind.low}" in body and f"{kind.high}" in body, (spec.usage_key, key, body)
    finally:
        await core.stop()


async def test_discord_options_take_kind_range_and_choices_from_the_spec(tmp_path: Path):
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        bot = DebateBot(core, sync_commands=False)
        await bot.load_cogs()
        seen: set[tuple[str, str | None]] = set()
        for command in bot.tree.walk_commands():
            if not isinstance(command, app_commands.Command):
                continue
            where = (command.parent.name, command.name) if command.parent else (command.name, None)
            spec = SPECS[where]
            seen.add(where)
            params = {p.name: p for p in command.parameters}
            options = set(spec.options) - LEFT_TO_BUTTONS.get(where, set())
            assert set(params) - NOT_OPTIONS.get(where, set()) == options, where
            for name in spec.required:
                assert params[name].required, (where, name)
            for name, kind in spec.options.items():
                if name not in options:
                    continue
                param = params[name]
                if isinstance(kind, Int):
                    assert param.type is AppCommandOptionType.integer, (where, name)
                    assert (param.min_value, param.max_value) == (kind.low, kind.high), (where, name)
                elif isinstance(kind, Choice) and param.type is AppCommandOptionType.string:
                    assert [c.value for c in param.choices] == list(kind.values), (where, name)
        assert seen == set(SPECS)
        await bot.close()
    finally:
        await core.stop()
