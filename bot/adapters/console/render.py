"""Cards as plain text lines for the terminal."""

from __future__ import annotations

from bot.core.cards import Card


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
