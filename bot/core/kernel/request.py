"""What an adapter hands the core: one command from one person (`Request`), and what the core
answers without running a command (`Floor`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.commands import Command


@dataclass(slots=True)
class Request:
    """One command from one person. `line` is parsed when `command` is not given (and `handle`
    keeps the parsed command in `command`).

    `dedupe_key` is the platform's id for this delivery (interaction id, Slack retry-safe key):
    a request whose key was seen before is ignored. `debate_id` targets a debate directly (buttons).
    """

    actor: Actor
    channel: ChannelRef
    line: str = ""
    command: Command | None = None
    dedupe_key: str | None = None
    debate_id: int | None = None

    @property
    def cmd(self) -> Command:
        """The parsed command, for a handler: `Core.handle` parses `line` before it routes, so a
        request without a command here never reached a handler through it."""
        if self.command is None:
            raise LookupError(f"request not parsed yet: {self.line!r}")
        return self.command


class Floor(NamedTuple):
    """The floor an actor holds (`Core.speech_floor`): the debate's language and how many
    characters the phase allows in a speech."""

    language: str
    max_chars: int
