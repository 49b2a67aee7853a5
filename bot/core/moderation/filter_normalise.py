"""Word filter normalisation: the canonical form of a text that the lists are matched against.

Folds case, width, accents, look-alike letters, katakana and leetspeak while keeping, for
each normalised character, the span of the original text it came from (see :func:`normalise`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

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
