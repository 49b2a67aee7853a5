"""The poll chart: horizontal result bars, or one panel per instant-runoff round."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.charts.common import (
    BAR,
    DPI,
    ELIMINATED,
    GRID,
    INK,
    WINNER,
    _figure,
    _heading,
    _plain,
    _wrap,
)
from bot.core.polls.counting import RunoffRound

POLL_SIZE = (1200, 900)
RANKED_COLUMNS = 2
RANKED_ROW_HEIGHT = 380  # extra pixels per row of round panels beyond the second
LABEL_SIZES = (17, 15, 13, 12)  # pt: option names shrink to these to fit whole
LABEL_MARGIN = 24  # px between the figure's left edge and a label column, and the tick pad


def poll_chart(
    path: Path | IO[bytes],
    *,
    title: str,
    options: list[str],
    counts: list[int],
    winners: list[int],
    rounds: list[RunoffRound] | None = None,
    labels: dict[str, str],
) -> Path | IO[bytes]:
    """Draw a poll's results as horizontal bars, the winner(s) highlighted and labelled.

    With ``rounds`` (a ranked poll), draws one panel per instant-runoff round, two panels
    a row, marking who was eliminated in each round and the winner(s) in the last.

    Args:
        path: the PNG file (or open binary stream) to write; its folder is created if missing. 1200x900 px, or for
            more than four rounds 1200 x (900 + 380 per extra row of two panels).
        title: chart title.
        options: option texts.
        counts: votes per option (first preferences for a ranked poll).
        winners: winning option indices ([] for none).
        rounds: the runoff rounds of a ranked poll, or None / [] for a single panel.
        labels: the texts "votes", "round", "eliminated", "winner" (any language); a
            missing key falls back to English. "round" may hold a ``{n}`` slot for the
            round number ("第{n}ラウンド"); without one the number follows it. An optional "exhausted" text also shows
            each round's exhausted ballots.

    Returns:
        ``path``.
    """
    size = poll_chart_size(len(rounds or []))
    with _figure(path, size) as fig:
        draw_poll(
            fig,
            title=title,
            options=options,
            counts=counts,
            winners=winners,
            rounds=rounds,
            labels=labels,
        )
    return path


def draw_poll(
    fig: Figure,
    *,
    title: str,
    options: list[str],
    counts: list[int],
    winners: list[int],
    rounds: list[RunoffRound] | None = None,
    labels: dict[str, str],
) -> None:
    """The drawing step of :func:`poll_chart`, on a figure of ``poll_chart_size`` pixels."""
    text = {"votes": "votes", "round": "Round", "eliminated": "eliminated", "winner": "winner"}
    text.update(labels)
    rounds = rounds or []
    size = poll_chart_size(len(rounds))
    _poll_heading(fig, size, title, options, counts, winners, text)
    top = 1 - 160 / size[1]
    if not rounds:
        box = (0.3, 0.1, 0.66, top - 0.1)
        ax = fig.add_axes(box)
        names, fontsize = option_labels(
            options,
            label_px=box[0] * size[0] - LABEL_MARGIN,
            row_px=box[3] * size[1] / max(len(options), 1),
        )
        _option_bars(
            ax,
            options,
            counts,
            winners=set(winners),
            eliminated=set(),
            text=text,
            names=names,
            fontsize=fontsize,
        )
        ax.set_xlabel(_plain(text["votes"]), fontsize=18)
    else:
        _round_panels(fig, size, top, options, winners, rounds, text)


def option_labels(
    options: list[str], *, label_px: float, row_px: float
) -> tuple[list[str], int]:
    """The option names as axis labels, and their font size in points.

    Each name is wrapped at spaces (a word wider than the column, or Japanese, breaks
    anywhere) into a label column ``label_px`` wide, in as many lines as a bar's row
    (``row_px`` high) holds. The largest of ``LABEL_SIZES`` at which every name fits whole
    wins; only when none does are names ended with "…", at the smallest size.
    """
    for size in LABEL_SIZES:
        font_px = size * DPI / 72
        width = max(4, int(label_px / (font_px * 0.6)))
        lines = max(1, int(row_px / (font_px * 1.25)))
        whole = [_wrap(o, width, len(o) + 1) for o in options]
        if all(w.count("\n") < lines for w in whole):
            return whole, size
    return [_wrap(o, width, lines) for o in options], LABEL_SIZES[-1]


def poll_chart_size(rounds: int) -> tuple[int, int]:
    """Pixel size of :func:`poll_chart` for a poll with this many runoff rounds."""
    rows = -(-rounds // RANKED_COLUMNS)
    return POLL_SIZE[0], POLL_SIZE[1] + max(0, rows - 2) * RANKED_ROW_HEIGHT


def _poll_heading(
    fig: Figure,
    size: tuple[int, int],
    title: str,
    options: list[str],
    counts: list[int],
    winners: list[int],
    text: dict[str, str],
) -> None:
    if winners:
        names = ", ".join(options[w] for w in winners)
        line = f"★ {text['winner']}: {names}"
    else:
        line = f"{sum(counts)} {text['votes']}"
    _heading(fig, size[1], title, line)


def _round_panels(
    fig: Figure,
    size: tuple[int, int],
    top: float,
    options: list[str],
    winners: list[int],
    rounds: list[RunoffRound],
    text: dict[str, str],
) -> None:
    ncols = min(RANKED_COLUMNS, len(rounds))
    nrows = -(-len(rounds) // RANKED_COLUMNS)
    bottom = 70 / size[1]
    left, hspace = 0.24, 0.45
    grid = fig.add_gridspec(
        nrows, ncols, left=left, right=0.97, top=top, bottom=bottom, wspace=0.08, hspace=hspace
    )
    panel_px = (top - bottom) * size[1] / (nrows + hspace * (nrows - 1))
    names, fontsize = option_labels(
        options,
        label_px=left * size[0] - LABEL_MARGIN,
        row_px=panel_px / max(len(options), 1),
    )
    scale = max(max(rnd.counts.values(), default=0) for rnd in rounds)  # one x scale for all
    first_axes: Axes | None = None
    for r, rnd in enumerate(rounds):
        row, col = divmod(r, RANKED_COLUMNS)
        ax = fig.add_subplot(grid[row, col], sharey=first_axes)
        first_axes = first_axes or ax
        last = r == len(rounds) - 1
        values = [rnd.counts.get(i) for i in range(len(options))]
        _option_bars(
            ax,
            options,
            values,
            winners=set(winners) if last else set(),
            eliminated=set(rnd.eliminated),
            text=text,
            # the panels share their y axis, so its tick labels are set once, by the first
            names=names if r == 0 else None,
            fontsize=fontsize,
            scale=scale,
            show_names=col == 0,
        )
        ax.set_title(_plain(_round_title(text["round"], r + 1)), fontsize=20, loc="left")
        xlabel = text["votes"]
        if rnd.exhausted and "exhausted" in text:
            xlabel += f"   ({text['exhausted']}: {rnd.exhausted})"
        ax.set_xlabel(_plain(xlabel), fontsize=16)


def _round_title(label: str, number: int) -> str:
    """The panel title: label then number, or the number put in a ``{n}`` slot."""
    return label.replace("{n}", str(number)) if "{n}" in label else f"{label} {number}"


def _option_bars(
    ax: Axes,
    options: list[str],
    values: Sequence[int | None],
    *,
    winners: set[int],
    eliminated: set[int],
    text: dict[str, str],
    names: list[str] | None,
    fontsize: int,
    scale: int = 0,
    show_names: bool = True,
) -> None:
    """Horizontal bars, first option on top; a None value is an option no longer counted.

    ``names`` are the y tick labels (from :func:`option_labels`), drawn at ``fontsize``;
    None leaves the ticks alone (axes sharing their y axis with one that set them), and
    ``show_names=False`` hides them on this axes. ``scale`` is the largest value the x axis
    must hold (default: the largest of ``values``).
    """
    rows = range(len(options))
    biggest = max((v for v in values if v is not None), default=0)
    span = max(scale, biggest, 1)
    for i, value in zip(rows, values, strict=True):
        if value is None:
            ax.text(0, i, "  —", va="center", fontsize=18, color="#555555")
            continue
        if i in winners:
            colour, hatch, label = WINNER, None, f"{value}  ★ {text['winner']}"
        elif i in eliminated:
            colour, hatch, label = ELIMINATED, "xx", f"{value}  ✗ {text['eliminated']}"
        else:
            colour, hatch, label = BAR, None, str(value)
        ax.barh(i, value, 0.7, color=colour, edgecolor=INK if hatch else colour, hatch=hatch)
        ax.text(
            value + span * 0.02,
            i,
            _plain(label),
            va="center",
            fontsize=17,
            fontweight="bold" if i in winners else "normal",
        )
    ax.set_xlim(0, span * 1.75)
    ax.set_ylim(max(len(options), 1) - 0.5, -0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.tick_params(axis="x", labelsize=15)
    if names is not None:
        ax.set_yticks(list(rows), [_plain(n) for n in names])
    ax.tick_params(axis="y", length=0, labelsize=fontsize, labelleft=show_names)
    ax.grid(axis="x", color=GRID, linewidth=1)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
