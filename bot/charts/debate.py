"""The debate chart: pre- vs post-debate vote shares per side and who moved."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import IO

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.charts.common import (
    GRID,
    INK,
    SIDE_COLOURS,
    SIDES,
    _figure,
    _heading,
    _namer,
    _plain,
    _wrap,
)

DEBATE_SIZE = (1200, 900)
MOVEMENT_ROWS = 9  # rows in the movement table; the smallest moves beyond share one row


def debate_chart(
    path: Path | IO[bytes],
    *,
    title: str,
    labels: dict[str, str],
    pre: dict[str, int],
    post: dict[str, int],
    movement: list[tuple[str, str, int]],
    verdict: str = "",
    winner: str | None = None,
    swing: str = "",
) -> Path | IO[bytes]:
    """Draw the pre- vs post-debate vote shares per side and the movement between them.

    Args:
        path: the PNG file (or open binary stream) to write (1200x900 px); its folder is created if missing.
        title: chart title (the motion).
        labels: display names for "pro", "con", "undecided", "pre" and "post" (any
            language); a missing key shows the key itself.
        pre: votes per side before the debate ("pro", "con", "undecided"; missing = 0).
        post: votes per side after the debate.
        movement: (from, to, voters): how many voters went from one side to another; a
            side other than the three (e.g. "none", no vote that time) is shown by its
            label with a white marker. Changes come first, largest first, then those who
            stayed; past nine rows the smallest are summed into one "…" row.
        verdict: the second title line, who won and by how much ("Pro wins by 15.0
            points"), "" for none.
        winner: "pro" or "con" colours the verdict in that side's colour; anything else
            (a tie, no result) draws it in ink.
        swing: the swing line under the verdict ("Swing: Pro +20.0 pts · Con +5.0 pts"),
            "" for none; the vote counts before and after follow it.

    Returns:
        ``path``.
    """
    with _figure(path, DEBATE_SIZE) as fig:
        draw_debate(
            fig,
            title=title,
            labels=labels,
            pre=pre,
            post=post,
            movement=movement,
            verdict=verdict,
            winner=winner,
            swing=swing,
        )
    return path


def draw_debate(
    fig: Figure,
    *,
    title: str,
    labels: dict[str, str],
    pre: dict[str, int],
    post: dict[str, int],
    movement: list[tuple[str, str, int]],
    verdict: str = "",
    winner: str | None = None,
    swing: str = "",
) -> None:
    """The drawing step of :func:`debate_chart`, on a figure of ``DEBATE_SIZE`` pixels."""
    name = _namer(labels)
    pre_total = sum(pre.get(side, 0) for side in SIDES)
    post_total = sum(post.get(side, 0) for side in SIDES)
    counts = f"{name('pre')}: {pre_total}   ·   {name('post')}: {post_total}"
    below = _heading(
        fig,
        DEBATE_SIZE[1],
        title,
        f"{swing}   ·   {counts}" if swing else counts,
        verdict=verdict,
        verdict_colour=SIDE_COLOURS.get(winner or "", INK) if winner in ("pro", "con") else INK,
    )
    top = 1 - (below + 30) / DEBATE_SIZE[1]
    bars = fig.add_axes((0.08, 0.15, 0.5, top - 0.15))
    _draw_shares(bars, name, pre, post, pre_total, post_total)
    moves = fig.add_axes((0.62, 0.15, 0.36, top - 0.15))
    _draw_movement(moves, name, movement)


def share_limit(top: float) -> float:
    """The top of the share axis for a tallest bar of ``top`` percent: room above the bar
    for its label, a multiple of 10, at least 20 and never past 100 (a share cannot be more)."""
    return float(min(100, max(20, math.ceil((top * 1.25 + 8) / 10) * 10)))


def _draw_shares(
    ax: Axes,
    name: Callable[[str], str],
    pre: dict[str, int],
    post: dict[str, int],
    pre_total: int,
    post_total: int,
) -> None:
    width = 0.38
    tallest = max(
        [100.0 * pre.get(side, 0) / pre_total for side in SIDES if pre_total]
        + [100.0 * post.get(side, 0) / post_total for side in SIDES if post_total],
        default=0.0,
    )
    limit = share_limit(tallest)
    ax.set_ylim(0, limit)
    # A label is two lines of 18 pt: it stands above its bar where there is room, otherwise
    # just inside the bar's top on a white box, so no label leaves the axes.
    label_room = limit * 60 / (ax.get_position().height * DEBATE_SIZE[1])
    for g, side in enumerate(SIDES):
        colour = SIDE_COLOURS[side]
        for offset, votes, total, hatch, alpha in (
            (-width / 2 - 0.01, pre.get(side, 0), pre_total, "//", 0.45),
            (width / 2 + 0.01, post.get(side, 0), post_total, None, 1.0),
        ):
            share = 100.0 * votes / total if total else 0.0
            ax.bar(
                g + offset,
                share,
                width,
                color=to_rgba(colour, alpha),
                edgecolor=colour,
                linewidth=2.5,
                hatch=hatch,
            )
            inside = share + 1.5 + label_room > limit
            ax.text(
                g + offset,
                share - 1.5 if inside else share + 1.5,
                f"{share:.0f}%\n({votes})",
                ha="center",
                va="top" if inside else "bottom",
                fontsize=16 if inside else 18,
                fontweight="bold",
                linespacing=1.1,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 2} if inside else None,
            )
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlim(-0.6, len(SIDES) - 0.4)
    ax.set_xticks(range(len(SIDES)), [_plain(name(side)) for side in SIDES])
    ax.tick_params(axis="x", which="major", length=0, pad=36, labelsize=22)
    for label in ax.get_xticklabels():
        label.set_fontweight("bold")
    minor = [g + s * (width / 2 + 0.01) for g in range(len(SIDES)) for s in (-1, 1)]
    pair = [_plain(_wrap(name("pre"), 9, 2)), _plain(_wrap(name("post"), 9, 2))]
    ax.set_xticks(minor, pair * len(SIDES), minor=True)
    ax.tick_params(axis="x", which="minor", length=0, pad=6, labelsize=16)
    ax.tick_params(axis="y", labelsize=16)
    ax.grid(axis="y", color=GRID, linewidth=1)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)


def _draw_movement(
    ax: Axes, name: Callable[[str], str], movement: list[tuple[str, str, int]]
) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.text(
        0.0,
        1.0,
        _plain(f"{name('pre')} → {name('post')}"),
        fontsize=22,
        fontweight="bold",
        va="top",
    )
    rows = sorted(
        (m for m in movement if m[2] > 0),
        key=lambda m: (m[0] == m[1], -m[2], _side_order(m[0]), _side_order(m[1])),
    )
    if not rows:
        ax.text(0.0, 0.85, "—", fontsize=22, va="top")
        return
    hidden = rows[MOVEMENT_ROWS - 1 :] if len(rows) > MOVEMENT_ROWS else []
    rows = rows[: MOVEMENT_ROWS - 1] if hidden else rows
    step = min(0.105, 0.86 / (len(rows) + bool(hidden)))
    for r, (src, dst, count) in enumerate(rows):
        y = 0.84 - r * step
        if r % 2 == 0:
            ax.add_patch(Rectangle((0, y - step / 2), 1, step, color="#F0F0F0", lw=0))
        ax.text(0.1, y, str(count), fontsize=20, va="center", ha="right", fontweight="bold")
        for x, side in ((0.14, src), (0.605, dst)):
            colour = SIDE_COLOURS.get(side)
            ax.add_patch(
                Rectangle(
                    (x, y - 0.018),
                    0.04,
                    0.036,
                    facecolor=colour or "white",
                    edgecolor=colour or INK,
                    lw=1.5,
                )
            )
            ax.text(x + 0.06, y, _plain(_wrap(name(side), 11, 1)), fontsize=18, va="center")
        ax.text(0.55, y, "→", fontsize=20, va="center", ha="center", fontweight="bold")
    if hidden:
        y = 0.84 - len(rows) * step
        more = sum(m[2] for m in hidden)
        ax.text(0.1, y, str(more), fontsize=20, va="center", ha="right", fontweight="bold")
        ax.text(0.2, y, "…", fontsize=20, va="center")


def _side_order(side: str) -> int:
    return SIDES.index(side) if side in SIDES else len(SIDES)
