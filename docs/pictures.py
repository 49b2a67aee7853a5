"""`make pictures`: redraw the README's chart pictures in docs/ from the real bot.

The debate picture is the chart of `make demo`'s classroom debate on the default motion; the
poll picture is a ranked poll run through the console adapter, decided in three rounds. Both
run on a throw-away database and export folder; only the two PNG files are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from bot import demo
from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.testing.clock import FakeClock

DOCS = Path(__file__).resolve().parent

TRIP = ("Science museum", "Zoo", "Botanical garden", "Aquarium")
# first preferences 7, 5, 3, 4; the garden goes first (two of its ballots to the zoo, one
# exhausted), then the aquarium (to the zoo): the zoo wins round 3 with 11 of 18.
TRIP_BALLOTS = ["1"] * 7 + ["2"] * 5 + ["3 2"] * 2 + ["3"] + ["4 2"] * 4


def poll_script() -> list[str]:
    options = "|".join(TRIP)
    lines = [f'teacher: /poll create question:"Where should the class trip go?" options:"{options}" mode:ranked']
    lines += [f"pupil{n:02d}: /poll vote id:1 {ballot}" for n, ballot in enumerate(TRIP_BALLOTS, 1)]
    return [*lines, "teacher: /poll close id:1"]


async def run_poll(export_dir: Path) -> Path:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = await build_core(Path(tmp) / "pictures.db", {}, clock=clock)
        port = ConsolePort(io.StringIO(), clock, core.catalog, export_dir)
        core.ports["console"] = port
        await core.start()
        app = ConsoleApp(core, port, frozenset({"teacher"}))
        for line in poll_script():
            clock.advance(3)
            await app.handle_line(line)
        await core.stop()
    return export_dir / "poll-1.png"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        debates, polls = Path(tmp) / "debate", Path(tmp) / "poll"
        with contextlib.redirect_stdout(io.StringIO()):
            asyncio.run(demo.run(debates))
        shutil.copyfile(debates / "debate-1.png", DOCS / "results-chart.png")
        shutil.copyfile(asyncio.run(run_poll(polls)), DOCS / "poll-ranked-chart.png")
    print("wrote docs/results-chart.png and docs/poll-ranked-chart.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
