"""The chart fonts: the default font plus a CJK font for Japanese labels.

Japanese labels need a CJK font: :func:`font_families` looks for one and falls back to
matplotlib's default (Japanese then shows as empty boxes) with a single logged warning.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import shutil
import subprocess
from pathlib import Path

from matplotlib import font_manager

log = logging.getLogger(__name__)

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
