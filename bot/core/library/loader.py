"""Loads and validates the debate library in `prompts/`: motions and formats, read through the
core's :class:`~bot.core.ports.PromptFiles` port.

A malformed or incomplete file is refused with a :class:`LibraryError` that names the file, the
field and the reason, so the bot never starts on a half-read library.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from typing import Any

from bot.core.debates.model import Evidence, Format, Motion, MotionText, Phase, PhaseKind, Side
from bot.core.ports.prompts import PromptFiles

LANGUAGES = ("en", "ja")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PHASE_ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
MIN_POINTS = 4
SPEAKING = {PhaseKind.SPEECH, PhaseKind.CROSS}


class LibraryError(Exception):
    def __init__(self, file: PurePath | str, field: str, reason: str) -> None:
        super().__init__(f"{PurePosixPath(file).name}: {field}: {reason}")
        self.file = str(file)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Library:
    motions: dict[str, Motion]
    formats: dict[str, Format]

    @property
    def default_motion(self) -> Motion:
        for motion in self.motions.values():
            if motion.default:
                return motion
        return next(iter(self.motions.values()))


def _read(path: PurePath, content: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(content.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(path, "(file)", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise LibraryError(path, "(file)", "not UTF-8 text") from None


def _str(path: PurePath, data: dict[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    name = f"{where}{key}"
    if not isinstance(value, str) or not value.strip():
        raise LibraryError(path, name, "missing or empty text")
    return value.strip()


def _int(path: PurePath, data: dict[str, Any], key: str, where: str, minimum: int = 0) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise LibraryError(path, f"{where}{key}", f"must be a whole number >= {minimum}")
    return value


def _strings(path: PurePath, data: dict[str, Any], key: str, where: str, minimum: int) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LibraryError(path, f"{where}{key}", "must be a list of non-empty texts")
    if len(value) < minimum:
        raise LibraryError(path, f"{where}{key}", f"needs at least {minimum} entries, has {len(value)}")
    return tuple(v.strip() for v in value)


def _names(path: PurePath, data: dict[str, Any], key: str, where: str = "") -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise LibraryError(path, f"{where}{key}", "must be a table with en and ja")
    return {lang: _str(path, value, lang, f"{where}{key}.") for lang in LANGUAGES}


def load_format(name: str, content: bytes) -> Format:
    """One format file (`name` its file name, `content` its bytes)."""
    path = PurePosixPath(name)
    data = _read(path, content)
    fid = _str(path, data, "id")
    if fid != path.stem:
        raise LibraryError(path, "id", f"'{fid}' differs from the file name '{path.stem}'")
    raw_phases = data.get("phases")
    if not isinstance(raw_phases, list) or len(raw_phases) < 2:
        raise LibraryError(path, "phases", "needs at least a pre-vote and a post-vote")
    phases: list[Phase] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_phases):
        where = f"phases[{i}]."
        pid = _str(path, raw, "id", where)
        if not PHASE_ID_PATTERN.match(pid) or pid in seen:
            raise LibraryError(path, f"{where}id", f"'{pid}' must be unique, lowercase, digits or _")
        seen.add(pid)
        try:
            kind = PhaseKind(raw.get("kind"))
        except ValueError:
            known = ", ".join(k.value for k in PhaseKind)
            raise LibraryError(path, f"{where}kind", f"must be one of {known}") from None
        try:
            side = Side(raw.get("side"))
        except ValueError:
            raise LibraryError(path, f"{where}side", "must be pro, con or both") from None
        seconds = _int(path, raw, "seconds", where, 1)
        max_chars = _int(path, raw, "max_chars", where, 0)
        speakers = _int(path, raw, "speakers", where, 0)
        if kind in SPEAKING and (max_chars < 1 or speakers < 1):
            raise LibraryError(path, f"{where}max_chars", "a speaking phase needs max_chars and speakers >= 1")
        if kind is PhaseKind.OPEN_FLOOR and max_chars < 1:
            raise LibraryError(path, f"{where}max_chars", "an open floor needs max_chars >= 1")
        if kind is PhaseKind.SPEECH and side is Side.BOTH:
            raise LibraryError(path, f"{where}side", "a speech belongs to pro or con")
        phases.append(Phase(pid, kind, side, seconds, max_chars, speakers, _names(path, raw, "name", where)))
    kinds = [p.kind for p in phases]
    if kinds[0] is not PhaseKind.PRE_VOTE or kinds[-1] is not PhaseKind.POST_VOTE:
        raise LibraryError(path, "phases", "must open with a pre_vote and close with a post_vote")
    if kinds.count(PhaseKind.PRE_VOTE) != 1 or kinds.count(PhaseKind.POST_VOTE) != 1:
        raise LibraryError(path, "phases", "exactly one pre_vote and one post_vote")
    return Format(fid, _names(path, data, "name"), _names(path, data, "description"), tuple(phases))


def _motion_text(path: PurePath, data: dict[str, Any], lang: str) -> MotionText:
    block = data.get(lang)
    if not isinstance(block, dict):
        raise LibraryError(path, lang, "missing language table")
    w = f"{lang}."
    cards = block.get("evidence")
    if not isinstance(cards, list) or not cards:
        raise LibraryError(path, f"{w}evidence", "needs at least one evidence card")
    evidence = []
    for i, card in enumerate(cards):
        cw = f"{w}evidence[{i}]."
        link = _str(path, card, "link", cw)
        if not link.startswith(("https://", "http://")):
            raise LibraryError(path, f"{cw}link", "must be a web address")
        evidence.append(
            Evidence(_str(path, card, "claim", cw), _str(path, card, "figure", cw), _str(path, card, "source", cw), link)
        )
    return MotionText(
        title=_str(path, block, "title", w),
        motion=_str(path, block, "motion", w),
        brief=_str(path, block, "brief", w),
        pro=_strings(path, block, "pro", w, MIN_POINTS),
        con=_strings(path, block, "con", w, MIN_POINTS),
        questions=_strings(path, block, "questions", w, 1),
        evidence=tuple(evidence),
    )


def load_motion(name: str, content: bytes) -> Motion:
    """One motion file (`name` its file name, `content` its bytes)."""
    path = PurePosixPath(name)
    data = _read(path, content)
    mid = _str(path, data, "id")
    if mid != path.stem or not ID_PATTERN.match(mid):
        raise LibraryError(path, "id", f"'{mid}' must equal the file name and be lowercase-with-dashes")
    default = data.get("default", False)
    if not isinstance(default, bool):
        raise LibraryError(path, "default", "must be true or false")
    return Motion(mid, default, {lang: _motion_text(path, data, lang) for lang in LANGUAGES})


def load_library(prompts: PromptFiles) -> Library:
    """Every motion in `motions/` and format in `formats/`; a LibraryError if one is broken."""
    motions = {m.id: m for m in (load_motion(n, raw) for n, raw in (prompts.files("motions", ".toml") or {}).items())}
    formats = {f.id: f for f in (load_format(n, raw) for n, raw in (prompts.files("formats", ".toml") or {}).items())}
    if not motions:
        raise LibraryError("motions", "(folder)", "no motion files")
    if not formats:
        raise LibraryError("formats", "(folder)", "no format files")
    defaults = [m.id for m in motions.values() if m.default]
    if len(defaults) > 1:
        raise LibraryError("motions", "default", f"more than one default: {', '.join(defaults)}")
    return Library(motions, formats)
