"""Cards as Discord embeds with display-only views, cut to Discord's limits.

Every message the bot sends carries ``AllowedMentions.none()``: a speech, a name or a custom
motion can never ping anyone. Views drawn here are *display-only*: clicks on their buttons are
routed by the dynamic item the bot registers once (every ``debate:…`` and ``poll:…`` id), so
they work the same before and after a restart and are never handled twice.
"""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.core.kernel.cards import Attachment, Button, Card

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
BUTTONS_LIMIT = 25
BUTTONS_PER_ROW = 5
THREAD_NAME_LIMIT = 100
ELLIPSIS = "…"
EMPTY = "\u200b"  # Discord refuses empty field names and values

# Okabe-Ito, a palette colour-blind readers can tell apart.
BLUE = 0x0072B2  # pro
VERMILLION = 0xD55E00  # con
BLUISH_GREEN = 0x009E73  # audience, questions
SKY_BLUE = 0x56B4E9  # tallies and polls
ORANGE = 0xE69F00  # errors
REDDISH_PURPLE = 0xCC79A7  # results
GREY = 0x999999  # everything else
SIDE_COLOURS = {"pro": BLUE, "con": VERMILLION, "audience": BLUISH_GREEN}
KIND_COLOURS = {
    "error": ORANGE,
    "result": REDDISH_PURPLE,
    "tally": SKY_BLUE,
    "poll": SKY_BLUE,
    "question": BLUISH_GREEN,
    "opening": BLUE,
    "phase": BLUISH_GREEN,
}
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "secondary": discord.ButtonStyle.secondary,
}
NO_MENTIONS = discord.AllowedMentions.none()


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def colour(card: Card) -> int:
    if card.side in SIDE_COLOURS:
        return SIDE_COLOURS[card.side]
    return KIND_COLOURS.get(card.kind, GREY)


def embed(card: Card) -> discord.Embed:
    """The card as one embed: title, body, fields (at most 25), footer, image attachment."""
    e = discord.Embed(colour=colour(card))
    if card.title:
        e.title = cut(card.title, TITLE_LIMIT)
    if card.author and card.author not in card.title:
        e.set_author(name=cut(card.author, AUTHOR_LIMIT))
    fields = [
        (cut(f.name, FIELD_NAME_LIMIT) or EMPTY, cut(f.value, FIELD_VALUE_LIMIT) or EMPTY, f.inline)
        for f in card.fields[:FIELDS_LIMIT]
    ]
    footer = cut(card.footer, FOOTER_LIMIT)
    body = cut(card.body, DESCRIPTION_LIMIT)
    # The whole embed may hold 6000 characters: drop trailing fields, then shorten the body.
    fixed = len(e.title or "") + len(e.author.name or "") + len(footer)
    while fields and fixed + len(body) + sum(len(n) + len(v) for n, v, _ in fields) > EMBED_TOTAL_LIMIT:
        fields.pop()
    room = EMBED_TOTAL_LIMIT - fixed - sum(len(n) + len(v) for n, v, _ in fields)
    if len(body) > room:
        body = cut(body, max(room, 1))
    if body:
        e.description = body
    for name, value, inline in fields:
        e.add_field(name=name, value=value, inline=inline)
    if footer:
        e.set_footer(text=footer)
    if card.attachment is not None and card.attachment.mime.startswith("image/"):
        e.set_image(url=f"attachment://{card.attachment.filename}")
    if not (e.title or e.description or fields):
        e.description = EMPTY
    return e


class DisplayView(discord.ui.View):
    """Buttons to draw, not to listen on: the bot's dynamic item answers every click.

    discord.py keeps a dispatchable view in its view store (and gives ephemeral ones a 15-minute
    timeout whose expiry would unregister dynamic items); a display-only view is never stored.
    """

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False


def button(b: Button) -> discord.ui.Button:
    return discord.ui.Button(
        label=cut(b.label, BUTTON_LABEL_LIMIT) or EMPTY,
        style=STYLES.get(b.style, discord.ButtonStyle.secondary),
        custom_id=b.custom_id[:CUSTOM_ID_LIMIT],
    )


def view(card: Card) -> DisplayView | None:
    """The card's buttons, five to a row (at most 25); None when it has none."""
    if not card.buttons:
        return None
    v = DisplayView()
    for n, b in enumerate(card.buttons[:BUTTONS_LIMIT]):
        item = button(b)
        item.row = n // BUTTONS_PER_ROW
        v.add_item(item)
    return v


def file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)


def send_kwargs(card: Card) -> dict[str, Any]:
    """Keyword arguments for `Messageable.send` and `Webhook.send` (followups)."""
    kwargs: dict[str, Any] = {"embed": embed(card), "allowed_mentions": NO_MENTIONS}
    v = view(card)
    if v is not None:
        kwargs["view"] = v
    if card.attachment is not None:
        kwargs["file"] = file(card.attachment)
    return kwargs


def edit_kwargs(card: Card) -> dict[str, Any]:
    """Keyword arguments for `Message.edit`: buttons replaced (none left when the card has none).

    An attachment replaces the message's files; without one the files stay as they are.
    """
    kwargs: dict[str, Any] = {"embed": embed(card), "view": view(card), "allowed_mentions": NO_MENTIONS}
    if card.attachment is not None:
        kwargs["attachments"] = [file(card.attachment)]
    return kwargs


def thread_name(title: str) -> str:
    return cut(title.replace("\n", " ").strip(), THREAD_NAME_LIMIT) or EMPTY
