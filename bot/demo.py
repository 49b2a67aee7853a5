"""`make demo`: a whole classroom debate on the default motion with a simulated class.

Two speakers a side and twenty voters, some of whom change their minds. The script is built
from the format's phases, fed through the console adapter on a throw-away database with a
clock that moves 3 seconds per line, and the transcript is exported as Markdown.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.core.library import PROMPTS_DIR, load_library
from bot.core.model import PhaseKind, Side
from bot.core.ports import FakeClock
from bot.settings import Settings

FORMAT = "classroom"
SPEAKERS = {Side.PRO: ["aiko", "ben"], Side.CON: ["chen", "dana"]}
# The class's speeches: the pupils' own words, citing the sources the motion's brief names.
SPEECHES = {
    "aiko": "Reporters contacted six mask sellers and not one asked who was buying (ViewUS Global). "
            "A burglar in Shanghai used an online mask to pass as an elderly man. An ID check at sale "
            "costs an honest buyer a minute and leaves a trail for the police.",
    "chen": "Identity checks punish the people who need these masks most: film crews, stunt "
            "performers and burn survivors. A criminal can still buy abroad or print a mask. "
            "We should fix face recognition instead of building a register of customers.",
    "ben": "Con says criminals will go abroad, but most buyers use the big platforms, and custom "
           "masks take about a month to make (ViewUS Global). A check at that point is cheap. "
           "Film studios already show ID for everything they rent.",
    "dana": "In the Kyoto study people were fooled about one time in five (CNET, Kooser 2019). "
            "That is a reason for better checks at the door, not at the shop. A seller checking ID "
            "cannot know what the buyer plans, and the data collected can leak.",
}
VOTERS = [f"pupil{i:02d}" for i in range(1, 21)]
PRE = ["pro"] * 5 + ["con"] * 6 + ["undecided"] * 9
# After the debate: three undecided and one con pupil move to pro, two undecided to con.
POST = ["pro"] * 5 + ["con"] * 5 + ["pro"] + ["pro"] * 3 + ["con"] * 2 + ["undecided"] * 4
QUESTIONS = [("pupil07", "Who would keep the ID records, and for how long?"),
             ("pupil12", "Could a marker on the mask do the same job as an ID check?")]


def script() -> list[str]:
    fmt = load_library(PROMPTS_DIR).formats[FORMAT]
    lines = [f"teacher: /debate start format:{FORMAT}"]
    lines += [f"{name}: /debate join side:{side.value}" for side, names in SPEAKERS.items() for name in names]
    turn = {Side.PRO: 0, Side.CON: 0}
    for phase in fmt.phases:
        if phase.kind is PhaseKind.PRE_VOTE:
            lines += [f"{v}: /vote {c}" for v, c in zip(VOTERS, PRE, strict=True)]
        elif phase.kind is PhaseKind.POST_VOTE:
            lines += [f"{v}: /vote {c}" for v, c in zip(VOTERS, POST, strict=True)]
        elif phase.kind is PhaseKind.SPEECH:
            speaker = SPEAKERS[phase.side][turn[phase.side] % 2]
            turn[phase.side] += 1
            lines.append(f"{speaker}: /speak {SPEECHES[speaker]}")
        elif phase.kind in (PhaseKind.OPEN_FLOOR, PhaseKind.CROSS):
            for n, (asker, text) in enumerate(QUESTIONS, 1):
                lines += [f"{asker}: /ask {text}", f"teacher: /mod approve id:{n}"]
        lines.append("teacher: /debate next")
    lines += ["teacher: /debate results", "teacher: /debate export format:md"]
    return lines


async def run(export_dir: Path) -> Path:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = await build_core(Path(tmp) / "demo.db", {}, clock=clock)
        port = ConsolePort(sys.stdout, clock, core.catalog, export_dir)
        core.ports["console"] = port
        await core.start()
        app = ConsoleApp(core, port, frozenset({"teacher"}))
        for line in script():
            clock.advance(3)
            await app.handle_line(line)
        await core.stop()
    return export_dir / "debate-1.md"


def main() -> int:
    settings = Settings()
    path = asyncio.run(run(settings.bot_export_dir))
    print(f"\nTranscript written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
