"""The argument map as a PNG: the thesis on top, each claim a box under its parent.

Laid out by :func:`bot.core.claims.layout.tidy` (Reingold–Tilford), drawn with matplotlib like
the result charts (:mod:`bot.charts`): the Okabe–Ito colours, pro blue and con orange, and
every box also names its side in words, so nothing is told by colour alone. Boxes are sized for
a phone screen; the core gives at most MAP_NODES claims (bot.core.ports.charts), the first in map
order (a parent always comes before its children there), and a note of how many were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from matplotlib.patches import FancyBboxPatch

from bot.charts.common import CON, INK, PRO, UNDECIDED, _figure, _plain, _wrap
from bot.core.claims.layout import tidy
from bot.core.ports.charts import MapNode as Node

BOX_W, BOX_H = 300, 150  # pixels
GAP_X, GAP_Y = 40, 70
MARGIN = 40
MIN_WIDTH = 800  # a narrow tree is centred on a picture no narrower, so a phone shows it at a readable size
TEXT_COLUMNS, TEXT_LINES = 30, 3
BUS = "#777777"  # the lines joining siblings; each drop to a claim takes the claim's colour
COLOURS = {"pro": PRO, "con": CON, "thesis": UNDECIDED}
TINTS = {"pro": "#E5F1F8", "con": "#FBEDE5", "thesis": "#F0F0F0"}


def size_of(nodes: Sequence[Node]) -> tuple[int, int]:
    """The picture's size in pixels for these nodes (what `draw_map` makes)."""
    places = _places(nodes)
    columns = max(x for x, _ in places.values()) + 1
    rows = max(d for _, d in places.values()) + 1
    return (max(MIN_WIDTH, int(columns * (BOX_W + GAP_X) - GAP_X + 2 * MARGIN)),
            int(rows * (BOX_H + GAP_Y) - GAP_Y + 2 * MARGIN + 40))


def _places(nodes: Sequence[Node]) -> dict[int, tuple[float, int]]:
    kids: dict[int, list[int]] = {}
    for n in nodes:
        if n.parent is not None:
            kids.setdefault(n.parent, []).append(n.id)
    return tidy(0, lambda i: kids.get(i, []))


def draw_map(path: Path | IO[bytes], nodes: Sequence[Node], note: str = "") -> None:
    """Draw the thesis (the node with id 0) and its claims to `path` as PNG; `note` goes under it."""
    places = _places(nodes)
    width, height = size_of(nodes)
    by_id = {n.id: n for n in nodes}
    content = (max(x for x, _ in places.values()) + 1) * (BOX_W + GAP_X) - GAP_X
    left = (width - content) / 2

    def centre(i: int) -> tuple[float, float]:
        x, depth = places[i]
        return (left + x * (BOX_W + GAP_X) + BOX_W / 2, MARGIN + depth * (BOX_H + GAP_Y) + BOX_H / 2)

    with _figure(path, (width, height)) as fig:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)  # y grows downwards, as the rows do
        ax.axis("off")
        for n in nodes:
            if n.parent is not None and n.parent in places and n.id in places:
                (px, py), (cx, cy) = centre(n.parent), centre(n.id)
                bus = py + BOX_H / 2 + GAP_Y / 2
                ax.plot([px, px, cx], [py + BOX_H / 2, bus, bus], color=BUS, linewidth=2, zorder=1)
                ax.plot([cx, cx], [bus, cy - BOX_H / 2], color=COLOURS.get(n.side, INK), linewidth=3, zorder=1)
        for i in places:
            n = by_id[i]
            cx, cy = centre(i)
            ax.add_patch(FancyBboxPatch((cx - BOX_W / 2, cy - BOX_H / 2), BOX_W, BOX_H,
                                        boxstyle="round,pad=0,rounding_size=12", facecolor=TINTS[n.side],
                                        edgecolor=COLOURS[n.side], linewidth=3, zorder=2))
            ax.text(cx - BOX_W / 2 + 12, cy - BOX_H / 2 + 10, _plain(n.heading), ha="left", va="top",
                    fontsize=15, fontweight="bold", color=INK, zorder=3)
            if n.detail:
                ax.text(cx - BOX_W / 2 + 12, cy - BOX_H / 2 + 36, _plain(_wrap(n.detail, TEXT_COLUMNS + 4, 1)),
                        ha="left", va="top", fontsize=12, color=INK, zorder=3)
            top, lines = (62, TEXT_LINES) if n.detail else (40, TEXT_LINES + 1)
            ax.text(cx - BOX_W / 2 + 12, cy - BOX_H / 2 + top, _plain(_wrap(n.text, TEXT_COLUMNS, lines)),
                    ha="left", va="top", fontsize=13, color=INK, zorder=3, linespacing=1.25)
        if note:
            ax.text(MARGIN, height - 14, _plain(note), ha="left", va="bottom", fontsize=13, color=INK)
