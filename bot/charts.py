"""Result charts as PNG files: debate opinion shift and poll results.

Made to be read on a phone: large type, high contrast, the Okabe–Ito colour-blind-safe
palette, and every bar carries a text label, so no information is in colour alone.

Figures are made with the object-oriented ``Figure`` API, not pyplot: nothing is kept in
pyplot's global figure registry, so there is nothing to leak over many charts, and a chart
may be drawn from a worker thread (``asyncio.to_thread``). Drawing is serialised by a lock
because matplotlib's rcParams are global.

Japanese labels need a CJK font: :func:`font_families` looks for one and falls back to
matplotlib's default (Japanese then shows as empty boxes) with a single logged warning.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import shutil
import subprocess
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

from bot.core.polls.counting import RunoffRound  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # matplotlib >= 3.9; only for the checker

log = logging.getLogger(__name__)

DPI = 100
DEBATE_SIZE = (1200, 900)
POLL_SIZE = (1200, 900)
RANKED_COLUMNS = 2
RANKED_ROW_HEIGHT = 380  # extra pixels per row of round panels beyond the second

# Okabe–Ito
PRO = "#0072B2"
CON = "#D55E00"
UNDECIDED = "#999999"
WINNER = "#009E73"
BAR = "#0072B2"
ELIMINATED = "#999999"
INK = "#1A1A1A"
GRID = "#D0D0D0"
SIDE_COLOURS = {"pro": PRO, "con": CON, "undecided": UNDECIDED}
SIDES = ("pro", "con", "undecided")
LABEL_SIZES = (17, 15, 13, 12)  # pt: option names shrink to these to fit whole
LABEL_MARGIN = 24  # px between the figure's left edge and a label column, and the tick pad
MOVEMENT_ROWS = 9  # rows in the movement table; the smallest moves beyond share one row

DEFAULT_FONT = "DejaVu Sans"
# Families tried first, by name, before asking fontconfig.
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "IPAPGothic",
    "TakaoGothic",
    "TakaoPGothic",
    "VL Gothic",
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Yu Gothic",
    "Meiryo",
    "MS Gothic",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")

_DRAW_LOCK = threading.Lock()


# --- fonts ------------------------------------------------------------------------------


@functools.cache
def font_families() -> tuple[str, ...]:
    """The ``font.family`` list for charts: the default font, then a CJK font if any.

    matplotlib falls back glyph by glyph along this list, so Latin text keeps the default
    font and Japanese comes from the CJK one. Looked up once per process; when no CJK font
    is installed, logs one warning and returns the default font alone.
    """
    cjk = _find_cjk_family()
    if cjk is None:
        log.warning(
            "no CJK font found (e.g. install fonts-noto-cjk); Japanese chart text will not render"
        )
        return (DEFAULT_FONT,)
    log.info("chart font for Japanese text: %s", cjk)
    return (DEFAULT_FONT, cjk) if cjk != DEFAULT_FONT else (DEFAULT_FONT,)


def _find_cjk_family() -> str | None:
    installed = _installed_families()
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    shipped = _shipped_japanese_font()
    if shipped is not None:
        font_manager.fontManager.addfont(str(shipped))
        return font_manager.FontProperties(fname=str(shipped)).get_name()
    for path in _fontconfig_japanese_files():
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError) as exc:
            log.debug("cannot use font %s: %s", path, exc)
    return None


def _shipped_japanese_font() -> Path | None:
    """IPAexGothic from the matplotlib-fontja package (a dependency), so every machine has it."""
    spec = importlib.util.find_spec("matplotlib_fontja")  # found, not imported: importing it restyles pyplot
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).with_name("fonts") / "ipaexg.ttf"
    return path if path.exists() else None


def _installed_families() -> set[str]:
    return {font.name for font in font_manager.fontManager.ttflist}


def _fontconfig_japanese_files() -> list[str]:
    """Font files fontconfig says cover Japanese (``fc-list :lang=ja``); [] without it."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        done = subprocess.run(
            [exe, ":lang=ja", "file"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("fc-list failed: %s", exc)
        return []
    files = (line.strip().rstrip(":").strip() for line in done.stdout.splitlines())
    return sorted(f for f in files if f.lower().endswith(_FONT_SUFFIXES))


# --- debate chart -----------------------------------------------------------------------


def debate_chart(
    path: Path,
    *,
    title: str,
    labels: dict[str, str],
    pre: dict[str, int],
    post: dict[str, int],
    movement: list[tuple[str, str, int]],
    verdict: str = "",
    winner: str | None = None,
    swing: str = "",
) -> Path:
    """Draw the pre- vs post-debate vote shares per side and the movement between them.

    Args:
        path: the PNG file to write (1200x900 px); its folder is created if missing.
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


# --- poll chart -------------------------------------------------------------------------


def poll_chart(
    path: Path,
    *,
    title: str,
    options: list[str],
    counts: list[int],
    winners: list[int],
    rounds: list[RunoffRound] | None = None,
    labels: dict[str, str],
) -> Path:
    """Draw a poll's results as horizontal bars, the winner(s) highlighted and labelled.

    With ``rounds`` (a ranked poll), draws one panel per instant-runoff round, two panels
    a row, marking who was eliminated in each round and the winner(s) in the last.

    Args:
        path: the PNG file to write; its folder is created if missing. 1200x900 px, or for
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


# --- shared -----------------------------------------------------------------------------


def _heading(
    fig: Figure,
    height: int,
    title: str,
    subtitle: str,
    *,
    verdict: str = "",
    verdict_colour: str = INK,
) -> int:
    """Title (one line at 28 pt, or two at 24 pt), an optional verdict line (24 pt bold) and
    a subtitle (one or two lines at 19 pt); returns how many pixels from the top the
    subtitle ends."""
    one_line = _wrap(title, 44, 1)
    if one_line == " ".join(title.split()):
        text, y, size, below, after = one_line, 12, 28, 75, 62
    else:
        text, y, size = _wrap(title, 54, 2), 10, 24
        below, after = (98, 92) if "\n" in text else (75, 58)
    fig.text(
        0.5,
        1 - y / height,
        _plain(text),
        ha="center",
        va="top",
        fontsize=size,
        fontweight="bold",
        linespacing=1.15,
    )
    if verdict:
        fig.text(
            0.5,
            1 - after / height,
            _plain(_wrap(verdict, 54, 1)),
            ha="center",
            va="top",
            fontsize=24,
            fontweight="bold",
            color=verdict_colour,
        )
        below = after + 46
    lines = _wrap(subtitle, 76, 2)
    fig.text(0.5, 1 - below / height, _plain(lines), ha="center", va="top", fontsize=19)
    return below + 28 * (lines.count("\n") + 1)


@contextmanager
def _figure(path: Path, size: tuple[int, int]) -> Iterator[Figure]:
    """A white figure of exactly ``size`` pixels, saved as PNG to ``path`` on exit."""
    style: dict[RcKeyType, object] = {
        "font.family": list(font_families()),
        "font.size": 16,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "axes.linewidth": 1.5,
        "xtick.color": INK,
        "ytick.color": INK,
        "hatch.linewidth": 1.5,
        "hatch.color": INK,
    }
    with _DRAW_LOCK, matplotlib.rc_context(style), warnings.catch_warnings(), _quiet_findfont():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, facecolor="white")
        try:
            yield fig
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        finally:
            fig.clear()


@contextmanager
def _quiet_findfont() -> Iterator[None]:
    """Drop matplotlib's per-text font warnings (e.g. a CJK font without a bold face)."""
    logger = logging.getLogger("matplotlib.font_manager")
    drop = _DropFindfont()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


class _DropFindfont(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("findfont:")


def _namer(labels: dict[str, str]) -> Callable[[str], str]:
    return lambda key: labels.get(key, key)


def _wrap(text: str, width: int, lines: int) -> str:
    """Wrap to at most ``lines`` lines of ``width`` columns, ending with … if cut.

    Wide (CJK) characters count as two columns; lines break at a space when there is one,
    and a cut ends on a whole word unless that would leave less than half the line.
    """
    rest = " ".join(text.split())
    out: list[str] = []
    while rest and len(out) < lines - 1 and _columns(rest) > width:
        cut = max(_fit(rest, width), 1)
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        if _columns(rest) > width:
            cut = _fit(rest, width - 1)
            space = rest.rfind(" ", 0, cut + 1)
            if space >= cut / 2:  # end on a whole word unless that drops half the line
                cut = space
            rest = rest[:cut].rstrip() + "…"
        out.append(rest)
    return "\n".join(out)


def _fit(text: str, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width`` columns."""
    used = 0
    for i, ch in enumerate(text):
        used += _columns(ch)
        if used > width:
            return i
    return len(text)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(text: str) -> str:
    """Escape ``$`` so user text is never read as mathtext."""
    return text.replace("$", r"\$")
