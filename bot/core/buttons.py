"""Stable button ids (`debate:<id>:vote:pro`) and the commands they stand for.

Button ids are plain strings that survive a restart: Discord persistent views and Slack action
ids carry them, and both adapters turn a click back into a command with this module.
"""

from __future__ import annotations

from bot.core.commands import Command


def debate_button(debate_id: int, action: str, value: str) -> str:
    return f"debate:{debate_id}:{action}:{value}"


def button_command(custom_id: str) -> tuple[Command, int] | None:
    """The command a button click means, and the debate or poll id it targets; None if unknown."""
    parts = custom_id.split(":")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    kind, target, action, value = parts[0], int(parts[1]), parts[2], parts[3]
    if kind == "debate" and action == "join" and value in ("pro", "con", "audience"):
        return Command("debate", "join", {"side": value}), target
    if kind == "debate" and action == "vote" and value in ("pro", "con", "undecided"):
        return Command("vote", None, {"choice": value}), target
    if kind == "poll" and action == "vote" and value.isdigit():
        return Command("poll", "vote", {"id": target}, (value,)), target
    if kind == "poll" and action == "withdraw":
        return Command("poll", "withdraw", {"id": target}), target
    return None
