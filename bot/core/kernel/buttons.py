"""Stable button ids (`debate:<id>:vote:pro`) and the commands they stand for.

Button ids are plain strings that survive a restart: Discord persistent views and Slack action
ids carry them, and both adapters turn a click back into a command with this module.

Claims: `claim:<id>:rate:<n>` rates claim <id> with impact n (0–4).

Polls: `poll:<id>:vote:<n>` (option n, from 1) sets a single-choice ballot and, in a multi or
ranked poll, adds option n to the voter's ballot or takes it out again (ranked: appended as the
next preference). `poll:<id>:withdraw` withdraws the ballot. `poll:<id>:rank` opens a modal or
select for a whole ranking (its prompt is in the card's `extra` under that id); what the voter
submits goes to :func:`ballot_command`, as does a select `poll:<id>:ballot` of option numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.core.kernel.commands import Command, whole_number

BALLOT_ACTIONS = ("rank", "ballot")
_SEPARATORS = re.compile(r"[,\n|>;、，]+")


def debate_button(debate_id: int, action: str, value: str) -> str:
    return f"debate:{debate_id}:{action}:{value}"


def poll_button(poll_id: int, action: str, value: str | None = None) -> str:
    return f"poll:{poll_id}:{action}" + (f":{value}" if value is not None else "")


def button_command(custom_id: str) -> tuple[Command, int] | None:
    """The command a button click means, and the debate or poll id it targets; None if unknown.

    `poll:<id>:rank` is no click command: it opens a modal (see :func:`opens_ballot`).
    """
    parts = custom_id.split(":")
    target = whole_number(parts[1]) if len(parts) in (3, 4) else None
    if target is None:
        return None
    kind, action = parts[0], parts[2]
    value = parts[3] if len(parts) == 4 else None
    if kind == "debate" and action == "join" and value in ("pro", "con", "audience"):
        return Command("debate", "join", {"side": value}), target
    if kind == "debate" and action == "vote" and value in ("pro", "con", "undecided"):
        return Command("vote", None, {"choice": value}), target
    if kind == "poll" and action == "vote" and value is not None and whole_number(value) is not None:
        return Command("poll", "vote", {"id": target, "toggle": "yes"}, (value,)), target
    if kind == "poll" and action == "withdraw" and value is None:
        return Command("poll", "withdraw", {"id": target}), target
    if kind == "claim" and action == "rate" and value is not None and whole_number(value) is not None:
        return Command("claim", "rate", {"id": target, "impact": int(value)}), target
    return None


def opens_ballot(custom_id: str) -> int | None:
    """The poll id when `custom_id` is a button that opens a whole-ballot modal or select."""
    parts = custom_id.split(":")
    if len(parts) == 3 and parts[0] == "poll" and parts[2] in BALLOT_ACTIONS:
        return whole_number(parts[1])
    return None


def ballot_command(custom_id: str, answer: str | Sequence[str]) -> tuple[Command, int] | None:
    """The vote for a ballot submitted from a modal or select (`poll:<id>:rank` / `:ballot`).

    `answer` is the modal's text (`2 1 3`, `2, 1, 3`, `tea > water`) or the selected values in
    order of preference (option numbers or texts).
    """
    poll_id = opens_ballot(custom_id)
    if poll_id is None:
        return None
    if isinstance(answer, str):
        text = answer.strip()
        choices = _SEPARATORS.split(text) if _SEPARATORS.search(text) else text.split()
    else:
        choices = list(answer)
    args = tuple(c.strip() for c in choices if c.strip())
    return Command("poll", "vote", {"id": poll_id}, args), poll_id


def ballot_words(words: Sequence[str], whole: Callable[[str], bool]) -> list[str]:
    """Typed choices as every ballot box reads them, whether they come as one modal text or as the
    words of a command line (`/poll vote id:3 Red panda > Zoo`): once a separator (`>`, `,`, `|`,
    `;`, a line break) is typed, separators part the choices and spaces do not, so that line names
    two; without one, every word is a choice (`2 1 3`). A word for which `whole` is true (an
    option's own text, `1,3` say) is never cut."""
    pieces: list[str | None] = []  # None: a separator
    for word in words:
        if whole(word) or not _SEPARATORS.search(word):
            pieces.append(word)
            continue
        for i, part in enumerate(_SEPARATORS.split(word)):
            if i:
                pieces.append(None)
            if part.strip():
                pieces.append(part.strip())
    if None not in pieces:
        return [p for p in pieces if p]
    out: list[str] = []
    group: list[str] = []
    for piece in [*pieces, None]:
        if piece is not None:
            group.append(piece)
        elif group:
            out.append(" ".join(group))
            group = []
    return out
