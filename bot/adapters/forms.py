"""The two one-box forms every platform shows, decided once: the speech form and the ranking form.

`/speak` without text opens a speech form as long as the phase allows, if the floor is the
actor's; a ranked poll's "Rank…" button opens a form for the whole ballot. Both open before any
database await (a form is the platform's first answer), so everything here asks the core
without I/O. A platform renders a :class:`Form` as its own modal, reading each text it shows
with :meth:`Form.text` from its catalog section (`discord.form.speech.title`, …), and turns
what was typed back into a command with :meth:`Form.command`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.buttons import ballot_command, opens_ballot
from bot.core.kernel.commands import Command
from bot.core.service import Core

SPEECH = "speech"
RANKING = "ranking"


@dataclass(frozen=True)
class Form:
    """A form to show: which one, in which language, how much it takes, and for a ranking the
    poll button it answers (`poll:<id>:rank`)."""

    kind: str
    language: str
    max_length: int
    button: str = ""
    params: dict[str, object] = field(default_factory=dict)  # placeholders of its texts

    def text(self, core: Core, platform: str, part: str) -> str:
        """One text of the form as `platform` words it: `title`, `label`, `placeholder`, …"""
        return core.t(self.language, f"{platform}.form.{self.kind}.{part}", **self.params)

    def command(self, typed: str) -> Command | None:
        """What a submitted form asks the core: the speech, or the whole ranked ballot (None for a
        button that names no poll)."""
        if self.kind == SPEECH:
            return Command("speak", text=typed)
        parsed = ballot_command(self.button, typed)
        return parsed[0] if parsed is not None else None


def speech_form(core: Core, actor: Actor, channel: ChannelRef) -> Form:
    """The speech form for `actor` in `channel`, as long as the phase allows.

    Raises:
        RuleError: the floor is not the actor's (the reason to show instead).
    """
    floor = core.speech_floor(actor, channel)
    return Form(SPEECH, floor.language, floor.max_chars, params={"limit": floor.max_chars})


def ranking_form(core: Core, button: str, fallback_language: str, max_length: int) -> Form:
    """The form for a ranked poll's whole ballot (at most `max_length` characters, as the
    platform's box allows), in the open poll's language (held in memory), else in
    `fallback_language`; the core answers a ballot for a poll that has closed."""
    language = core.open_poll_language(opens_ballot(button) or 0) or fallback_language
    return Form(RANKING, language, max_length, button=button)


def submitted(kind: str, button: str, typed: str) -> Command | None:
    """The command of a form submitted with `typed`, from what the platform kept of the form (its
    kind and, for a ranking, its button) when it could not keep the form itself."""
    return Form(kind, "", 0, button=button).command(typed)
