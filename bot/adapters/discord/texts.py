"""Command descriptions and choice names from the message catalog, localised by a Translator.

The catalog is the core's (`core.catalog`, loaded by `build_core` from BOT_PROMPTS); none is
read at import. App-command descriptions are fixed when a cog module's body runs, and discord.py
runs it afresh at every `load_extension`, so `DebateBot.load_cogs` loads the cogs inside
:func:`reading` the core's catalog: English then, and :class:`CatalogTranslator` (on the same
catalog) gives Discord the other languages (Japanese) at sync time.
Command and option *names* stay untranslated: the command words are the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import discord
from discord import app_commands

from bot.core.kernel.i18n import FALLBACK, Catalog

log = logging.getLogger(__name__)
DESCRIPTION_LIMIT = 100  # Discord's limit for command and option descriptions and choice names
LOCALES: dict[str, tuple[discord.Locale, ...]] = {
    "ja": (discord.Locale.japanese,),
}
# The catalog the cogs being loaded read their English texts from (set by `reading`).
_loading: ContextVar[Catalog] = ContextVar("catalog_of_the_cogs_being_loaded")


@contextmanager
def reading(catalog: Catalog) -> Iterator[None]:
    """While the cogs load: `text` and `choice` take their English from `catalog`."""
    token = _loading.set(catalog)
    try:
        yield
    finally:
        _loading.reset(token)


def text(key: str, **params: object) -> app_commands.locale_str:
    """An English text from the catalog that the translator localises by its `key`."""
    try:
        catalog = _loading.get()
    except LookupError:
        raise RuntimeError(f"{key}: command texts are read while DebateBot.load_cogs loads the cogs") from None
    english = catalog.t(FALLBACK, key, **params)[:DESCRIPTION_LIMIT]
    return app_commands.locale_str(english, key=key, params=params)


def choice(key: str, value: str) -> app_commands.Choice[str]:
    """A fixed choice whose shown name comes from the catalog (e.g. `side.pro`)."""
    return app_commands.Choice(name=text(key), value=value)


class CatalogTranslator(app_commands.Translator):
    """Looks up every `text(...)` string in the catalog for the locales in LOCALES."""

    def __init__(self, messages: Catalog) -> None:
        self.messages = messages
        self.languages = {locale: lang for lang, locales in LOCALES.items() for locale in locales}

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        lang = self.languages.get(locale)
        if not key or lang is None or key not in self.messages.messages.get(lang, {}):
            return None
        return self.messages.t(lang, key, **string.extras.get("params", {}))[:DESCRIPTION_LIMIT]
