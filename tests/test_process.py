"""The entry point's process tuning: the heap frozen at start, a rarer collector, a short GIL switch interval."""

from __future__ import annotations

import gc
import sys

from bot.app import build_core
from bot.process import GC_THRESHOLDS, SWITCH_INTERVAL, tune_process


async def test_tuning_freezes_the_heap_and_shortens_the_switch_interval(tmp_path):
    before, thresholds = sys.getswitchinterval(), gc.get_threshold()
    core = await build_core(tmp_path / "t.db", {})
    try:
        await core.start()
        tune_process()
        assert sys.getswitchinterval() == SWITCH_INTERVAL < before
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        await core.stop()
        sys.setswitchinterval(before)
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def test_tests_and_libraries_get_an_untouched_process(tmp_path):
    before, thresholds = sys.getswitchinterval(), gc.get_threshold()
    core = await build_core(tmp_path / "u.db", {})
    await core.start()
    await core.stop()
    assert sys.getswitchinterval() == before and gc.get_threshold() == thresholds
