"""How a refusal reads: the reason in the channel's language, how the command is typed, and the
text handed back to its author."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.i18n import Catalog
from bot.core.kernel.request import Request
from bot.core.kernel.timefmt import clock_time

LOCALISED_PARAMS = {"side": "side", "choice": "choice"}  # a value such as side=pro is shown by its name


def _localise(catalog: Catalog, lang: str, name: str, value: object, zone: tzinfo) -> object:
    """Values such as side=pro are shown in the channel's language, times in its zone."""
    if isinstance(value, datetime):
        return clock_time(value, zone)
    prefix = LOCALISED_PARAMS.get(name)
    if prefix and isinstance(value, str) and catalog.has(f"{prefix}.{value}"):
        return catalog.t(lang, f"{prefix}.{value}")
    return value


def error_reply(catalog: Catalog, zone: tzinfo, lang: str, key: str, usage: str | None, handback: str,
                params: dict[str, object]) -> Reply:
    """The private error card: the reason (`key` with `params`), the usage line if any, and
    `handback`, the author's own text, so nothing typed is lost."""
    params = {k: _localise(catalog, lang, k, v, zone) for k, v in params.items()}
    parts = [catalog.t(lang, key, **params)]
    if usage:
        parts.append(catalog.t(lang, "error.usage", usage=catalog.t(lang, usage)))
    if key == "parse.unknown_command":
        parts.append(catalog.t(lang, "error.known_commands"))
    if handback:
        parts.append(catalog.t(lang, "error.handback", text=handback))
    return Reply(Card("error", title=catalog.t(lang, "error.title"), body="\n".join(parts), user_text=True))


def handback_text(request: Request) -> str:
    """What the author typed that a refusal hands back: the command's free text, if any."""
    command = request.command
    if command is not None and command.text:
        return command.text
    return ""
