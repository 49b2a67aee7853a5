"""`/help <command>`: the command's options, one line each, and an example to copy."""

from __future__ import annotations

import pytest

from bot.core.kernel import help as help_cards
from bot.core.kernel.commands import SPECS
from bot.core.kernel.i18n import Catalog
from bot.prompt_folder import PROMPTS_DIR, PromptFolder
from tests.conftest import say


def shown(card) -> str:
    return "\n".join([card.title, card.body, *(f"{f.name}\n{f.value}" for f in card.fields)])


@pytest.mark.parametrize("line", ["/help poll", "/help command:poll", "/help /poll", "/help command:/poll"])
async def test_help_for_one_command_lists_its_options_and_an_example(core, line):
    [card] = await say(core, "pupil", line)
    text = shown(card)
    assert card.title == "/poll: options and an example"
    assert [f.name.split()[:2] for f in card.fields] == [["/poll", sub] for sub in
                                                          ("create", "vote", "withdraw", "close", "results", "list",
                                                                     "screen")]
    create = card.fields[0].value.splitlines()
    assert create[0] == "Create a poll in this channel (moderators)"
    assert "• question, required: The question" in create
    assert "• mode (single|multi|ranked): Single, multiple or ranked choice (default: single)" in create
    assert create[-1].startswith("Example: /poll create question:")
    assert "/debate" not in text  # only the command asked about


async def test_help_for_one_subcommand_and_for_a_command_without_options(core):
    [card] = await say(core, "pupil", "/help debate join")
    [field] = card.fields
    assert field.name == "/debate join side:pro|con|audience"
    assert "• side (pro|con|audience), required: Pro, con, or the audience" in field.value
    assert field.value.endswith("Example: /debate join side:pro")
    [card] = await say(core, "pupil", "/help formats")
    assert "No options." in card.fields[0].value


async def test_help_in_japanese(core):
    await say(core, "teacher", "/debate language ja")
    [card] = await say(core, "pupil", "/help vote")
    assert "例: /vote 賛成" in card.fields[0].value


async def test_help_without_a_command_lists_every_command(core):
    [card] = await say(core, "pupil", "/help")
    assert card.title == "Commands" and "/poll create|vote" in card.body and not card.fields


async def test_help_for_an_unknown_command_says_so_with_the_usage(core):
    [card] = await say(core, "pupil", "/help polls")
    assert card.kind == "error"
    assert "There is no command /polls; /help lists them all." in card.body and "Usage: /help" in card.body
    [card] = await say(core, "pupil", "/help poll cast")
    assert "/poll has no subcommand 'cast'." in card.body


def test_every_command_has_its_help_texts_in_every_language():
    catalog = Catalog.load(PromptFolder(PROMPTS_DIR))
    for lang in catalog.languages:
        missing = sorted(key for key in help_cards.all_keys() if key not in catalog.messages[lang])
        assert not missing, f"{lang}.toml lacks {missing}"
    for spec in SPECS.values():  # an example is a line of that command
        example = catalog.t("en", help_cards.example_key(spec))
        assert example.split()[: 2 if spec.sub else 1] == [f"/{spec.name}", *([spec.sub] if spec.sub else [])]
