"""Message catalogs (`prompts/locales/*.toml`): every text the bot posts, with named placeholders."""

from __future__ import annotations

import logging
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
FALLBACK = "en"
WORD_SECTIONS = ("choice", "side")  # the shown names of these values are also typed as them


def _flatten(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = str(value)
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Catalog:
    messages: dict[str, dict[str, str]]  # lang -> key -> text

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        messages = {}
        for path in sorted(folder.glob("*.toml")):
            messages[path.stem] = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        if FALLBACK not in messages:
            raise FileNotFoundError(f"{folder.name}/{FALLBACK}.toml is missing")
        return cls(messages)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.messages)

    def has(self, key: str) -> bool:
        return key in self.messages[FALLBACK]

    def t(self, lang: str, key: str, **params: object) -> str:
        text = self.messages.get(lang, {}).get(key)
        if text is None:
            text = self.messages[FALLBACK].get(key)
        if text is None:
            log.warning("message key %s is missing from the catalog", key)
            return key
        return string.Formatter().vformat(text, (), _Missing(params))

    def choice_words(self) -> dict[str, frozenset[str]]:
        """What a user may type for a fixed value, in any language, as the bot shows it:
        `賛成` or `Pro` for `pro` (from `choice.pro`, `side.pro`, …), casefolded."""
        words: dict[str, set[str]] = {}
        for messages in self.messages.values():
            for key, text in messages.items():
                section, _, value = key.rpartition(".")
                if section in WORD_SECTIONS and text.strip():
                    words.setdefault(text.strip().casefold(), set()).add(value)
        return {word: frozenset(values) for word, values in words.items()}
