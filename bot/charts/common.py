"""What the charts share: the palette, the PNG figure, the heading and text wrapping."""

from __future__ import annotations

import logging
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: no display, PNG only

from matplotlib.figure import Figure  # noqa: E402

from bot.charts.fonts import font_families  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # matplotlib >= 3.9; only for the checker

DPI = 100

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

_DRAW_LOCK = threading.Lock()

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
def _figure(path: Path | IO[bytes], size: tuple[int, int]) -> Iterator[Figure]:
    """A white figure of exactly ``size`` pixels, saved as PNG to ``path`` (a file, or an open
    binary stream) on exit."""
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
            if isinstance(path, str | Path):
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
