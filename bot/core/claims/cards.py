"""The cards of argument maps: a posted claim with its 0–4 rating buttons, the indented map
(paged), a rating's confirmation and the result card's strongest claims."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.claims.tree import MAX_IMPACT, MIN_IMPACT, Claim, Impact, Ratings, impact
from bot.core.kernel.cards import Button, Card, Field

if TYPE_CHECKING:
    from bot.core.service import Core

PAGE_SIZE = 15  # claims per page of the map card
INDENT = "\u2003"  # an em space: no platform strips it from the start of a line
TEXT_LIMIT = 140  # characters of a claim's text shown in a map line


@dataclass(frozen=True)
class MapView:
    """What one person may see of a map: every mean once `revealed`, else only the means of the
    claims in `rated` (those they rated themselves)."""

    revealed: bool
    rated: Collection[int]

    def shows(self, claim_id: int) -> bool:
        return self.revealed or claim_id in self.rated


def rate_button(claim_id: int, value: int) -> str:
    return f"claim:{claim_id}:rate:{value}"


def side_name(core: Core, lang: str, side: str) -> str:
    return core.t(lang, f"claim.side.{side}")


def on_what(core: Core, lang: str, parent: int | None) -> str:
    return core.t(lang, "claim.on_thesis") if parent is None else core.t(lang, "claim.on_claim", id=parent)


def impact_text(core: Core, lang: str, i: Impact, shown: bool) -> str:
    if not shown:
        return core.t(lang, "claim.impact_hidden")
    if i.mean is None:
        return core.t(lang, "claim.impact_none")
    return core.tn(lang, "claim.impact", i.n, mean=f"{i.mean:.1f}")


def posted(core: Core, lang: str, c: Claim) -> Card:
    """A claim where it is posted: its text, its side and parent, and the rating buttons."""
    buttons = tuple(Button(rate_button(c.id, v), str(v)) for v in range(MIN_IMPACT, MAX_IMPACT + 1))
    return Card("claim", title=core.t(lang, "claim.posted_title", id=c.id, side=side_name(core, lang, c.side),
                                       on=on_what(core, lang, c.parent_id), author=c.author_name),
                body=c.text, author=c.author_name, side=c.side, user_text=True, buttons=buttons,
                footer=core.t(lang, "claim.posted_footer", id=c.id))


def removed(core: Core, lang: str, c: Claim) -> Card:
    return Card("notice", body=core.t(lang, "claim.removed_card", id=c.id))


def _line(core: Core, lang: str, level: int, c: Claim, ratings: Ratings, view: MapView) -> str:
    text = c.text if len(c.text) <= TEXT_LIMIT else c.text[: TEXT_LIMIT - 1] + "…"
    text = " ".join(text.split())
    shown = impact_text(core, lang, impact(ratings.get(c.id)), view.shows(c.id))
    return INDENT * (2 * level) + core.t(lang, "claim.map_line", id=c.id, side=side_name(core, lang, c.side),
                                         author=c.author_name, impact=shown, text=text)


def map_card(core: Core, lang: str, thesis: str, lines: list[tuple[int, Claim]], ratings: Ratings,
             view: MapView, page: int, root: int | None) -> Card:
    """The tree as indented lines, PAGE_SIZE claims a page (`page` from 1, kept in range)."""
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    chunk = lines[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    body = [core.t(lang, "claim.map_thesis", thesis=thesis)]
    body += [_line(core, lang, level, c, ratings, view) for level, c in chunk]
    if not lines:
        body.append(core.t(lang, "claim.map_empty"))
    footer = [core.t(lang, "claim.map_order" if view.revealed else "claim.map_hidden")]
    if pages > 1:
        nxt = core.t(lang, "claim.map_next", page=page + 1) if page < pages else ""
        footer.append(core.t(lang, "claim.map_page", page=page, pages=pages, next=nxt).strip())
    title = core.t(lang, "claim.map_title") if root is None else core.t(lang, "claim.map_title_sub", id=root)
    return Card("list", title=title, body="\n".join(body), footer=" · ".join(footer), user_text=True)


def rating(core: Core, lang: str, c: Claim, value: int, before: int | None, i: Impact) -> Card:
    if before is None:
        key = "claim.rated"
    elif before == value:
        key = "claim.rated_same"
    else:
        key = "claim.rated_changed"
    body = core.t(lang, key, id=c.id, impact=value, previous=before if before is not None else "")
    body += "\n" + impact_text(core, lang, i, True)
    return Card("notice", body=body)


def strongest_fields(core: Core, lang: str, best: Mapping[str, tuple[Claim, Impact] | None]) -> tuple[Field, ...]:
    """The result card's aid: the strongest pro and con claim, or why none is named."""
    fields = []
    for side, found in best.items():
        if found is None:
            value = core.t(lang, "claim.strongest_none")
        else:
            c, i = found
            value = core.t(lang, "claim.strongest_line", id=c.id, text=c.text[:TEXT_LIMIT], author=c.author_name,
                           impact=impact_text(core, lang, i, True))
        fields.append(Field(core.t(lang, f"claim.strongest.{side}"), value, inline=False))
    return tuple(fields)
