"""The PromptFiles port: read from a folder (bot/prompt_folder.py), or from anything else that
answers `files`, such as a dict here: the core parses what it is given and opens no file."""

from __future__ import annotations

from pathlib import Path

from bot.core.kernel.i18n import Catalog
from bot.core.library.loader import load_library
from bot.core.moderation.filter import load_default_filter
from bot.prompt_folder import PROMPTS_DIR, PromptFolder


class InMemory:
    def __init__(self, folders: dict[str, dict[str, bytes]]) -> None:
        self.folders = folders

    def files(self, folder: str, suffix: str) -> dict[str, bytes] | None:
        found = self.folders.get(folder)
        if found is None:
            return None
        return {name: data for name, data in sorted(found.items()) if name.endswith(suffix)}


def test_a_folder_gives_its_files_of_one_kind_in_name_order(tmp_path: Path):
    (tmp_path / "filters").mkdir()
    (tmp_path / "filters" / "ja.txt").write_bytes("馬鹿\n".encode())
    (tmp_path / "filters" / "en.txt").write_bytes(b"blorp\n")
    (tmp_path / "filters" / "notes.md").write_bytes(b"not a list")
    (tmp_path / "filters" / "old.txt").mkdir()  # a folder, not a file
    folder = PromptFolder(tmp_path)
    assert folder.files("filters", ".txt") == {"en.txt": b"blorp\n", "ja.txt": "馬鹿\n".encode()}
    assert list(folder.files("filters", ".txt") or {}) == ["en.txt", "ja.txt"]
    assert folder.files("locales", ".toml") is None


def test_the_core_builds_library_catalogs_and_filter_from_any_port():
    shipped = PromptFolder(PROMPTS_DIR)
    memory = InMemory({name: shipped.files(name, "") or {} for name in ("motions", "formats", "locales")})
    memory.folders["filters"] = {"en.txt": b"# a comment\nzonk*\n", "allow.txt": b"zonkers\n"}
    library = load_library(memory)
    assert library == load_library(shipped)
    assert Catalog.load(memory).messages == Catalog.load(shipped).messages
    assert set(Catalog.load(memory).languages) >= {"en", "ja"}
    words = load_default_filter(memory)
    assert (words.blocked, words.allowed) == (frozenset({"zonk*"}), frozenset({"zonkers"}))
    assert words.find("zonking") is not None and words.find("zonkers") is None
