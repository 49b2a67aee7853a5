"""The one error type the core raises for a move the rules refuse."""

from __future__ import annotations


class RuleError(Exception):
    """A refused move: `key` names the catalog message, `params` fill its placeholders.

    `usage` names a usage line to show with it; `handback` is user text to give back in full.
    """

    def __init__(self, key: str, usage: str | None = None, handback: str = "", **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.usage = usage
        self.handback = handback
        self.params = params
