"""`make demo`: a whole classroom debate on the default motion with a simulated class.

Two speakers a side and twenty voters, some of whom change their minds (the class lives in
`prompts/demo/classroom.toml`). The script is built from the format's phases, fed through the console adapter on a throw-away database with a
clock that moves 3 seconds per line, and the transcript is exported as Markdown.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tomllib
from pathlib import Path

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.core.debates.model import PhaseKind, Side
from bot.core.library.loader import load_library
from bot.prompt_folder import PROMPTS_DIR, PromptFolder
from bot.settings import Settings
from bot.testing.clock import FakeClock

FORMAT = "classroom"
CLASS = PROMPTS_DIR / "demo" / "classroom.toml"


def script() -> list[str]:
    fmt = load_library(PromptFolder(PROMPTS_DIR)).formats[FORMAT]
    pupils = tomllib.loads(CLASS.read_text(encoding="utf-8"))
    speakers = {Side.PRO: pupils["speakers"]["pro"], Side.CON: pupils["speakers"]["con"]}
    voters = [f"pupil{i:02d}" for i in range(1, len(pupils["votes"]["pre"]) + 1)]
    lines = [f"teacher: /debate start format:{FORMAT}"]
    lines += [f"{name}: /debate join side:{side.value}" for side, names in speakers.items() for name in names]
    turn = {Side.PRO: 0, Side.CON: 0}
    for phase in fmt.phases:
        if phase.kind is PhaseKind.PRE_VOTE:
            lines += [f"{v}: /vote {c}" for v, c in zip(voters, pupils["votes"]["pre"], strict=True)]
        elif phase.kind is PhaseKind.POST_VOTE:
            lines += [f"{v}: /vote {c}" for v, c in zip(voters, pupils["votes"]["post"], strict=True)]
        elif phase.kind is PhaseKind.SPEECH:
            names = speakers[phase.side]
            speaker = names[turn[phase.side] % len(names)]
            turn[phase.side] += 1
            lines.append(f"{speaker}: /speak {pupils['speeches'][speaker]}")
        elif phase.kind in (PhaseKind.OPEN_FLOOR, PhaseKind.CROSS):
            for n, q in enumerate(pupils["questions"], 1):
                lines += [f"{q['asker']}: /ask {q['text']}", f"teacher: /mod approve id:{n}"]
        lines.append("teacher: /debate next")
    lines += ["teacher: /debate results", "teacher: /debate export format:md"]
    return lines


async def run(export_dir: Path) -> Path:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = await build_core(Path(tmp) / "demo.db", {}, clock=clock)
        port = ConsolePort(sys.stdout, clock, core.catalog, export_dir, language=core.language)
        core.attach(port)
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
