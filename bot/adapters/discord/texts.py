"""Command descriptions and choice names from the message catalog, localised by a Translator.

App-command descriptions are fixed when the cogs are imported, so the English catalog is read
then; :class:`CatalogTranslator` gives Discord the other languages (Japanese) at sync time.
Command and option *names* stay untranslated: the command words are the same everywhere.
"""

from __future__ import annotations

import logging
from functools import cache

import discord
from discord import app_commands

from bot.core.i18n import FALLBACK, Catalog
from bot.core.library import PROMPTS_DIR

log = logging.getLogger(__name__)
DESCRIPTION_LIMIT = 100  # Discord's limit for command and option descriptions and choice names
LOCALES: dict[str, tuple[discord.Locale, ...]] = {
    "ja": (discord.Locale.japanese,),
}


@cache
def catalog() -> Catalog:
    return Catalog.load(PROMPTS_DIR / "locales")


def text(key: str, **params: object) -> app_commands.locale_str:
    """An English text from the catalog that the translator localises by its `key`."""
    english = catalog().t(FALLBACK, key, **params)[:DESCRIPTION_LIMIT]
    return app_commands.locale_str(english, key=key, params=params)


def choice(key: str, value: str) -> app_commands.Choice[str]:
    """A fixed choice whose shown name comes from the catalog (e.g. `side.pro`)."""
    return app_commands.Choice(name=text(key), value=value)


class CatalogTranslator(app_commands.Translator):
    """Looks up every `text(...)` string in the catalog for the locales in LOCALES."""

    def __init__(self, messages: Catalog | None = None) -> None:
        self.messages = messages or catalog()
        self.languages = {locale: lang for lang, locales in LOCALES.items() for locale in locales}

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        lang = self.languages.get(locale)
        if not key or lang is None or key not in self.messages.messages.get(lang, {}):
            return None
        return self.messages.t(lang, key, **string.extras.get("params", {}))[:DESCRIPTION_LIMIT]
