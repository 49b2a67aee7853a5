"""Message catalogs (`prompts/locales/*.toml`): every text the bot posts, with named placeholders.

A text that depends on a number is a small table of plural forms, `key.one` and `key.other`,
and `Catalog.tn` picks the form the language's rule names for the count (`PLURAL_FORMS`).
English has two forms; Japanese, like every language not listed, has one (`key.other` only).
A list of names is joined by `Catalog.join` ("a and b", "a, b and c") with the `list.*` texts.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.ports.prompts import PromptFiles

log = logging.getLogger(__name__)
FALLBACK = "en"
LOCALES = "locales"  # the catalogs' folder among the prompts
OTHER = "other"
# The plural forms of each language, and the rule that picks one for a count.
PLURAL_FORMS: dict[str, tuple[str, ...]] = {"en": ("one", OTHER)}
_PLURAL_RULES: dict[str, Callable[[int], str]] = {"en": lambda n: "one" if n == 1 else OTHER}


def plural_forms(lang: str) -> tuple[str, ...]:
    return PLURAL_FORMS.get(lang, (OTHER,))


def plural_form(lang: str, count: int) -> str:
    """The form `count` takes in `lang`: "one" or "other" in English, always "other" in Japanese."""
    rule = _PLURAL_RULES.get(lang)
    return rule(count) if rule else OTHER
WORD_SECTIONS = ("choice", "side")  # the shown names of these values are also typed as them


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
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


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Catalog:
    messages: dict[str, dict[str, str]]  # lang -> key -> text

    @classmethod
    def load(cls, prompts: PromptFiles, folder: str = LOCALES) -> Catalog:
        """Every `<lang>.toml` in `folder` (`locales/`); the fallback language must be there."""
        messages = {}
        for name, raw in (prompts.files(folder, ".toml") or {}).items():
            messages[name.removesuffix(".toml")] = _flatten(tomllib.loads(raw.decode("utf-8")))
        if FALLBACK not in messages:
            raise FileNotFoundError(f"{folder}/{FALLBACK}.toml is missing")
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

    def tn(self, lang: str, key: str, count: int, **params: object) -> str:
        """The plural form of `key` for `count` in `lang` (`key.one`, `key.other`), with
        `{count}` filled in; a language without the text falls back to English, by English rules."""
        params = {"count": count, **params}
        own = self.messages.get(lang, {})
        form = f"{key}.{plural_form(lang, count)}"
        if form in own:
            return self.t(lang, form, **params)
        if lang != FALLBACK and f"{key}.{OTHER}" not in own:
            return self.t(FALLBACK, f"{key}.{plural_form(FALLBACK, count)}", **params)
        return self.t(lang, f"{key}.{OTHER}", **params)

    def join(self, lang: str, items: Sequence[str]) -> str:
        """Names as a sentence lists them: `a`, `a and b`, `a, b and c` (`list.*` in the catalog)."""
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return self.t(lang, "list.two", first=items[0], last=items[1])
        rest = self.t(lang, "list.separator").join(items[:-1])
        return self.t(lang, "list.many", rest=rest, last=items[-1])

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
