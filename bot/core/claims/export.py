"""Argument maps as files: nested JSON (`debate-bot/claims`, version 1, documented in
`docs/schemas/claims-v1.schema.json`), an indented Markdown outline, a collapsible HTML tree
(`<details>`, no script) and Argdown text for the Argdown tools.

Means are exported only where the map shows them to everybody (`revealed`); before that an
impact is `{"mean": null, "n": null}`, so an export cannot be used to follow the crowd.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.claims.tree import Claim, Ratings, children_of, impact, sort_key

if TYPE_CHECKING:
    from bot.core.service import Core

SCHEMA = "debate-bot/claims"
VERSION = 1
FORMATS = ("md", "json", "html", "argdown")
MIME = {"md": "text/markdown", "json": "application/json", "html": "text/html", "argdown": "text/plain"}


@dataclass(frozen=True)
class MapData:
    """One map as the exports need it."""

    kind: str  # debate | discuss
    id: int
    thesis: str
    language: str
    tree: Mapping[int, Claim]
    ratings: Ratings
    revealed: bool


def _ordered(m: MapData, parent: int | None) -> list[Claim]:
    kids = children_of(m.tree).get(parent, [])
    return sorted(kids, key=lambda c: sort_key(c, m.ratings, m.revealed))


def nested(m: MapData, parent: int | None = None) -> list[dict[str, object]]:
    """`claims: [{id, side, text, author, impact: {mean, n}, children: [...]}]`."""
    out = []
    for c in _ordered(m, parent):
        i = impact(m.ratings.get(c.id))
        shown = {"mean": round(i.mean, 2) if i.mean is not None else None, "n": i.n} if m.revealed \
            else {"mean": None, "n": None}
        out.append({"id": c.id, "side": c.side, "text": c.text, "author": c.author_name, "impact": shown,
                    "children": nested(m, c.id)})
    return out


def to_json(m: MapData) -> str:
    data = {"schema": SCHEMA, "version": VERSION, "map": {"kind": m.kind, "id": m.id, "thesis": m.thesis,
                                                        "language": m.language, "revealed": m.revealed},
            "claims": nested(m)}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _impact_words(core: Core, m: MapData, c: Claim) -> str:
    if not m.revealed:
        return core.t(m.language, "claim.impact_hidden")
    i = impact(m.ratings.get(c.id))
    return core.t(m.language, "claim.impact_none") if i.mean is None else \
        core.tn(m.language, "claim.impact", i.n, mean=f"{i.mean:.1f}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def markdown_outline(core: Core, m: MapData, heading: str = "##") -> str:
    """`## Argument map`, the thesis, then one bullet per claim, two spaces deeper per level."""
    t = core.t
    lang = m.language
    out = [f"{heading} {t(lang, 'claim.export_title')}", "", f"**{t(lang, 'claim.export_thesis')}** "
           f"{_one_line(m.thesis)}", ""]

    def walk(parent: int | None, level: int) -> None:
        for c in _ordered(m, parent):
            side = t(lang, f"claim.side.{c.side}")
            out.append(f"{'  ' * level}- **#{c.id} {side}** {_one_line(c.text)} — {c.author_name} · "
                       f"{_impact_words(core, m, c)}")
            walk(c.id, level + 1)

    walk(None, 0)
    if not m.tree:
        out.append(t(lang, "claim.map_empty"))
    out.append("")
    return "\n".join(out)


HTML_STYLE = """
.argmap ul{list-style:none;padding-left:1.2rem;margin:.2rem 0}.argmap details{margin:.2rem 0}
.argmap .claim{border-left:6px solid #999;padding:.1rem .5rem}.argmap .pro{border-left-color:#0072B2}
.argmap .con{border-left-color:#D55E00}.argmap .meta{color:#555;font-size:.9rem}
@media print{.argmap details>*{display:block}}
"""


def html_section(core: Core, m: MapData) -> str:
    """The map as nested `<details>`: open, so it prints whole, and each claim can fold its subtree."""
    e = html.escape
    t = core.t
    lang = m.language
    parts = [f'<section class="argmap"><h2>{e(t(lang, "claim.export_title"))}</h2>',
             f"<p><b>{e(t(lang, 'claim.export_thesis'))}</b> {e(m.thesis)}</p>"]

    def walk(parent: int | None) -> None:
        kids = _ordered(m, parent)
        if not kids:
            return
        parts.append("<ul>")
        for c in kids:
            side = t(lang, f"claim.side.{c.side}")
            head = (f'<span class="claim {e(c.side)}"><b>#{c.id} {e(side)}</b> {e(c.text)} '
                    f'<span class="meta">— {e(c.author_name)} · {e(_impact_words(core, m, c))}</span></span>')
            if children_of(m.tree).get(c.id):
                parts.append(f"<li><details open><summary>{head}</summary>")
                walk(c.id)
                parts.append("</details></li>")
            else:
                parts.append(f"<li>{head}</li>")
        parts.append("</ul>")

    walk(None)
    if not m.tree:
        parts.append(f"<p>{e(t(lang, 'claim.map_empty'))}</p>")
    parts.append("</section>")
    return "".join(parts)


def html_page(core: Core, m: MapData, title: str) -> str:
    e = html.escape
    return (f'<!doctype html><html lang="{e(m.language)}"><head><meta charset="utf-8"><title>{e(title)}</title>'
            "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;"
            f"line-height:1.5}}{HTML_STYLE}</style></head><body><h1>{e(title)}</h1>{html_section(core, m)}"
            "</body></html>\n")


_ARGDOWN_SPECIAL = re.compile(r"[\[\]<>#@{}*_]")


def _argdown_text(text: str) -> str:
    """Text Argdown reads as plain words: no brackets, tags, mentions or emphasis."""
    return _ARGDOWN_SPECIAL.sub(" ", _one_line(text)).strip() or "…"


def argdown(m: MapData, title: str = "") -> str:
    """The thesis as a statement and each claim as an argument supporting (`<+`) or attacking
    (`<-`) its parent, indented under it; `title` (else the thesis) is the document's heading."""
    out = [f"# {_argdown_text(title or m.thesis)}", "", f"[Thesis]: {_argdown_text(m.thesis)}"]

    def walk(parent: int | None, level: int) -> None:
        for c in _ordered(m, parent):
            arrow = "<+" if c.side == "pro" else "<-"
            out.append(f"{'  ' * level}{arrow} <Claim {c.id}>: {_argdown_text(c.text)} #{c.side}")
            walk(c.id, level + 1)

    walk(None, 1)
    out.append("")
    return "\n".join(out)


def render(core: Core, m: MapData, kind: str, title: str) -> bytes:
    """A whole file of the map alone (a discussion's export, `/debate export format:argdown`)."""
    if kind == "json":
        return to_json(m).encode()
    if kind == "html":
        return html_page(core, m, title).encode()
    if kind == "argdown":
        return argdown(m, title).encode()
    return (f"# {title}\n\n" + markdown_outline(core, m)).encode()
