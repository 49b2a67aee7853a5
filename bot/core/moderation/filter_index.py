"""Word filter index: the parsed form of a list entry and the lookup tables of one list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
