"""The shipped texts: the debate library, the message catalogs and the word lists (prompts/,
or the folder BOT_PROMPTS names). The core parses them; reading them is the port's."""

from __future__ import annotations

from typing import Protocol


class PromptFiles(Protocol):
    def files(self, folder: str, suffix: str) -> dict[str, bytes] | None:
        """Every file directly in `folder` whose name ends in `suffix`, by file name in sorted
        order, as stored; None when there is no such folder."""
        ...
