"""The entry point's process tuning, once the core has started: what only a process that runs the
bot (or the bench) may do to the interpreter, never the core, a test or a library user."""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.001  # seconds (the interpreter's default is 0.005)
GC_THRESHOLDS = (20_000, 20, 20)  # the interpreter's default is (700, 10, 10)


def tune_process() -> None:
    """Call once the core has started (its library, catalogs and debates loaded)."""
    # What exists now (modules, library, catalogs, loaded debates) lives as long as the
    # process: keep it out of the collector's full passes, which otherwise add pauses of
    # tens of milliseconds to the vote path under load.
    gc.collect()
    gc.freeze()
    # A storm keeps thousands of voters' requests alive at once, and the default young
    # generation (700 objects) is scanned a thousand times a second through them: in a
    # 4 s storm of 1,000 voters the collector took 15 % of the time (up to 61 ms at once).
    # Collected ten times less often it took 3 % (pauses up to 33 ms, 8 ms at 5,000 votes/s).
    gc.set_threshold(*GC_THRESHOLDS)
    # The store's thread must win the GIL back from a busy event loop to start and to
    # finish every commit; by default it may wait 5 ms each time, and under a storm the
    # voters of a batch wait that long for nothing.
    sys.setswitchinterval(SWITCH_INTERVAL)
