"""The shipped texts read from a folder: the core's :class:`~bot.core.ports.PromptFiles` port.

`PROMPTS_DIR` is the shipped folder; BOT_PROMPTS names another one (see bot/settings.py).
"""

from __future__ import annotations

from pathlib import Path


def _shipped_prompts() -> Path:
    """The shipped library: `bot/prompts` in an installed package (setup.py puts it there),
    else the checkout's top-level `prompts/`."""
    package = Path(__file__).resolve().parent  # bot/
    installed = package / "prompts"
    return installed if installed.is_dir() else package.parent / "prompts"


PROMPTS_DIR = _shipped_prompts()


class PromptFolder:
    """The prompts in `root`: `motions/`, `formats/`, `locales/`, `filters/`..."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def files(self, folder: str, suffix: str) -> dict[str, bytes] | None:
        where = self.root / folder
        if not where.is_dir():
            return None
        return {path.name: path.read_bytes() for path in sorted(where.glob(f"*{suffix}")) if path.is_file()}
