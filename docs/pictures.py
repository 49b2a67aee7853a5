"""`make pictures`: redraw the README's pictures in docs/ from the real bot.

The debate picture is the chart of `make demo`'s classroom debate on the default motion; the
poll picture is a ranked poll run through the console adapter, decided in three rounds; the
argument map picture is a class's claim tree on the default motion, built, rated and revealed
through the console (docs/claims.md). The classroom screen's two pictures are its page in Debian's
Chromium (headless, through Playwright) at 1280x720, during a speech and after the result, of a
debate driven through the console adapter on a fake clock. All run on a throw-away database and
export folder; only the PNG files are kept.
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
from bot.web.listener import WebListener
from bot.web.screen_site import ScreenSite

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


SPEECH = ("A realistic mask lets anyone walk past a camera as somebody else. Shops already check ID for "
          "knives and spray paint; a mask that can fool a bank teller deserves the same care.")
PRE = ["pro"] * 6 + ["con"] * 7 + ["undecided"] * 9
POST = ["pro"] * 11 + ["con"] * 8 + ["undecided"] * 3


async def run_screen(folder: Path) -> tuple[Path, Path]:
    """The classroom screen during Pro's speech, and after the result."""
    from playwright.async_api import async_playwright, expect  # a dev dependency, like the browser

    clock = FakeClock()
    listener = WebListener("127.0.0.1", 0)
    core = await build_core(folder / "screen.db", {}, clock=clock, screen_url=lambda: listener.public_url)
    out = io.StringIO()
    port = ConsolePort(out, clock, core.catalog, folder)
    core.ports["console"] = port
    await core.start()
    ScreenSite(core).mount(listener.app)
    await listener.start()
    app = ConsoleApp(core, port, frozenset({"teacher"}))
    speaking, result = folder / "classroom-screen.png", folder / "classroom-screen-result.png"
    try:
        for line in ["teacher: /debate start format:quick", "aiko: /debate join side:pro", "ben: /debate join side:con",
                     *(f"pupil{n:02d}: /vote {choice}" for n, choice in enumerate(PRE, 1)),
                     "teacher: /debate next", f"aiko: /speak {SPEECH}",
                     "pupil03: /ask Who would check the age of a buyer online?", "teacher: /mod approve id:1"]:
            await app.handle_line(line)
        clock.advance(75)
        start = out.tell()
        await app.handle_line("teacher: /debate screen")
        out.seek(start)
        url = next(word for word in out.read().split() if "/screen/" in word)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = await browser.new_page(viewport={"width": 1280, "height": 720})
            await page.clock.set_fixed_time(clock.now())
            await page.goto(url)
            await expect(page.locator("#countdown")).to_have_text("1:45")
            await page.screenshot(path=str(speaking))
            for line in ["teacher: /debate next", "teacher: /debate next",
                         *(f"pupil{n:02d}: /vote {choice}" for n, choice in enumerate(POST, 1)), "teacher: /debate next"]:
                await app.handle_line(line)
            await expect(page.locator("#result")).to_be_visible()
            await page.screenshot(path=str(result))
            await browser.close()
    finally:
        await listener.stop()
        await core.stop()
    return speaking, result


CLAIMS = [  # (who, parent or None, side, text)
    ("aiko", None, "pro", "Masks let criminals pass as someone else at banks and shops."),
    ("ben", 1, "con", "Face recognition already flags most silicone masks."),
    ("chika", 2, "pro", "Not the cheap cameras most small shops use."),
    ("dan", 1, "pro", "Victims of impersonation lose money and trust."),
    ("emi", None, "con", "ID checks burden film crews and burn survivors who need masks."),
    ("fumi", 5, "pro", "A studio licence could cover a whole crew at once."),
    ("goro", None, "con", "Sellers abroad will not check, so buyers simply order online."),
]
# impact ratings per claim: one line of five pupils' ratings
CLAIM_RATINGS = {1: (4, 3, 4, 3, 4), 2: (2, 1, 2, 2, 1), 3: (3, 2, 3), 4: (2, 3, 2), 5: (3, 3, 2, 4),
                 6: (2, 1, 2), 7: (3, 2, 2, 3)}


def claims_script() -> list[str]:
    lines = ["teacher: /debate start format:classroom"]
    for who, parent, side, text in CLAIMS:
        lines.append(f"{who}: /claim {side}" + (f" parent:{parent}" if parent else "") + f" {text}")
    for claim_id, ratings in CLAIM_RATINGS.items():
        lines += [f"pupil{n}: /claim rate id:{claim_id} impact:{value}" for n, value in enumerate(ratings, 1)]
    return [*lines, "teacher: /claim reveal", "teacher: /claim map"]


async def run_claims(export_dir: Path) -> Path:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = await build_core(Path(tmp) / "pictures.db", {}, clock=clock)
        port = ConsolePort(io.StringIO(), clock, core.catalog, export_dir)
        core.ports["console"] = port
        await core.start()
        app = ConsoleApp(core, port, frozenset({"teacher"}))
        for line in claims_script():
            clock.advance(30)  # within the claim rate limit (3 a minute) of every pupil
            await app.handle_line(line)
        await core.stop()
    return export_dir / "debate-1-map.png"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        debates, polls = Path(tmp) / "debate", Path(tmp) / "poll"
        with contextlib.redirect_stdout(io.StringIO()):
            asyncio.run(demo.run(debates))
        shutil.copyfile(debates / "debate-1.png", DOCS / "results-chart.png")
        shutil.copyfile(asyncio.run(run_poll(polls)), DOCS / "poll-ranked-chart.png")
        for shot in asyncio.run(run_screen(Path(tmp))):
            shutil.copyfile(shot, DOCS / shot.name)
        shutil.copyfile(asyncio.run(run_claims(Path(tmp) / "claims")), DOCS / "claim-map.png")
    print("wrote docs/results-chart.png, docs/poll-ranked-chart.png, docs/claim-map.png, "
          "docs/classroom-screen.png and docs/classroom-screen-result.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
