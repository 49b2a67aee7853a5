"""Cards as plain text lines for the terminal."""

from __future__ import annotations

from bot.core.kernel.cards import Card

# What a terminal would act on instead of printing: C0 controls (ESC starts ANSI sequences), DEL,
# C1 controls, and the bidi embeddings, overrides and isolates that reorder what follows them.
_CONTROLS = {
    **dict.fromkeys(range(0x00, 0x20)),
    0x09: " ",
    0x7F: None,
    **dict.fromkeys(range(0x80, 0xA0)),
    **dict.fromkeys(range(0x202A, 0x202F)),
    **dict.fromkeys(range(0x2066, 0x206A)),
}


def printable(line: str) -> str:
    """One printed line without control characters: user text cannot colour, move or clear
    the terminal, nor hide or reorder what the bot prints (a tab becomes a space)."""
    return line.translate(_CONTROLS)


def card_lines(card: Card) -> list[str]:
    if card.kind == "speech":
        return [f"{card.title}:", *(f"    {line}" for line in card.body.splitlines() or [""])]
    lines: list[str] = []
    if card.title:
        lines.append(f"── {card.title} ──")
    if card.body:
        lines.extend(card.body.splitlines())
    for field in card.fields:
        value = field.value.splitlines() or [""]
        if len(value) == 1 and field.inline:
            lines.append(f"  {field.name}: {value[0]}")
        else:
            lines.append(f"  {field.name}:")
            lines.extend(f"    {v}" for v in value)
    if card.buttons:
        lines.append("  " + " ".join(f"[{b.label}]" for b in card.buttons))
    if card.footer:
        lines.append(f"  ({card.footer})")
    return lines
