"""Word filter: normalise text and match it against blocked and allowed word lists.

Pure core code: no platform objects and no I/O apart from :func:`load_default_filter`,
which reads the shipped lists in ``prompts/filters/``.

Two kinds of list entry:

* **Latin entries** (anything without Japanese/CJK letters) match *whole words* of the
  normalised text. A trailing ``*`` makes an entry a prefix (``fuck*`` matches
  ``fucking``). A short phrase (``kill yourself``) matches consecutive words.
  Repeated letters are tolerated: ``bad`` matches ``baaad``, but ``ass`` never matches
  ``as`` (every run of a letter in the text must be at least as long as in the entry).
  Separator tricks are undone: letters joined by short punctuation (``b.a.d``,
  ``sh-it``) and runs of single letters (``b a d``) are also tried joined up.
* **Japanese entries** (containing kana or kanji) match as *substrings*, because
  Japanese has no spaces. Spaces and light punctuation (``・``, ``-``, ``*``...) inside
  a word are skipped; clause punctuation (``。、!?,.`` and line breaks) is a barrier.

The allow list uses the same matching. A blocked match that lies inside an allowed match
is dropped: the allow list guards innocent words that contain a blocked one
(``ばかり`` against ``ばか``, ``assessment`` against ``ass*``), and a server can lift a
default entry by allowing the same word.

No regular expression is ever built from a list entry: matching is a set lookup per word,
per short window of joined pieces, and per Japanese n-gram, so it is linear in the text
length times a small constant.
"""

from __future__ import annotations

import logging
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

MAX_ENTRY_LENGTH = 40
"""Longest entry accepted by :func:`validate_entry`, in characters."""

FILTERS_DIR = "filters"
ALLOW_FILE = "allow.txt"

_REGEX_METACHARS = frozenset(".^$*+?{}[]\\|()")

_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "g",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
}
_LEET_SYMBOLS = frozenset("@$!|+")
# Symbols that are also ordinary punctuation: mapped only inside a word (see _leet_pass).
_SOFT_SYMBOLS = frozenset("!+")
# Characters that may stand for either "i" or "l"; the matcher tries both readings.
_AMBIGUOUS = frozenset("1!|")

# Letters that Unicode does not decompose into a base letter plus an accent, and the
# commonest Cyrillic/Greek look-alikes of Latin letters.
_SPECIAL = {
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ħ": "h",
    "ı": "i",
    "ŧ": "t",
    "ƒ": "f",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "ԁ": "d",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
}

_KANA_VOICING = frozenset("\u3099\u309a")  # combining dakuten / handakuten
_HALFWIDTH_VOICING = frozenset("\uff9e\uff9f")
_LONG_VOWEL = "\u30fc"  # ー (half-width ｰ becomes this under NFKC)
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# In the Japanese stream these end a clause: a match never spans them.
_HARD_BREAKS = frozenset("。、!?,.\n")
_BARRIER = "\x00"

# Search bounds for joined windows ("b a d", "b.a.d"): at most this many gap characters
# between two pieces, and at most this many characters in one window.
_MAX_GAP = 3
_MAX_WINDOW_CHARS = 64


# --------------------------------------------------------------------------- normalise


def _is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


def _is_wide(c: str) -> bool:
    """True for characters of CJK scripts (kana, kanji, hangul, full-width forms)."""
    return ord(c) >= 0x2E80


def _is_word_char(c: str) -> bool:
    """A letter or digit of a space-separated script (Latin, Cyrillic, Greek...)."""
    return c.isalnum() and not _is_wide(c)


def _is_leet_word_char(c: str) -> bool:
    return c in _LEET_SYMBOLS or _is_word_char(c)


def _is_japanese(text: str) -> bool:
    return any(c.isalnum() and _is_wide(c) for c in text)


def _fold_once(cluster: str) -> str:
    s = unicodedata.normalize("NFKC", cluster)
    s = unicodedata.normalize("NFKC", s.casefold())
    s = "".join(c for c in unicodedata.normalize("NFD", s) if c in _KANA_VOICING or not _is_mark(c))
    s = unicodedata.normalize("NFC", s)
    out: list[str] = []
    for c in s:
        cat = unicodedata.category(c)
        if cat.startswith("M") or cat == "Cf":
            continue  # stray marks, zero-width spaces and joiners, soft hyphens
        if c in _SPECIAL:
            out.append(_SPECIAL[c])
            continue
        cp = ord(c)
        if 0x30A1 <= cp <= 0x30F6 or cp in (0x30FD, 0x30FE):
            c = chr(cp - 0x60)  # katakana -> hiragana
        if c == _LONG_VOWEL:
            continue
        if c in _LINE_BREAKS:
            c = "\n"
        elif c.isspace() or cat == "Cc":
            c = " "
        out.append(c)
    return "".join(out)


@lru_cache(maxsize=16384)
def _fold(cluster: str) -> str:
    """Fold one grapheme-ish cluster; the result is a fixpoint for each of its characters."""
    s = _fold_once(cluster)
    for _ in range(4):
        t = "".join(_fold_once(c) for c in s)
        if t == s:
            break
        s = t
    return s


def _clusters(text: str) -> Iterator[tuple[int, int]]:
    """Split text into a base character plus the combining marks that follow it."""
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and (_is_mark(text[j]) or text[j] in _HALFWIDTH_VOICING):
            j += 1
        yield i, j
        i = j


@dataclass(frozen=True)
class _Normalised:
    text: str
    spans: tuple[tuple[int, int], ...]  # per normalised character: [start, end) in the original
    ambiguous: frozenset[int]  # normalised positions that came from 1, ! or |


def _reads_as_word(word: list[str]) -> bool:
    """Whether a run of letters, digits and leet symbols is a word to read as letters.

    A word with an ASCII letter is; so is one of digits and symbols only that holds an ``@`` or
    more than one ``$`` (``@$$``, ``4$$``), which no number does. A plain number (``455``,
    ``2024``) or a price with one currency sign (``$5``, ``5$``) is not.
    """
    if any("a" <= c <= "z" for c in word):
        return True
    return "@" in word or word.count("$") > 1


def _leet_pass(chars: list[str]) -> set[int]:
    """Undo leetspeak in place, inside the words :func:`_reads_as_word` picks.

    A word here is a maximal run of letters, digits and ``@$!|+``. A word without an
    ASCII letter, ``@`` or ``$$`` (``2024``, ``$5``) is a number and stays as it is. ``!`` and ``+`` are
    also punctuation, so a run of them is read as letters only when a letter or digit
    follows it inside the word and it is either a single symbol or has a letter or digit
    before it (``sh!t``, ``!diot`` but not ``wow!!!`` or ``!!!wow``).

    Returns the positions of characters read from an ambiguous ``1``, ``!`` or ``|``.
    """
    ambiguous: set[int] = set()
    n = len(chars)
    i = 0
    while i < n:
        if not _is_leet_word_char(chars[i]):
            i += 1
            continue
        j = i
        while j < n and _is_leet_word_char(chars[j]):
            j += 1
        if _reads_as_word(chars[i:j]):
            k = i
            while k < j:
                c = chars[k]
                if c in _SOFT_SYMBOLS:
                    m = k
                    while m < j and chars[m] in _SOFT_SYMBOLS:
                        m += 1
                    followed = m < j
                    preceded = k > i
                    if followed and (preceded or m - k == 1):
                        for p in range(k, m):
                            if chars[p] in _AMBIGUOUS:
                                ambiguous.add(p)
                            chars[p] = _LEET[chars[p]]
                    k = m
                    continue
                if c in _LEET:
                    if c in _AMBIGUOUS:
                        ambiguous.add(k)
                    chars[k] = _LEET[c]
                k += 1
        i = j
    return ambiguous


def _normalise(text: str) -> _Normalised:
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for start, end in _clusters(text):
        cluster = text[start:end]
        if end - start == 1 and " " <= cluster <= "~":
            folded = cluster.lower()  # printable ASCII: only the case changes
        else:
            folded = _fold(cluster)
        for c in folded:
            if c == " " or c == "\n":
                if chars and chars[-1] in " \n":
                    if c == "\n":
                        chars[-1] = "\n"
                    spans[-1] = (spans[-1][0], end)
                    continue
            chars.append(c)
            spans.append((start, end))
    ambiguous = _leet_pass(chars)
    return _Normalised("".join(chars), tuple(spans), frozenset(ambiguous))


def normalise(text: str) -> str:
    """Return the canonical form of ``text`` used for matching.

    Steps, applied to each character together with the combining marks after it:

    1. NFKC: full-width letters become ASCII (``ｂａｄ`` -> ``bad``), half-width katakana
       become full-width (``ﾊﾞｶ`` -> ``バカ``), ligatures and compatibility forms are
       split.
    2. Case folding (``BAD`` -> ``bad``, ``ß`` -> ``ss``), then NFKC again.
    3. Accents removed: decompose and drop combining marks (``bâd`` -> ``bad``), but
       keep the kana voicing marks (``が`` stays ``が``); a few letters without a
       decomposition (``ø``, ``ł``, ``æ``) and common Cyrillic/Greek look-alikes of Latin
       letters are mapped to Latin.
    4. Zero-width and other invisible format characters are dropped.
    5. Katakana become hiragana (``バカ`` -> ``ばか``); the long vowel mark ``ー`` is dropped
       (``ばーか`` -> ``ばか``).
    6. Whitespace and control characters become one space, or one line break if the run
       contained one.
    7. Leetspeak is undone inside words that contain an ASCII letter, an ``@`` or more than
       one ``$``: ``0→o 1→i 3→e 4→a 5→s 6→g 7→t 8→b 9→g @→a $→s !→i |→l +→t`` (``sh!t``,
       ``@ss``, ``h3ll0``, ``@$$``, ``4$$``), while numbers such as ``2024``, ``455`` or
       ``$5`` stay as they are. The matcher also tries the other reading of ``1``, ``!``
       and ``|`` (``l`` for ``i`` and back).

    Punctuation is kept, so word boundaries survive. The function is idempotent.
    """
    return _normalise(text).text


# --------------------------------------------------------------------------- validate


def validate_entry(word: str) -> str | None:
    """Check a word for ``/mod filter add``.

    Returns None when the entry is acceptable, otherwise a reason code for the caller to
    localise: ``"empty"`` (nothing matchable), ``"too_long"`` (more than 40 characters),
    ``"bad_chars"`` (control or invisible characters, or regular-expression
    metacharacters other than one trailing ``*``).
    """
    w = word.strip()
    if not w:
        return "empty"
    if len(w) > MAX_ENTRY_LENGTH:
        return "too_long"
    body = w[:-1] if w.endswith("*") else w
    for c in body:
        if c in _REGEX_METACHARS or unicodedata.category(c).startswith("C"):
            return "bad_chars"
    if _parse_body(body) is None:
        return "empty"
    return None


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class _Entry:
    source: str  # as written in the list
    norm: str  # normalised form, with a trailing "*" for a prefix entry
    key: str  # Latin: letters with repeats collapsed; Japanese: the stream form
    runs: tuple[int, ...]  # Latin: length of each run of a repeated letter
    prefix: bool
    japanese: bool
    words: int


def _skeleton(s: str) -> tuple[str, tuple[int, ...]]:
    """Collapse runs of a repeated character: ``baaad`` -> (``bad``, (1, 3, 1))."""
    chars: list[str] = []
    runs: list[int] = []
    for c in s:
        if chars and chars[-1] == c:
            runs[-1] += 1
        else:
            chars.append(c)
            runs.append(1)
    return "".join(chars), tuple(runs)


def _latin_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    current: list[str] = []
    for c in text:
        if _is_word_char(c):
            current.append(c)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


def _stream_form(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _parse_body(body: str) -> tuple[str, bool, int] | None:
    """Return (normalised text, japanese, word count) or None if nothing is matchable."""
    norm = normalise(body)
    if _is_japanese(norm):
        stream = _stream_form(norm)
        return (stream, True, 1) if stream else None
    tokens = _latin_tokens(norm)
    if not tokens:
        return None
    return " ".join(tokens), False, len(tokens)


def _parse_entry(word: str) -> _Entry | None:
    if validate_entry(word) is not None:
        return None
    w = word.strip()
    prefix = w.endswith("*")
    parsed = _parse_body(w[:-1] if prefix else w)
    if parsed is None:
        return None
    text, japanese, words = parsed
    if japanese:
        return _Entry(w, text, text, (), False, True, 1)
    key, runs = _skeleton(text)
    return _Entry(w, text + ("*" if prefix else ""), key, runs, prefix, False, words)


def _parse_all(words: Iterable[str]) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: set[str] = set()
    for word in words:
        entry = _parse_entry(word)
        if entry is None:
            log.warning("word filter: ignoring invalid entry %r", word)
            continue
        if entry.norm not in seen:
            seen.add(entry.norm)
            entries.append(entry)
    return entries


class _Index:
    """Lookup tables for one list (blocked or allowed)."""

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self.exact: dict[str, list[_Entry]] = {}
        self.prefix: dict[str, list[_Entry]] = {}
        self.japanese: dict[str, _Entry] = {}
        for e in entries:
            if e.japanese:
                self.japanese.setdefault(e.key, e)
            else:
                table = self.prefix if e.prefix else self.exact
                table.setdefault(e.key, []).append(e)
        latin = [e for lst in (*self.exact.values(), *self.prefix.values()) for e in lst]
        self.prefix_lengths = tuple(sorted({len(k) for k in self.prefix}))
        self.max_words = max((e.words for e in latin), default=0)
        self.phrase_first = frozenset(
            _skeleton(e.key.split(" ")[0])[0] for e in latin if e.words > 1
        )
        # Every start of a one-word entry's letters: joined windows stop growing outside it.
        self.viable = frozenset(
            e.key[:k] for e in latin if e.words == 1 for k in range(1, len(e.key) + 1)
        )
        self.ja_lengths = tuple(sorted({len(k) for k in self.japanese}))
        self.ja_first = frozenset(k[0] for k in self.japanese)

    def match(self, key: str, runs: list[int] | tuple[int, ...], words: int) -> _Entry | None:
        """Find an entry for a candidate of ``words`` words, given as its skeleton.

        An entry matches when the letters agree and each run of a repeated letter in the
        candidate is at least as long as in the entry; a prefix entry needs the same
        number of words and only its own letters to agree.
        """
        for e in self.exact.get(key, ()):
            if all(a >= b for a, b in zip(runs, e.runs, strict=True)):
                return e
        for length in self.prefix_lengths:
            if length > len(key):
                break
            for e in self.prefix.get(key[:length], ()):
                if e.words == words and all(a >= b for a, b in zip(runs, e.runs, strict=False)):
                    return e
        return None

    def match_text(self, text: str, words: int) -> _Entry | None:
        key, runs = _skeleton(text)
        return self.match(key, runs, words)


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


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class FilterMatch:
    """One blocked word found in a text."""

    word: str  # the list entry that matched, as written in the list
    found: str  # the original text that matched (``text[start:end]``)
    start: int  # index into the original text
    end: int


@dataclass
class WordFilter:
    """A blocked list plus an allow list; see the module docstring for the rules.

    Build one with :meth:`build`; ``blocked`` and ``allowed`` hold the normalised entries
    (a prefix entry keeps its trailing ``*``). Invalid entries are skipped with a warning.
    """

    blocked: frozenset[str]
    allowed: frozenset[str] = frozenset()
    _sources: tuple[tuple[str, ...], tuple[str, ...]] | None = field(
        default=None, repr=False, compare=False
    )
    _block: _Index = field(init=False, repr=False, compare=False)
    _allow: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._sources is None:
            self._sources = (tuple(sorted(self.blocked)), tuple(sorted(self.allowed)))
        blocked = _parse_all(self._sources[0])
        allowed = _parse_all(self._sources[1])
        self.blocked = frozenset(e.norm for e in blocked)
        self.allowed = frozenset(e.norm for e in allowed)
        self._sources = (tuple(e.source for e in blocked), tuple(e.source for e in allowed))
        self._block = _Index(blocked)
        self._allow = _Index(allowed)

    @classmethod
    def build(cls, blocked: Iterable[str], allowed: Iterable[str] = ()) -> WordFilter:
        """Make a filter from entries as written (``"bad"``, ``"fuck*"``, ``"ばか"``)."""
        return cls(frozenset(), frozenset(), _sources=(tuple(blocked), tuple(allowed)))

    def with_words(
        self, extra_blocked: Iterable[str], extra_allowed: Iterable[str] = ()
    ) -> WordFilter:
        """Return a new filter with a server's own words on top of this one."""
        blocked, allowed = self._sources or ((), ())
        return WordFilter.build((*blocked, *extra_blocked), (*allowed, *extra_allowed))

    def find(self, text: str) -> FilterMatch | None:
        """Return the first (leftmost) blocked word in ``text``, or None."""
        matches = self.find_all(text)
        return matches[0] if matches else None

    def find_all(self, text: str) -> list[FilterMatch]:
        """Return every blocked word in ``text``, left to right, without nested repeats."""
        if not self.blocked or not text:
            return []
        norm = _normalise(text)
        units = _units(norm)
        need_stream = bool(self._block.japanese or self._allow.japanese)
        stream = _japanese_stream(norm) if need_stream else None
        hits = _all_matches(self._block, norm, units, stream, shortest_prefix=True)
        if not hits:
            return []
        if self._allow.exact or self._allow.prefix or self._allow.japanese:
            guards = _all_matches(self._allow, norm, units, stream, shortest_prefix=False)
            hits = _drop_covered(hits, [(s, e) for _, s, e in guards])
        # Leftmost first, longest first; drop a match that lies inside another one.
        hits.sort(key=lambda h: (h[1], -h[2]))
        kept: list[tuple[_Entry, int, int]] = []
        reach = -1
        for hit in hits:
            if hit[2] <= reach:
                continue
            kept.append(hit)
            reach = hit[2]
        out: list[FilterMatch] = []
        for entry, ns, ne in kept:
            start = norm.spans[ns][0]
            end = norm.spans[ne - 1][1]
            out.append(FilterMatch(entry.source, text[start:end], start, end))
        return out


def read_word_list(path: Path) -> list[str]:
    """Read one list file: one entry per line; ``#`` starts a comment."""
    entries: list[str] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries


def load_default_filter(prompts_dir: Path) -> WordFilter:
    """Build the default filter from ``<prompts_dir>/filters/*.txt``.

    Every ``*.txt`` file there is a blocked list (``en.txt``, ``ja.txt``...) except
    ``allow.txt``, the allow list. A missing folder gives an empty filter.
    """
    folder = Path(prompts_dir) / FILTERS_DIR
    if not folder.is_dir():
        log.warning("word filter: no list folder at %s; using an empty filter", folder)
        return WordFilter.build(())
    blocked: list[str] = []
    allowed: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        words = read_word_list(path)
        (allowed if path.name == ALLOW_FILE else blocked).extend(words)
        log.debug("word filter: %d entries from %s", len(words), path.name)
    return WordFilter.build(blocked, allowed)
