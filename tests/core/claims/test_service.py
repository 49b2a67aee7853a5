"""`/claim …` through the core: building, rating, showing and exporting an argument map in a
debate and in a discussion thread, moderation on claims, refusals, and a restart."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from bot.app import build_core
from bot.core.debates.model import ChannelRef
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests.conftest import CHANNEL, say
from tests.core.debates.test_exports import check, schema_version

OTHER = ChannelRef("test", "w1", "c2")


async def start_debate(core, chat, channel: ChannelRef = CHANNEL, options: str = "") -> ChannelRef:
    await say(core, "teacher", f"/debate start {options}".strip(), channel=channel)
    return core.debates.debates[max(core.debates.debates)].space


def body(cards) -> str:
    return "\n".join(c.body for c in cards)


def claim_posts(chat: FakeChat):
    return [p for p in chat.posts if any(b.custom_id.startswith("claim:") for b in p.card.buttons)]


async def test_no_debate_or_discussion_here_is_one_line_and_usage(core, chat):
    cards = await say(core, "amy", "/claim pro Masks fool cameras.")
    assert cards[0].kind == "error"
    assert cards[0].body.splitlines()[:2] == [
        "There is no debate or discussion here: claims belong to a running debate or an open /discuss thread.",
        "Usage: /claim pro [parent:<N>] <text>"]
    assert await core.store.claims.in_space("debate:1", "test", "w1") == [] and not claim_posts(chat)


async def test_claims_and_answers_are_posted_with_rating_buttons(core, chat):
    space = await start_debate(core, chat)
    assert "Your claim #1 (Pro) is on the map." in body(await say(core, "amy", "/claim pro Masks fool cameras.",
                                                                 channel=space))
    assert "#2 (Con)" in body(await say(core, "ben", "/claim con parent:1 Cameras learn fast.", channel=space))
    assert "#3 (Pro)" in body(await say(core, "cat", "/claim pro parent:2 Not the cheap ones.", channel=space))
    posts = claim_posts(chat)
    assert [p.channel for p in posts] == [space] * 3
    assert [b.custom_id for b in posts[0].card.buttons] == [f"claim:1:rate:{v}" for v in range(5)]
    assert posts[1].card.title == "Claim #2 · Con on #1 · Ben" and posts[1].card.side == "con"
    assert posts[0].card.title == "Claim #1 · Pro on the motion · Amy" and posts[0].card.user_text
    stored = await core.store.claims.in_space("debate:1", "test", "w1")
    assert [(c.id, c.parent_id, c.side, c.author_id) for c in stored] == [
        (1, None, "pro", "amy"), (2, 1, "con", "ben"), (3, 2, "pro", "cat")]


async def test_a_parent_of_another_debate_or_none_is_refused_with_the_text_back(core, chat):
    first = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Masks fool cameras.", channel=first)
    second = await start_debate(core, chat, OTHER)
    for line in ("/claim con parent:1 Mine.", "/claim con parent:7 Mine."):
        cards = await say(core, "ben", line, channel=second)
        assert cards[0].kind == "error" and "to answer (parent:0 is the motion or topic)" in cards[0].body
        assert "Usage: /claim con [parent:<N>] <text>" in cards[0].body
        assert "Your text, so nothing is lost:\nMine." in cards[0].body
    assert await core.store.claims.in_space("debate:2", "test", "w1") == []


async def test_edit_is_the_authors_until_answers_or_ratings(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Masks fool cameras.", channel=space)
    assert "Only its author" in body(await say(core, "ben", "/claim edit id:1 Hijacked.", channel=space))
    assert "Claim #1 is changed." in body(await say(core, "amy", "/claim edit id:1 Masks fool most cameras.",
                                                    channel=space))
    first = claim_posts(chat)[0]
    assert first.edits[-1].body == "Masks fool most cameras."
    await say(core, "ben", "/claim rate id:1 impact:2", channel=space)
    cards = await say(core, "amy", "/claim edit id:1 Again.", channel=space)
    assert "has ratings now" in cards[0].body and "Again." in cards[0].body  # handed back
    assert (await core.store.claims.load(1)).text == "Masks fool most cameras."


async def test_remove_hides_the_subtree_and_the_log_keeps_it(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Masks fool cameras.", channel=space)
    await say(core, "ben", "/claim con parent:1 Cameras learn.", channel=space)
    await say(core, "cat", "/claim pro parent:2 Not cheap ones.", channel=space)
    await say(core, "amy", "/claim con Artists need masks.", channel=space)
    assert "Only a moderator" in body(await say(core, "amy", "/claim remove id:2", channel=space))
    cards = await say(core, "teacher", "/claim remove id:2", channel=space)
    assert "Claim #2 is removed; 1 claim under it is hidden with it." in cards[0].body
    mapped = await say(core, "teacher", "/claim map picture:no", channel=space)
    assert "#1 Pro" in mapped[0].body and "#4 Con" in mapped[0].body
    assert "#2" not in mapped[0].body and "#3" not in mapped[0].body
    assert "There is no claim #3" in body(await say(core, "dan", "/claim rate id:3 impact:1", channel=space))
    await core.audit_writer.flush()
    [entry] = [e for e in await core.store.audit_entries("test", "w1") if e.action == "claim.remove"]
    assert "Cameras learn." in entry.details and entry.target == "ben"
    assert claim_posts(chat)[1].edits[-1].body == "Claim #2 was removed by a moderator."


async def test_move_refuses_a_cycle_and_changes_nothing(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro A.", channel=space)
    await say(core, "ben", "/claim con parent:1 B.", channel=space)
    cards = await say(core, "teacher", "/claim move id:1 parent:2", channel=space)
    assert cards[0].body.splitlines() == ["Claim #1 cannot move under #2: that claim stands under #1 itself.",
                                          "Usage: /claim move id:<N> parent:<M>"]
    assert (await core.store.claims.load(1)).parent_id is None
    assert "now stands on the motion" in body(await say(core, "teacher", "/claim move id:2 parent:0", channel=space))
    assert (await core.store.claims.load(2)).parent_id is None


async def test_ratings_one_per_person_changeable_and_hidden_until_rated(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro A.", channel=space)
    cards = await say(core, "ben", "/claim rate id:1 impact:7", channel=space)
    assert cards[0].body.splitlines() == [
        "Impact is 0 to 4 (how much the claim, if true, matters for its parent), not 7.",
        "Usage: /claim rate id:<N> impact:0-4"]
    assert "Your impact rating of claim #1: 3." in body(await say(core, "ben", "/claim rate id:1 impact:3",
                                                                   channel=space))
    assert "changed from 3 to 1" in body(await say(core, "ben", "/claim rate 1 1", channel=space))
    await say(core, "cat", "/claim rate id:1 impact:4", channel=space)
    assert await core.store.claims.ratings("debate:1", "test", "w1") == {1: {"ben": 1, "cat": 4}}
    hidden = await say(core, "dan", "/claim map", channel=space)
    assert "rate it to see its impact" in hidden[0].body and "2.5" not in hidden[0].body
    assert "impact 2.5 (2 ratings)" in (await say(core, "ben", "/claim map picture:no", channel=space))[0].body
    replies = await core.handle(_req("dan", space, "/claim map picture:no"))
    assert replies[0].private  # a map with hidden ratings is shown to the asker only
    assert "Only a moderator" in body(await say(core, "dan", "/claim reveal", channel=space))
    await say(core, "teacher", "/claim reveal", channel=space)
    assert "revealed the impact ratings" in chat.posts[-1].card.body
    replies = await core.handle(_req("dan", space, "/claim map picture:no"))
    assert not replies[0].private and "impact 2.5 (2 ratings)" in replies[0].card.body


def _req(name, channel, line):
    from bot.core.kernel.request import Request
    from tests.conftest import actor

    return Request(actor(name, name == "teacher"), channel, line)


async def test_anonymous_debate_keeps_raters_as_keyed_hashes(core, chat):
    space = await start_debate(core, chat, options="anonymous:yes")
    await say(core, "amy", "/claim pro A.", channel=space)
    await say(core, "ben", "/claim rate id:1 impact:2", channel=space)
    ratings = await core.store.claims.ratings("debate:1", "test", "w1")
    [rater] = ratings[1]
    assert rater.startswith("h:") and "ben" not in rater
    async with core.store.db.execute("SELECT at FROM claim_ratings") as cur:
        assert (await cur.fetchone())[0].startswith("1970-01-01")  # no time that could name the rater
    assert "changed from 2 to 4" in body(await say(core, "ben", "/claim rate id:1 impact:4", channel=space))


async def test_moderation_applies_to_claims(core, chat, clock):
    space = await start_debate(core, chat)
    await say(core, "teacher", "/mod filter add word:zorgle", channel=space)
    cards = await say(core, "amy", "/claim pro Zorgle masks.", channel=space)
    assert cards[0].kind == "error" and "Your text, so nothing is lost:\nZorgle masks." in cards[0].body
    long = "x" * 301
    cards = await say(core, "amy", f"/claim pro {long}", channel=space)
    assert "A claim has at most 300 characters; yours has 301." in cards[0].body and long in cards[0].body
    for n in range(3):
        assert "is on the map" in body(await say(core, "amy", f"/claim pro Claim {n}.", channel=space))
    cards = await say(core, "amy", "/claim pro One too many.", channel=space)
    assert "claims" in cards[0].body and "One too many." in cards[0].body  # the rate limit of claims
    await say(core, "teacher", "/mod mute user:ben minutes:5", channel=space)
    cards = await say(core, "ben", "/claim con Muted words.", channel=space)
    assert "You are muted" in cards[0].body and "Muted words." in cards[0].body
    assert "You are muted" in body(await say(core, "ben", "/claim rate id:1 impact:2", channel=space))
    assert len(await core.store.claims.in_space("debate:1", "test", "w1")) == 3
    await say(core, "ben", "/claim pro parent:99 Not a moderation matter.", channel=space)
    await core.audit_writer.flush()
    logged = [(e.action, e.target, e.reason) for e in await core.store.audit_entries("test", "w1", limit=50)
              if e.action in ("refuse.claim", "filter.block")]
    assert sorted(logged) == [("filter.block", "amy", "moderation.error.filtered"),
                              ("refuse.claim", "amy", "moderation.error.rate_limited"),
                              ("refuse.claim", "ben", "moderation.error.muted")]  # a bad parent is not logged


async def test_a_long_map_pages_and_sorts_by_impact(core, chat, clock):
    space = await start_debate(core, chat)
    for n in range(1, 21):
        await say(core, f"user{n}", f"/claim {'pro' if n % 2 else 'con'} Point {n}.", channel=space)
    for rater in ("r1", "r2", "r3"):
        await say(core, rater, "/claim rate id:20 impact:4", channel=space)
        await say(core, rater, "/claim rate id:5 impact:3", channel=space)
    await say(core, "teacher", "/claim reveal", channel=space)
    first = (await say(core, "amy", "/claim map picture:no", channel=space))[0]
    lines = first.body.splitlines()
    assert lines[0].startswith("Thesis: ") and len(lines) == 16
    assert lines[1].startswith("#20 Con") and lines[2].startswith("#5 Pro") and lines[3].startswith("#1 Pro")
    assert "Page 1 of 2 · /claim map page:2" in first.footer
    second = (await say(core, "amy", "/claim map page:2 picture:no", channel=space))[0]
    assert len(second.body.splitlines()) == 6 and "Page 2 of 2" in second.footer


async def test_the_map_picture_is_a_sensible_png(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Masks let criminals pass as someone else.", channel=space)
    await say(core, "ben", "/claim con parent:1 Face recognition catches most masks.", channel=space)
    card = (await say(core, "amy", "/claim map", channel=space))[0]
    png = card.attachment
    assert png is not None and png.mime == "image/png" and png.filename == "debate-1-map.png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.data[16:24])
    assert 600 <= width <= 4000 and 400 <= height <= 3000
    assert 5_000 < len(png.data) < 2_000_000


async def test_exports_carry_the_map_and_validate(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Masks <b>fool</b> cameras.", channel=space)
    await say(core, "ben", "/claim con parent:1 Cameras learn.", channel=space)
    await say(core, "cat", "/claim rate id:1 impact:3", channel=space)
    data = json.loads((await say(core, "amy", "/debate export format:json", channel=space))[0].attachment.data)
    assert check(data, schema_version("debate", 3)) == []
    assert data["claims"][0]["impact"] == {"mean": None, "n": None}  # not revealed yet
    assert data["claims"][0]["children"][0]["text"] == "Cameras learn."
    await say(core, "teacher", "/debate end", channel=space)
    data = json.loads((await say(core, "amy", "/debate export format:json", channel=space))[0].attachment.data)
    assert data["claims"][0]["impact"] == {"mean": 3.0, "n": 1}  # an ended debate shows its ratings
    markdown = (await say(core, "amy", "/debate export format:md", channel=space))[0].attachment.data.decode()
    assert "## Argument map" in markdown and "  - **#2 Con** Cameras learn. — Ben" in markdown
    page = (await say(core, "amy", "/debate export format:html", channel=space))[0].attachment.data.decode()
    assert "<details open><summary>" in page and "&lt;b&gt;fool&lt;/b&gt;" in page and "<b>fool</b>" not in page
    argdown = (await say(core, "amy", "/debate export format:argdown", channel=space))[0].attachment
    assert argdown.filename == "debate-1.argdown"
    text = argdown.data.decode()
    assert "[Thesis]: " in text and "  <+ <Claim 1>: Masks  b fool /b  cameras. #pro" in text
    assert "    <- <Claim 2>: Cameras learn. #con" in text


async def test_the_result_card_names_the_strongest_claims(core, chat):
    space = await start_debate(core, chat)
    await say(core, "amy", "/claim pro Strong.", channel=space)
    await say(core, "amy", "/claim pro Weak.", channel=space)
    await say(core, "ben", "/claim con Rated twice only.", channel=space)
    for rater, strong, weak in (("r1", 4, 1), ("r2", 3, 1), ("r3", 4, 2)):
        await say(core, rater, f"/claim rate id:1 impact:{strong}", channel=space)
        await say(core, rater, f"/claim rate id:2 impact:{weak}", channel=space)
    await say(core, "r1", "/claim rate id:3 impact:4", channel=space)
    await say(core, "r2", "/claim rate id:3 impact:4", channel=space)
    await say(core, "teacher", "/debate end", channel=space)
    result = chat.last("result")
    named = {f.name: f.value for f in result.fields}
    assert named["Strongest pro claim"] == "#1 Strong. — Amy · impact 3.7 (3 ratings)"
    assert named["Strongest con claim"].startswith("None yet")


async def test_claims_in_a_discussion_thread_and_its_export(core, chat):
    await say(core, "teacher", '/discuss start topic:"Masks on film sets"')
    space = ChannelRef("test", "w1", f"c1/thread-{chat.posts[-1].message_id}")
    assert "#1 (Pro)" in body(await say(core, "amy", "/claim pro They keep actors safe.", channel=space))
    await say(core, "ben", "/claim rate id:1 impact:3", channel=space)
    assert "impact 3.0 (1 rating)" in body(await say(core, "ben", "/claim map picture:no", channel=space))
    exported = (await say(core, "ben", "/discuss export format:json", channel=space))[0].attachment
    data = json.loads(exported.data)
    assert check(data, schema_version("claims", 1)) == []
    assert data["map"] == {"kind": "discuss", "id": 1, "thesis": "Masks on film sets", "language": "en",
                           "revealed": False}
    assert exported.filename == "discussion-1.json"
    await say(core, "teacher", "/mod slowmode 60", channel=space)
    await say(core, "cat", "/claim con One.", channel=space)
    assert "Slow mode" in body(await say(core, "cat", "/claim con Two.", channel=space))


@pytest.mark.parametrize("line", ["/claim pro parent:x Text", "/claim rate id:1", "/claim move id:1",
                                  "/claim edit Text without id", "/claim frobnicate"])
async def test_mistyped_claim_commands_say_why_and_how(core, chat, line):
    space = await start_debate(core, chat)
    cards = await say(core, "amy", line, channel=space)
    assert cards[0].kind == "error" and "Usage: /claim" in cards[0].body
    assert not claim_posts(chat)


async def test_the_map_survives_a_restart(tmp_path: Path):
    clock, chat = FakeClock(), FakeChat()
    core = await build_core(tmp_path / "r.db", {"test": chat}, clock=clock, secret=b"k" * 32)
    await core.start()
    space = await start_debate(core, chat, options="anonymous:yes")
    await say(core, "amy", "/claim pro Masks fool cameras.", channel=space)
    await say(core, "ben", "/claim con parent:1 Cameras learn.", channel=space)
    await say(core, "cat", "/claim rate id:1 impact:4", channel=space)
    await core.stop()
    core = await build_core(tmp_path / "r.db", {"test": chat}, clock=clock, secret=b"k" * 32)
    await core.start()
    try:
        assert "changed from 4 to 2" in body(await say(core, "cat", "/claim rate id:1 impact:2", channel=space))
        mapped = (await say(core, "cat", "/claim map picture:no", channel=space))[0].body
        assert "#1 Pro · Amy · impact 2.0 (1 rating)" in mapped and "#2 Con · Ben" in mapped
        assert "#3 (Pro)" in body(await say(core, "dan", "/claim pro parent:2 Not cheap ones.", channel=space))
    finally:
        await core.stop()
