"""`make reset` (`python -m bot.reset`): delete the SQLite database BOT_DATABASE, after asking.

Deletes the file with its WAL and shared-memory files and the voter-hash key beside it (a new
database gets a new key, so anonymous ballots cannot be linked across the two). Only a typed
`yes` deletes; anything else, or no answer at all (no terminal, end of input), deletes nothing.
A PostgreSQL BOT_DATABASE is refused: that is a server's database, not a file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.core.kernel.i18n import Catalog
from bot.prompt_folder import PromptFolder
from bot.settings import Settings
from bot.storage import is_postgres

SIDE_FILES = ("-wal", "-shm", ".secret")  # what lives beside a SQLite database


def reset(settings: Settings, answers: TextIO, out: TextIO) -> int:
    """Ask on `out`, read the answer from `answers`; 0 when deleted, 1 when not."""
    t = Catalog.load(PromptFolder(settings.bot_prompts)).t
    database = settings.bot_database
    if is_postgres(database):
        out.write(t("en", "console.reset_postgres") + "\n")
        return 1
    main = Path(database)
    files = [f for f in (main, *(Path(f"{database}{side}") for side in SIDE_FILES)) if f.exists()]
    if database == ":memory:" or not main.exists():
        out.write(t("en", "console.reset_nothing", database=database) + "\n")
        return 1
    names = ", ".join(str(f) for f in files)
    out.write(t("en", "console.reset_ask", files=names))
    out.flush()
    if answers.readline().strip().lower() != "yes":
        out.write("\n" + t("en", "console.reset_refused") + "\n")
        return 1
    for f in files:
        f.unlink(missing_ok=True)
    out.write(t("en", "console.reset_done", files=names) + "\n")
    return 0


def main() -> int:
    return reset(Settings(), sys.stdin, sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
