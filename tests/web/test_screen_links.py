"""The classroom screen's links over HTTP: who gets the page, who gets a 403 and in which language,
what the page and its events never hold. The bot runs on the console adapter and a fake clock."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from bot.adapters.console.adapter import PLATFORM, WORKSPACE
from bot.core.debates.model import Actor
from bot.core.debates.service import voter_hash
from bot.core.screens.tokens import BadLink, ScreenLink, check_token, make_token
from tests.web.screen_support import SECRET, start_bot


@pytest.fixture
async def bot(tmp_path, clock):
    bot = await start_bot(tmp_path, clock, tick=None)  # the tests refresh the views themselves
    yield bot
    await bot.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http, url: str, **headers: str) -> tuple[int, str]:
    async with http.get(url, headers=headers) as response:
        return response.status, await response.text()


async def first_events(http, url: str, until: str = "event: state", **headers: str) -> str:
    """The start of a page's event stream, up to and with the first `until` event."""
    seen = ""
    async with asyncio.timeout(10):  # a guard against a hang
        async with http.get(url + "/events", headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            while until not in seen or not seen.endswith("\n\n"):
                seen += (await response.content.readuntil(b"\n\n")).decode()
    return seen


async def test_a_moderator_gets_a_private_link_and_the_page_shows_the_debate(bot, http):
    await bot.type("teacher: /debate start format:quick")
    printed = await bot.type("teacher: /debate screen")
    assert "(only teacher sees this)" in printed
    assert "works until 2026-11-22 21:00 UTC" in printed
    url = re.search(r"http://\S+", printed).group(0)
    status, body = await get(http, url)
    assert status == 200
    assert "<h1 id=\"title\">Identity checks for every mask sale</h1>" in body
    assert "<svg" in body and "class=\"segno\"" in body  # the QR code, drawn here
    assert not re.search(r"(src|href)=\"(https?:)?//", body)  # nothing from any other server


async def test_pupils_cannot_make_links_and_hours_are_bounded(bot):
    await bot.type("teacher: /debate start format:quick")
    assert "moderator" in await bot.type("pupil: /debate screen")
    for hours in ("0", "169"):
        printed = await bot.type(f"teacher: /debate screen hours:{hours}")
        assert "hours: takes 1 to 168." in printed and "/screen/" not in printed


async def test_the_page_sends_strict_headers_and_answers_only_get(bot, http):
    await bot.type("teacher: /debate start format:quick")
    url = await bot.link()
    async with http.get(url) as response:
        policy = response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    for method in ("POST", "PUT", "DELETE"):
        async with http.request(method, url) as response:
            assert response.status == 405
    async with http.head(url + "/events") as response:
        assert response.status == 405


async def test_an_expired_link_is_refused_in_the_channels_language(bot, http):
    await bot.type("teacher: /debate language ja")
    await bot.type("teacher: /debate start format:quick")
    url = await bot.link("teacher: /debate screen hours:1")
    assert (await get(http, url))[0] == 200
    bot.clock.advance(3600)
    status, body = await get(http, url)
    assert status == 403
    assert '<html lang="ja">' in body and "リンクの有効期限が切れました" in body
    status, _ = await get(http, url + "/events")
    assert status == 403


async def test_a_revoked_link_is_refused_and_its_open_stream_told(bot, http):
    await bot.type("teacher: /debate start format:quick")
    old = await bot.link()
    async with asyncio.timeout(10), http.get(old + "/events") as stream:
        await stream.content.readuntil(b"event: state")
        printed = await bot.type("teacher: /debate screen revoke:yes")
        assert "Every screen link of debate #1 has stopped working" in printed
        await bot.site.hub.refresh()
        rest = (await stream.content.read()).decode()  # the stream ends after telling the page
    assert "event: gone" in rest
    status, body = await get(http, old)
    assert status == 403 and "A moderator has revoked this link;" in body
    assert (await get(http, await bot.link()))[0] == 200  # a link made after works


async def test_a_tampered_forged_or_other_debates_link_is_refused(bot, http):
    await bot.type("teacher: /debate start format:quick")
    url = await bot.link()
    base, token = url.rsplit("/", 1)
    payload, signature = token.rsplit(".", 1)
    other_signature = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_debate = token.replace("d1.", "d2.", 1)  # debate 2's page under debate 1's signature
    live = payload[:-1] + "l"  # the live tally without the moderator's say
    for bad in (f"{payload}.{other_signature}", other_debate, f"{live}.{signature}", "d1.0.9999999999.h",
                make_token(b"another bot's secret", check_token(SECRET, token, bot.clock.now()))):
        status, body = await get(http, f"{base}/{bad}")
        assert status == 403, bad
        assert "The link is not one the bot made" in body
        assert "Traceback" not in body


async def test_a_refusal_for_an_unknown_debate_follows_the_browser(bot, http):
    url = bot.url + "/screen/d99.0.1.h.AAAAAAAAAAAAAAAAAAAAAA"
    assert "The link is not one the bot made" in (await get(http, url))[1]
    status, body = await get(http, url, **{"Accept-Language": "ja,en;q=0.5"})
    assert status == 403 and "ボットが作ったリンクではありません" in body


def test_a_token_holds_what_it_grants_and_nothing_else():
    from datetime import UTC, datetime

    link = ScreenLink("debate", 12, 3, datetime(2026, 11, 22, 21, 0, tzinfo=UTC), tally_live=True)
    token = make_token(SECRET, link)
    assert token.startswith("d12.3.1795381200.l.")
    assert check_token(SECRET, token, datetime(2026, 11, 22, 20, 59, tzinfo=UTC)) == link
    with pytest.raises(BadLink) as refused:
        check_token(SECRET, token, datetime(2026, 11, 22, 21, 0, tzinfo=UTC))
    assert (refused.value.reason, refused.value.kind, refused.value.target) == ("expired", "debate", 12)


async def test_html_in_a_custom_motion_and_a_speech_arrives_escaped(bot, http):
    await bot.type("teacher: /debate start format:quick motion:'This house would <script>alert(1)</script> & more'")
    await bot.type("alice: /debate join side:pro")
    await bot.type("teacher: /debate next")
    await bot.type("alice: /speak <img src=x onerror=alert(2)> & </script>")
    url = await bot.link()
    status, body = await get(http, url)
    assert status == 200
    assert "<script>alert" not in body and "<img src=x" not in body and "</script> &" not in body
    assert "This house would &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in body  # the heading's text
    assert body.count("<script") == 2  # the view's JSON and the page's own script, nothing else
    events = await first_events(http, url)
    assert "<img src=x onerror=alert(2)> & </script>" in events  # JSON text, which the page shows as text


async def test_an_anonymous_debates_page_and_stream_hold_no_voter(bot, http):
    await bot.type("teacher: /debate start format:quick anonymous:yes")
    voters = [f"voter-zq{i}" for i in range(5)]
    for name in voters:
        await bot.type(f"{name}: /vote pro")
    await bot.type("voter-zq0: /debate join side:audience")
    await bot.type("alice: /debate join side:pro")
    await bot.type("bob: /debate join side:con")
    url = await bot.link("teacher: /debate screen tally:live")
    await bot.site.hub.refresh()
    hashes = [voter_hash(SECRET, Actor(PLATFORM, WORKSPACE, name, name), "debate:1") for name in voters]
    _, page = await get(http, url)
    events = await first_events(http, url)
    assert '"turnout":5' in events and '"count":5' in events  # counted, with the live tally
    for text in (page, events):
        for secret in (*voters, *hashes, *(h.removeprefix("h:") for h in hashes)):
            assert secret not in text


async def test_a_page_that_has_the_newest_version_is_not_sent_it_again(bot, http):
    await bot.type("teacher: /debate start format:quick")
    url = await bot.link()
    events = await first_events(http, url)
    last = re.search(r"^id: (\S+)$", events, re.M).group(1)
    async with asyncio.timeout(10), http.get(url + "/events", headers={"Last-Event-ID": last}) as stream:
        await stream.content.readuntil(b"event: clock")
        await bot.type("v1: /vote pro")
        await bot.core.debates.writer.flush()
        await bot.site.hub.refresh()
        state = ""
        while "event: state" not in state:
            state += (await stream.content.readuntil(b"\n\n")).decode()
    assert '"turnout":1' in state  # the first state it is sent is the new one, not the one it had
    assert f"id: {last}\n" not in state


async def test_a_polls_screen_hides_its_tally_until_it_closes(bot, http):
    await bot.type('teacher: /poll create question:"Ban masks in shops?" options:"yes|no" tally:hidden')
    await bot.type("v1: /poll vote id:1 yes")
    await bot.type("v2: /poll vote id:1 yes")
    url = await bot.link("teacher: /poll screen id:1")
    await bot.core.polls.writer.flush()
    await bot.site.hub.refresh()
    events = await first_events(http, url)
    assert "Ban masks in shops?" in events and '"turnout":2' in events
    assert '"count"' not in events  # hidden until it closes
    await bot.type("teacher: /poll close id:1")
    await bot.site.hub.refresh()
    events = await first_events(http, url)
    assert '"count":2' in events and "yes" in events
    assert "v1" not in (await get(http, url))[1]
    assert "There is no poll #7 here." in await bot.type("teacher: /poll screen id:7")


async def test_the_screen_shows_the_argument_map_with_impact_only_once_revealed_and_no_author(bot, http):
    await bot.type("teacher: /debate start format:quick anonymous:yes")
    await bot.type("author-zq1: /claim pro Masks let robbers pass as somebody else.")
    await bot.type("author-zq2: /claim con parent:1 Cameras flag most silicone <b>masks</b>.")
    for n in range(3):
        await bot.type(f"rater{n}: /claim rate id:1 impact:4")
    url = await bot.link()
    await bot.site.hub.refresh()
    events = await first_events(http, url)
    assert "Masks let robbers pass as somebody else." in events
    assert '"text":"Cameras flag most silicone <b>masks</b>."' in events  # as typed: the page puts it in as text
    assert '"level":1' in events and '"side":"con"' in events  # the con claim under the pro one
    assert '"impact":""' in events and "4.0" not in events  # ratings hidden until revealed
    for secret in ("author-zq1", "author-zq2", "rater0"):
        assert secret not in events

    await bot.type("teacher: /claim reveal")
    await bot.site.hub.refresh()
    _, page = await get(http, url)
    assert "4.0" in page and "Argument map" in page
    assert "<b>masks" not in page  # the text travels as escaped JSON, put in with textContent
    for secret in ("author-zq1", "author-zq2", "rater0"):
        assert secret not in page
