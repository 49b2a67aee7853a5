"""The speech form and the ranking form, decided once for every platform (bot/adapters/forms.py)."""

from __future__ import annotations

import pytest

from bot.adapters import forms
from bot.core.kernel.buttons import poll_button
from bot.core.kernel.commands import Command
from bot.core.kernel.errors import RuleError
from tests.conftest import CHANNEL, actor, say


async def test_the_speech_form_is_the_floor_holders_as_long_as_the_phase_allows(core, chat):
    await say(core, "teacher", "/debate start format:quick")
    with pytest.raises(RuleError):  # nobody has the floor in the pre-vote
        forms.speech_form(core, actor("alice"), CHANNEL)
    await say(core, "alice", "/debate join side:pro")
    await say(core, "teacher", "/debate next")
    form = forms.speech_form(core, actor("alice"), CHANNEL)
    assert (form.kind, form.language, form.max_length) == (forms.SPEECH, "en", 1260)
    assert form.text(core, "slack", "placeholder") == "Up to 1260 characters"
    assert "1260" in form.text(core, "discord", "label")
    assert form.command("  my speech ") == Command("speak", text="  my speech ")
    with pytest.raises(RuleError) as err:  # bob is on no side
        forms.speech_form(core, actor("bob"), CHANNEL)
    assert err.value.key == "speak.error.not_your_turn"


async def test_the_ranking_form_speaks_the_polls_language_and_gives_the_whole_ballot(core, chat):
    await say(core, "teacher", "/debate language ja")
    await say(core, "teacher", '/poll create question:"Q?" options:"tea|water|juice" mode:ranked')
    button = poll_button(1, "rank")
    form = forms.ranking_form(core, button, "en", 500)
    assert (form.kind, form.language, form.max_length) == (forms.RANKING, "ja", 500)
    assert form.text(core, "slack", "title") == core.t("ja", "slack.form.ranking.title")
    command = form.command("2 1")
    assert command is not None and (command.name, command.sub, command.args) == ("poll", "vote", ("2", "1"))
    assert forms.submitted(forms.RANKING, button, "2 1") == command
    assert forms.submitted(forms.SPEECH, "", "hello") == Command("speak", text="hello")
    closed = forms.ranking_form(core, poll_button(99, "rank"), "en", 500)  # no such open poll: the platform's guess
    assert closed.language == "en"
