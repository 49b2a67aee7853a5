"""The bounded memo in front of the store."""

from __future__ import annotations

import pytest

from bot.core.kernel.lru import LRU


def test_it_keeps_the_most_recently_used_entries_only():
    memo: LRU[str, int] = LRU(2, [("a", 1), ("b", 2), ("c", 3)])
    assert len(memo) == 2 and "a" not in memo
    assert memo.get("b") == 2  # read: now the most recent
    memo["d"] = 4
    assert "c" not in memo and memo.get("b") == 2 and memo.get("d") == 4
    memo["b"] = 5  # written: the most recent, still one entry
    memo["e"] = 6
    assert len(memo) == 2 and memo.get("b") == 5 and "d" not in memo
    assert memo.get("zzz") is None


def test_it_holds_at_least_one_entry():
    with pytest.raises(ValueError):
        LRU(0)
