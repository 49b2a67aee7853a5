"""Word filter matching: every place a list's entries occur in a normalised text.

Latin entries match whole words, short phrases and pieces joined across separators;
Japanese entries match as substrings of a stream without spaces. See
:mod:`bot.core.moderation.filter` for the rules.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.moderation.filter_index import _Entry, _Index, _skeleton
from bot.core.moderation.filter_normalise import (
    _AMBIGUOUS,
    _LEET,
    _LEET_SYMBOLS,
    _is_leet_word_char,
    _is_word_char,
    _Normalised,
)

# In the Japanese stream these end a clause: a match never spans them.
_HARD_BREAKS = frozenset("。、!?,.\n")
_BARRIER = "\x00"

# Search bounds for joined windows ("b a d", "b.a.d"): at most this many gap characters
# between two pieces, and at most this many characters in one window.
_MAX_GAP = 3
_MAX_WINDOW_CHARS = 64


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Unit:
    """A Latin word (or a lone leet symbol such as the ``@`` in ``@ s s``)."""

    start: int
    end: int
    text: str  # as in the normalised text
    mapped: str  # with digits and symbols read as letters
    has_letter: bool
    variants: tuple[str, str] | None  # mapped, with ambiguous characters all "l" / all "i"


def _make_unit(norm: _Normalised, start: int, end: int) -> _Unit:
    text = norm.text[start:end]
    mapped = list(text)
    amb: list[int] = []
    for k, c in enumerate(text):
        if c in _LEET:
            mapped[k] = _LEET[c]
            if c in _AMBIGUOUS:
                amb.append(k)
        elif start + k in norm.ambiguous:
            amb.append(k)
    variants = None
    if amb:
        as_l, as_i = list(mapped), list(mapped)
        for k in amb:
            as_l[k] = "l"
            as_i[k] = "i"
        variants = ("".join(as_l), "".join(as_i))
    has_letter = any("a" <= c <= "z" for c in text)
    return _Unit(start, end, text, "".join(mapped), has_letter, variants)


def _units(norm: _Normalised) -> list[_Unit]:
    text = norm.text
    n = len(text)
    units: list[_Unit] = []
    i = 0
    while i < n:
        c = text[i]
        if _is_word_char(c):
            j = i + 1
            while j < n and _is_word_char(text[j]):
                j += 1
            units.append(_make_unit(norm, i, j))
            i = j
            continue
        if (
            c in _LEET_SYMBOLS
            and (i == 0 or not _is_leet_word_char(text[i - 1]))
            and (i + 1 == n or not _is_leet_word_char(text[i + 1]))
        ):
            units.append(_make_unit(norm, i, i + 1))
        i += 1
    return units


def _phrase_readings(parts: list[_Unit]) -> list[str]:
    """The strings to try for one word or a phrase of consecutive words.

    Words are taken as normalised (a plain number stays a number); the other readings
    swap every ambiguous ``1``/``!``/``|`` to ``l`` and then to ``i``.
    """
    out = [" ".join(u.text for u in parts)]
    if any(u.variants and u.has_letter for u in parts):
        for k in (0, 1):
            out.append(
                " ".join(u.variants[k] if u.variants and u.has_letter else u.text for u in parts)
            )
    return out


def _joinable(text: str, a: _Unit, b: _Unit) -> bool:
    """Whether two neighbouring units may be read as one word (``b.a.d``, ``b a d``)."""
    gap = text[a.end : b.start]
    if not gap or len(gap) > _MAX_GAP or "\n" in gap:
        return False
    if any(c.isalnum() for c in gap):
        return False
    if " " in gap:
        return len(a.text) == 1 and len(b.text) == 1
    return True


def _latin_matches(
    index: _Index, norm: _Normalised, units: list[_Unit], shortest_prefix: bool
) -> Iterator[tuple[_Entry, int, int]]:
    words = [u for u in units if u.text[0] not in _LEET_SYMBOLS]
    # 1. Each word, and phrases of consecutive words.
    first_words = index.phrase_first
    for i in range(len(words)):
        for k in range(1, max(index.max_words, 1) + 1):
            if i + k > len(words):
                break
            if k == 2 and not any(
                _skeleton(r)[0] in first_words for r in _phrase_readings(words[i : i + 1])
            ):
                break  # this word starts no phrase entry
            parts = words[i : i + k]
            for reading in _phrase_readings(parts):
                entry = index.match_text(reading, k)
                if entry is not None:
                    yield entry, parts[0].start, parts[-1].end
                    break
    # 2. Pieces joined across separators: "b.a.d", "sh-it", "b a d".
    if not index.viable:
        return
    text = norm.text
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and _joinable(text, units[j], units[j + 1]):
            j += 1
        if j > i:
            yield from _window_matches(index, units[i : j + 1], shortest_prefix)
        i = j + 1


def _window_matches(
    index: _Index, chain: list[_Unit], shortest_prefix: bool
) -> Iterator[tuple[_Entry, int, int]]:
    """Try every window of two or more consecutive pieces of a joinable chain.

    A window stops growing once its letters are no longer the start of any entry, so the
    work per piece is bounded by the longest entry. With ``shortest_prefix`` a prefix
    entry reports the shortest window it matches (``a.s.s`` of ``a.s.s.e.s.s``), so that
    a longer allowed window can cover it.
    """
    ambiguous = any(u.variants for u in chain)
    viable = index.viable
    for s in range(len(chain)):
        first = chain[s]
        if s and chain[s - 1].mapped == first.mapped and chain[s - 1].variants == first.variants:
            continue  # "a a a d": the window from the previous "a" covers this one
        states: list[tuple[list[str], list[int]]] = [([], []) for _ in range(3 if ambiguous else 1)]
        chars = 0
        has_letter = False
        for t in range(s, len(chain)):
            unit = chain[t]
            chars += len(unit.mapped)
            has_letter = has_letter or unit.has_letter
            if chars > _MAX_WINDOW_CHARS:
                break
            pieces = [unit.mapped]
            if ambiguous:
                pieces += list(unit.variants) if unit.variants else [unit.mapped, unit.mapped]
            for (keys, runs), piece in zip(states, pieces, strict=True):
                for c in piece:
                    if keys and keys[-1] == c:
                        runs[-1] += 1
                    else:
                        keys.append(c)
                        runs.append(1)
            keys_now = ["".join(keys) for keys, _ in states]
            entry = None
            if t > s and has_letter:
                for key, (_, runs) in zip(keys_now, states, strict=True):
                    entry = index.match(key, runs, 1)
                    if entry is not None:
                        yield entry, first.start, unit.end
                        break
            if entry is not None and entry.prefix:
                if shortest_prefix:
                    break
                continue  # an allowed prefix keeps matching as the window grows
            if not any(key in viable for key in keys_now):
                break


def _japanese_stream(norm: _Normalised) -> tuple[str, list[int]]:
    chars: list[str] = []
    positions: list[int] = []
    for k, c in enumerate(norm.text):
        if c.isalnum():
            chars.append(c)
            positions.append(k)
        elif c in _HARD_BREAKS and (not chars or chars[-1] != _BARRIER):
            chars.append(_BARRIER)
            positions.append(k)
    return "".join(chars), positions


def _japanese_matches(
    index: _Index, stream: str, positions: list[int]
) -> Iterator[tuple[_Entry, int, int]]:
    if not index.japanese:
        return
    table = index.japanese
    first = index.ja_first
    n = len(stream)
    for i in range(n):
        if stream[i] not in first:
            continue
        for length in index.ja_lengths:
            if i + length > n:
                break
            entry = table.get(stream[i : i + length])
            if entry is not None:
                yield entry, positions[i], positions[i + length - 1] + 1


def _all_matches(
    index: _Index,
    norm: _Normalised,
    units: list[_Unit],
    stream: tuple[str, list[int]] | None,
    shortest_prefix: bool,
) -> list[tuple[_Entry, int, int]]:
    found = list(_latin_matches(index, norm, units, shortest_prefix))
    if stream is not None:
        found.extend(_japanese_matches(index, *stream))
    return found


def _drop_covered(
    hits: list[tuple[_Entry, int, int]], guards: list[tuple[int, int]]
) -> list[tuple[_Entry, int, int]]:
    """Remove the hits that lie inside one of the guard spans (allowed words)."""
    if not guards:
        return hits
    guards.sort()
    starts = [g[0] for g in guards]
    reach: list[int] = []
    best = -1
    for _, end in guards:
        best = max(best, end)
        reach.append(best)
    out = []
    for hit in hits:
        k = bisect_right(starts, hit[1]) - 1
        if k < 0 or reach[k] < hit[2]:
            out.append(hit)
    return out
