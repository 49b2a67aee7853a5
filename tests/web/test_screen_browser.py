"""The classroom screen in a real browser: Debian's Chromium, headless, driven by Playwright.

The debate is driven through the console adapter on a fake clock; the browser's clock is held at
the same fake time (`page.clock.set_fixed_time`), so the countdown the page computes from the
server's deadline reads exactly. Each step asserts what the page shows; Playwright's `expect`
waits for the page to get there (a guard of a few seconds, not a measured time).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import matplotlib.image
import pytest
from playwright.async_api import Page, async_playwright, expect

from bot.testing.clock import FakeClock
from tests.web.screen_support import ScreenBot, start_bot

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / ".artefacts"  # gitignored: what a CI run keeps to look at

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="Debian's chromium is not installed (make test installs it)")


@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        await chromium.close()


@pytest.fixture
async def bot(tmp_path, clock):
    bot = await start_bot(tmp_path, clock)
    yield bot
    await bot.stop()


async def open_page(browser, bot: ScreenBot, url: str) -> Page:
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.clock.set_fixed_time(bot.clock.now())
    await page.goto(url)
    return page


async def move(page: Page, clock: FakeClock, seconds: float) -> None:
    """Both clocks on by `seconds`: the bot's (its timers may fire) and the browser's."""
    clock.advance(seconds)
    await page.clock.set_fixed_time(clock.now())


async def test_the_page_follows_the_debate_step_by_step(browser, bot, tmp_path):
    await bot.type("teacher: /debate start format:quick")
    page = await open_page(browser, bot, await bot.link())
    await expect(page.locator("#phase")).to_have_text("Phase 1/4: Pre-vote")
    await expect(page.locator("#title")).to_have_text("Identity checks for every mask sale")
    await expect(page.locator("#countdown")).to_have_text("2:00")
    await expect(page.locator("#turnout")).to_have_text("0 votes")

    for name, choice in [("v1", "pro"), ("v2", "con"), ("v3", "pro")]:
        await bot.type(f"{name}: /vote {choice}")
    await expect(page.locator("#turnout")).to_have_text("3 votes")
    await expect(page.locator("#tally li")).to_have_count(0)  # turnout only: no tally:live
    await expect(page.locator("#hidden-note")).to_have_text("The tally stays hidden until the vote closes.")

    await move(page, bot.clock, 95)
    await expect(page.locator("#countdown")).to_have_text("0:25")
    await expect(page.locator("#countdown")).to_have_class("countdown warn")  # amber: the last 30 s
    await page.clock.set_fixed_time(bot.clock.now() + timedelta(seconds=30))  # the page alone at the deadline
    await expect(page.locator("#countdown")).to_have_text("0:00")
    await expect(page.locator("#countdown")).to_have_class("countdown over")  # red at 0
    await page.clock.set_fixed_time(bot.clock.now())

    await bot.type("alice: /debate join side:pro")
    await bot.type("bob: /debate join side:con")
    await bot.type("teacher: /debate next")
    await expect(page.locator("#phase")).to_have_text("Phase 2/4: Pro speech")
    await expect(page.locator("#floor")).to_have_text("Pro: alice")
    await expect(page.locator("#countdown")).to_have_text("3:00")
    await expect(page.locator("#vote")).to_be_hidden()

    await bot.type("alice: /speak Masks let criminals pass as someone else, so sellers must check who buys them.")
    await expect(page.locator("#speech")).to_have_text(
        "Masks let criminals pass as someone else, so sellers must check who buys them.")
    await expect(page.locator("#speech-by")).to_have_text("alice · Pro")
    await expect(page.locator("#no-claims")).to_be_visible()
    await bot.type("carol: /claim con Film makers and burn survivors need these masks.")
    claim = page.locator("#claims li")
    await expect(claim).to_contain_text("Film makers and burn survivors need these masks.")
    await expect(claim).to_have_class("claim con")
    await expect(page.locator("#no-claims")).to_be_hidden()

    await bot.type("teacher: /debate pause")
    await expect(page.locator("#status")).to_have_text("Paused")
    await move(page, bot.clock, 600)  # paused: the clock stands still on the page too
    await expect(page.locator("#countdown")).to_have_text("3:00")
    await bot.type("teacher: /debate resume")
    await expect(page.locator("#status")).to_be_hidden()

    await move(page, bot.clock, 180)  # the timer moves it on
    await expect(page.locator("#phase")).to_have_text("Phase 3/4: Con speech")
    await expect(page.locator("#floor")).to_have_text("Con: bob")
    await bot.type("teacher: /debate next")
    await expect(page.locator("#phase")).to_have_text("Phase 4/4: Post-vote")
    for name, choice in [("v1", "pro"), ("v2", "pro"), ("v3", "pro"), ("v4", "con")]:
        await bot.type(f"{name}: /vote {choice}")
    await expect(page.locator("#turnout")).to_have_text("4 votes")

    await bot.type("teacher: /debate next")
    await expect(page.locator("#phase")).to_have_text("The debate has ended.")
    await expect(page.locator("#verdict")).to_have_text("Pro wins: it gained more support.")
    await expect(page.locator("#result-bars li")).to_have_count(3)
    await expect(page.locator("#result-bars li.pro .figure")).to_have_text("67% → 75%")
    await expect(page.locator("#swing")).to_have_text("Pro +8.3 pts · Con -8.3 pts")
    await expect(page.locator("#moves")).to_contain_text("Con → Pro: 1")
    await expect(page.locator("#countdown")).to_be_hidden()
    await expect(page.locator("#reconnecting")).to_be_hidden()

    shot = tmp_path / "screen.png"
    await page.screenshot(path=str(shot))
    ARTEFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTEFACTS / "screen-result.png")
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (720, 1280)
    assert pixels[..., :3].std() > 0.05  # not one flat colour: the result is drawn


async def test_the_page_comes_back_by_itself_after_the_bot_restarts(browser, tmp_path, clock):
    bot = await start_bot(tmp_path, clock)
    try:
        await bot.type("teacher: /debate start format:quick")
        page = await open_page(browser, bot, await bot.link())
        await expect(page.locator("#phase")).to_have_text("Phase 1/4: Pre-vote")
        port = int(bot.url.rsplit(":", 1)[1])
    finally:
        await bot.stop()
    await expect(page.locator("#reconnecting")).to_be_visible()
    await expect(page.locator("#reconnecting")).to_have_text("Reconnecting…")

    bot = await start_bot(tmp_path, clock, port=port)  # the same database, the same port
    try:
        await bot.type("alice: /debate join side:pro")
        await bot.type("teacher: /debate next")
        await expect(page.locator("#phase")).to_have_text("Phase 2/4: Pro speech", timeout=15_000)
        await expect(page.locator("#floor")).to_have_text("Pro: alice")
        await expect(page.locator("#reconnecting")).to_be_hidden()
    finally:
        await bot.stop()


async def test_html_in_a_speech_and_a_custom_motion_stays_text(browser, bot):
    motion = 'This house would <img src=x id=motion-injected> "ban" masks'
    await bot.type(f"teacher: /debate start format:quick motion:'{motion}'")
    await bot.type("alice: /debate join side:pro")
    await bot.type("teacher: /debate next")
    speech = "</script><script>document.title='owned'</script><b id=speech-injected>bold</b>"
    await bot.type(f"alice: /speak {speech}")
    page = await open_page(browser, bot, await bot.link())
    await expect(page.locator("#speech")).to_have_text(speech)
    await expect(page.locator("#motion")).to_have_text(motion)
    assert await page.locator("#speech-injected, #motion-injected").count() == 0
    assert "owned" not in await page.title()


async def test_the_page_speaks_the_channels_language(browser, bot):
    await bot.type("teacher: /debate language ja")
    await bot.type("teacher: /debate start format:quick")
    page = await open_page(browser, bot, await bot.link())
    await expect(page.locator("html")).to_have_attribute("lang", "ja")
    await expect(page.locator("#phase")).to_have_text("フェーズ 1/4: 事前投票")
    await expect(page.locator("#turnout")).to_have_text("0 票")


async def test_the_page_fits_a_phone(browser, bot):
    await bot.type("teacher: /debate start format:quick")
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    await page.clock.set_fixed_time(bot.clock.now())
    await page.goto(await bot.link())
    await expect(page.locator("#countdown")).to_have_text("2:00")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    await expect(page.locator(".qr")).to_be_hidden()  # the phone is where the link already is
