"""Cards as Slack Block Kit, with every text escaped and cut to Slack's limits.

Every text is escaped (`&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`; Slack decodes these three for
display), so no text a card carries (a speech, a name, a custom motion) can become a link or a
mention such as `<!channel>`, `<!here>` or `<@U…>`. Bodies, fields and footers are `mrkdwn`
(cards written by users are sent `verbatim`: no auto-linking); headers, button labels and modal
texts are `plain_text`, which Slack never parses for mentions or formatting at all.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.kernel.cards import Button, Card, Field

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTON_LIMIT = 75
BUTTONS_PER_BLOCK = 25
ACTION_ID_LIMIT = 255
CONTEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000
MAX_BLOCKS = 50
MAX_BODY_SECTIONS = 10
MODAL_TITLE_LIMIT = 24
PLACEHOLDER_LIMIT = 150
LABEL_LIMIT = 2000
INPUT_LIMIT = 3000  # the most a plain_text_input may take
ELLIPSIS = "…"
SPEECH_CALLBACK = "speak"
BALLOT_CALLBACK = "ballot"
MODAL_BLOCK = "speech"
MODAL_INPUT = "text"
BALLOT_LIMIT = 500
STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so nothing pings or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text as the user typed it: Slack sends `&`, `<` and `>` of typed text as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def cut_escaped(escaped: str, limit: int) -> str:
    """Escaped text within `limit` characters, with an ellipsis when something was cut; never
    cuts an entity such as `&amp;` in half."""
    if len(escaped) <= limit:
        return escaped
    head = escaped[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + ELLIPSIS


def split_escaped(escaped: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most `limit` characters, at line ends where possible."""
    pieces: list[str] = []
    rest = escaped
    while len(rest) > limit:
        at = rest.rfind("\n", 0, limit)
        if at <= 0:
            at = limit
            amp = rest.rfind("&", 0, at)
            if amp != -1 and ";" not in rest[amp:at]:
                at = amp
        pieces.append(rest[:at])
        rest = rest[at:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object: never parsed for mentions, and escaped all the same (Slack decodes it)."""
    return {"type": "plain_text", "text": cut_escaped(escape(text), limit) or " ", "emoji": True}


def mrkdwn(escaped: str, verbatim: bool) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "mrkdwn", "text": escaped}
    if verbatim:
        obj["verbatim"] = True
    return obj


def _field_text(f: Field, limit: int) -> str:
    name = escape(f.name.strip())
    value = escape(f.value.strip()) or "—"
    head = f"*{name}*\n" if name else ""
    return cut_escaped(head + value, limit)


def _fields(card: Card) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    inline: list[dict[str, Any]] = []

    def flush() -> None:
        if inline:
            blocks.append({"type": "section", "fields": list(inline)})
            inline.clear()

    for f in card.fields:
        if f.inline:
            inline.append(mrkdwn(_field_text(f, FIELD_LIMIT), card.user_text))
            if len(inline) == FIELDS_PER_SECTION:
                flush()
        else:
            flush()
            blocks.append({"type": "section", "text": mrkdwn(_field_text(f, SECTION_LIMIT), card.user_text)})
    flush()
    return blocks


def button(b: Button) -> dict[str, Any]:
    """A button whose `action_id` and `value` are the card's stable custom id."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": b.custom_id[:ACTION_ID_LIMIT],
        "value": b.custom_id,
        "text": plain(b.label, BUTTON_LIMIT),
    }
    style = STYLES.get(b.style)
    if style:
        element["style"] = style
    return element


def _actions(card: Card) -> list[dict[str, Any]]:
    blocks = []
    for n, start in enumerate(range(0, len(card.buttons), BUTTONS_PER_BLOCK)):
        elements = [button(b) for b in card.buttons[start : start + BUTTONS_PER_BLOCK]]
        blocks.append({"type": "actions", "block_id": "actions" if n == 0 else f"actions-{n}", "elements": elements})
    return blocks


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """Block Kit for a card: header, body sections, fields, buttons, footer (within 50 blocks)."""
    main: list[dict[str, Any]] = []
    if card.title.strip():
        main.append({"type": "header", "text": plain(card.title.strip(), HEADER_LIMIT)})
    if card.body.strip():
        pieces = split_escaped(escape(card.body.strip()), SECTION_LIMIT)
        if len(pieces) > MAX_BODY_SECTIONS:
            pieces = pieces[:MAX_BODY_SECTIONS]
            last = cut_escaped(pieces[-1], SECTION_LIMIT - 1)
            pieces[-1] = last if last.endswith(ELLIPSIS) else last + ELLIPSIS
        main.extend({"type": "section", "text": mrkdwn(p, card.user_text)} for p in pieces)
    main.extend(_fields(card))
    tail = _actions(card)
    if card.footer.strip():
        footer = cut_escaped(escape(card.footer.strip()), CONTEXT_LIMIT)
        tail.append({"type": "context", "elements": [mrkdwn(footer, card.user_text)]})
    return main[: MAX_BLOCKS - len(tail)] + tail


def fallback_text(card: Card) -> str:
    """The `text` sent with the blocks (notifications, screen readers): escaped, never empty."""
    parts = [p.strip() for p in (card.title, card.body) if p.strip()]
    if not parts:
        parts = [f"{f.name}: {f.value}" for f in card.fields] or [card.footer or card.kind]
    return cut_escaped(escape("\n".join(parts)), FALLBACK_LIMIT)


def message(card: Card) -> dict[str, Any]:
    """The `text` and `blocks` arguments of chat.postMessage / chat.update / chat.postEphemeral."""
    return {"text": fallback_text(card), "blocks": card_blocks(card)}


def text_modal(*, callback_id: str, title: str, submit: str, close: str, label: str, placeholder: str,
               hint: str, max_length: int, multiline: bool, metadata: dict[str, str]) -> dict[str, Any]:
    """A modal with one text input (a speech, a ranked ballot); `metadata` comes back on submit."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": MODAL_INPUT,
        "multiline": multiline,
        "max_length": min(max_length, INPUT_LIMIT),  # Slack refuses the whole view above it
        "placeholder": plain(placeholder, PLACEHOLDER_LIMIT),
    }
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": plain(title, MODAL_TITLE_LIMIT),
        "submit": plain(submit, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": [
            {"type": "input", "block_id": MODAL_BLOCK, "label": plain(label, LABEL_LIMIT), "element": element},
            {"type": "context", "elements": [mrkdwn(cut_escaped(escape(hint), CONTEXT_LIMIT), False)]},
        ],
    }


def modal_text(view: dict[str, Any]) -> str:
    """What was typed into a `text_modal`."""
    state = ((view.get("state") or {}).get("values") or {}).get(MODAL_BLOCK) or {}
    return str((state.get(MODAL_INPUT) or {}).get("value") or "")
