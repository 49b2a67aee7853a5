"""Word filter: normalise text and match it against blocked and allowed word lists.

Pure core code: no platform objects and no I/O; :func:`load_default_filter` builds the filter
from the shipped lists in ``prompts/filters/``, read through the core's ``PromptFiles`` port.

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

The steps live in their own modules: :mod:`.filter_normalise` (the canonical form of a
text), :mod:`.filter_index` (the lookup tables of one list) and :mod:`.filter_match`
(finding entries in a normalised text); this module parses the lists and holds the public
:class:`WordFilter`.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.moderation.filter_index import _Entry, _Index, _skeleton
from bot.core.moderation.filter_match import (
    _all_matches,
    _drop_covered,
    _japanese_stream,
    _units,
)
from bot.core.moderation.filter_normalise import _is_japanese, _is_word_char, _normalise, normalise
from bot.core.ports.prompts import PromptFiles

log = logging.getLogger(__name__)

MAX_ENTRY_LENGTH = 40
"""Longest entry accepted by :func:`validate_entry`, in characters."""

FILTERS_DIR = "filters"
ALLOW_FILE = "allow.txt"

_REGEX_METACHARS = frozenset(".^$*+?{}[]\\|()")


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


def read_word_list(raw: bytes) -> list[str]:
    """Read one list file (its bytes, UTF-8): one entry per line; ``#`` starts a comment."""
    entries: list[str] = []
    for line in raw.decode("utf-8-sig").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries


def load_default_filter(prompts: PromptFiles) -> WordFilter:
    """Build the default filter from ``filters/*.txt`` among the prompts.

    Every ``*.txt`` file there is a blocked list (``en.txt``, ``ja.txt``...) except
    ``allow.txt``, the allow list. A missing folder gives an empty filter.
    """
    files = prompts.files(FILTERS_DIR, ".txt")
    if files is None:
        log.warning("word filter: no %s folder among the prompts; using an empty filter", FILTERS_DIR)
        return WordFilter.build(())
    blocked: list[str] = []
    allowed: list[str] = []
    for name, raw in files.items():
        words = read_word_list(raw)
        (allowed if name == ALLOW_FILE else blocked).extend(words)
        log.debug("word filter: %d entries from %s", len(words), name)
    return WordFilter.build(blocked, allowed)
