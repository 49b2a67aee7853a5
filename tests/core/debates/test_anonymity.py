"""Anonymity: after anonymous polls and an anonymous debate, no voter id or name is anywhere.

Searched: every byte of the SQLite file with its WAL and shared-memory files, every log record
(DEBUG and up, from every logger, aiosqlite's statement log included), every export (CSV, JSON,
Markdown, HTML, charts) and every card the bot posted or replied with.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import build_core
from bot.core.debates.model import NO_TIME, Actor, Stage
from bot.core.kernel.buttons import ballot_command, button_command
from bot.core.kernel.cards import Card
from bot.core.kernel.request import Request
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests.conftest import CHANNEL

SECRET = b"anonymity-test-secret"
TEACHER = Actor("test", "w1", "teacher", "Teacher", is_admin=True)
# Distinctive ids and names, so that a hit can only be a leak.
VOTERS = [
    Actor("test", "w1", "U7QZ4411ANNA", "Annabel Quixote"),
    Actor("test", "w1", "U7QZ4412BRUNO", "Bruno Zephyrine"),
    Actor("test", "w1", "U7QZ4413CLEO", "Cleo Wintermute"),
    Actor("test", "w1", "U7QZ4414DEV", "Devika Okonkwo"),
]


def card_text(card: Card) -> str:
    parts = [card.title, card.body, card.footer, card.author, *card.extra.keys(), *card.extra.values()]
    parts += [f"{f.name} {f.value}" for f in card.fields]
    parts += [f"{b.custom_id} {b.label}" for b in card.buttons]
    return "\n".join(parts)


class Session:
    """One core on a file database, recording every card and attachment that comes out."""

    def __init__(self, core, chat: FakeChat, clock: FakeClock) -> None:
        self.core, self.chat, self.clock = core, chat, clock
        self.replies: list[Card] = []

    async def say(self, who: Actor, line: str = "", command=None, debate_id=None) -> Card:
        replies = await self.core.handle(Request(who, CHANNEL, line, command=command, debate_id=debate_id))
        self.replies += [r.card for r in replies]
        return replies[0].card if replies else Card("none")

    def cards(self) -> list[Card]:
        posted = [p.card for p in self.chat.posts] + [c for p in self.chat.posts for c in p.edits]
        return posted + self.replies + [c for _, _, c in self.chat.private]

    def attachments(self) -> list[bytes]:
        return [c.attachment.data for c in self.cards() if c.attachment is not None]


async def open_session(db: Path) -> Session:
    chat, clock = FakeChat(), FakeClock()
    core = await build_core(db, {"test": chat}, clock=clock, secret=SECRET)
    await core.start()
    return Session(core, chat, clock)


def stored_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())


async def anonymous_polls(s: Session) -> None:
    assert "Poll #1" in (await s.say(TEACHER, '/poll create question:"Snack?" options:"fruit|nuts|crisps" anonymous:yes')).body
    await s.say(TEACHER, '/poll create question:"Trip?" options:"zoo|museum|park" mode:ranked anonymous:yes closes:1h')
    await s.say(TEACHER, '/poll create question:"Games?" options:"chess|go|cards" mode:multi max:2 '
                         'anonymous:yes tally:hidden')
    a, b, c, d = VOTERS
    for voter, choice in zip(VOTERS, ("fruit", "2", "nuts", "3"), strict=True):
        assert "Your vote" in (await s.say(voter, f"/poll vote id:1 {choice}")).body
    assert "changed" in (await s.say(a, "/poll vote id:1 crisps")).body
    assert "withdrawn" in (await s.say(b, "/poll withdraw id:1")).body
    command, _ = button_command("poll:1:vote:1")
    assert "Your vote" in (await s.say(b, command=command)).body
    for voter, ranking in zip(VOTERS, ("museum zoo", "zoo", "park museum zoo", "zoo park"), strict=True):
        await s.say(voter, f"/poll vote id:2 {ranking}")
    command, _ = ballot_command("poll:2:rank", "3, 1")
    assert "changed" in (await s.say(c, command=command)).body
    for voter in VOTERS:
        command, _ = button_command("poll:3:vote:2")
        await s.say(voter, command=command)
    command, _ = button_command("poll:3:vote:1")
    await s.say(d, command=command)
    await s.say(d, "/poll results id:3")  # refused: hidden
    assert "closed" in (await s.say(TEACHER, "/poll close id:1")).body
    await s.say(TEACHER, "/poll close id:3")
    s.clock.advance(3600)
    await s.core.run_due()  # poll 2 closes at its deadline
    for pid in (1, 2, 3):
        await s.say(d, f"/poll results id:{pid}")
        await s.say(d, f"/poll results id:{pid} format:csv")
        await s.say(d, f"/poll results id:{pid} format:json")
    await s.say(d, "/poll list")


async def anonymous_debate(s: Session) -> None:
    card = await s.say(TEACHER, '/debate start format:quick anonymous:yes motion:"This house would ban lifelike masks"')
    assert "started" in card.body, card.body
    debate = next(iter(s.core.debates.debates.values()))
    assert debate.anonymous
    for voter, choice in zip(VOTERS, ("pro", "con", "undecided", "con"), strict=True):
        assert "Your vote" in (await s.say(voter, f"/vote {choice}", debate_id=debate.id)).body
    assert "changed" in (await s.say(VOTERS[3], "/vote pro", debate_id=debate.id)).body
    command, target = button_command(f"debate:{debate.id}:vote:undecided")
    await s.say(VOTERS[0], command=command, debate_id=target)
    for _ in range(3):  # pre-vote → pro speech → con speech → post-vote
        await s.say(TEACHER, "/debate next", debate_id=debate.id)
    for voter, choice in zip(VOTERS, ("pro", "pro", "con", "pro"), strict=True):
        assert "Your vote" in (await s.say(voter, f"/vote {choice}", debate_id=debate.id)).body
    await s.say(TEACHER, "/debate next", debate_id=debate.id)  # the end: the result is posted
    assert not debate.running
    await s.say(VOTERS[2], "/debate results")
    for kind in ("md", "json", "html"):
        card = await s.say(VOTERS[2], f"/debate export format:{kind}")
        assert card.attachment is not None, card.body


def tables_holding(db: Path, needles: list[str]) -> list[str]:
    """Where in the database a leaked id or name sits, to make a failure easy to act on."""
    con = sqlite3.connect(db)
    try:
        found = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in con.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - table names from sqlite_master
                if any(n in str(value) for value in row for n in needles):
                    found.append(f"{table}: {row}")
        return found
    finally:
        con.close()


def leaks(haystack: bytes | str, voters: list[Actor]) -> list[str]:
    data = haystack.encode() if isinstance(haystack, str) else haystack
    found = []
    for v in voters:
        for needle in (v.user_id, v.name):
            if needle.encode() in data or needle.encode("utf-16-le") in data:
                found.append(needle)
    return found


async def test_no_voter_id_in_the_database_logs_or_exports(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "anon.db"
    s = await open_session(db)
    try:
        await anonymous_polls(s)
        await anonymous_debate(s)
        await s.core.polls.writer.flush()
        live_files = stored_bytes(db)  # with the WAL as it stands while the bot runs
    finally:
        await s.core.stop()
    assert len(live_files) > 0
    leaked = leaks(live_files, VOTERS) + leaks(stored_bytes(db), VOTERS)
    assert leaked == [], tables_holding(db, leaked)[:10]
    log_text = caplog.text + "\n".join(str(r.args) + r.getMessage() for r in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # the statement log was on
    assert leaks(log_text, VOTERS) == []
    exports = s.attachments()
    kinds = {c.attachment.filename.rsplit(".", 1)[1] for c in s.cards() if c.attachment}
    assert {"csv", "json", "md", "html", "png"} <= kinds
    for data in exports:
        assert leaks(data, VOTERS) == []
    for card in s.cards():
        assert leaks(card_text(card), VOTERS) == [], card
    # the anonymous exports still account for every ballot, under stand-in names
    poll_json = next(c.attachment.data for c in s.cards() if c.attachment and c.attachment.filename == "poll-1.json")
    assert b'"voter": "voter-4"' in poll_json and b'"name"' not in poll_json


async def test_the_search_would_find_a_voter_of_a_poll_that_is_not_anonymous(tmp_path, caplog):
    """The control: the same search does find ids where they are meant to be kept."""
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "open.db"
    s = await open_session(db)
    try:
        s.core.charts = None
        await s.say(TEACHER, '/poll create question:"Snack?" options:"fruit|nuts"')
        await s.say(VOTERS[0], "/poll vote id:1 fruit")
        await s.say(VOTERS[0], "/poll results id:1 format:json")
        await s.core.polls.writer.flush()
        live_files = stored_bytes(db)
    finally:
        await s.core.stop()
    assert set(leaks(live_files, VOTERS[:1])) == {VOTERS[0].user_id, VOTERS[0].name}
    assert set(leaks(s.attachments()[0], VOTERS[:1])) == {VOTERS[0].user_id, VOTERS[0].name}


# --- no link by time ---------------------------------------------------------------------

HASH = re.compile(r"h:[0-9a-f]{32}")
NEAR = timedelta(minutes=2)  # every step below is 7 s apart: any stored moment would be "near"
DEBATERS = [Actor("test", "w1", "U7QZ4420PAT", "Patience Okafor"), Actor("test", "w1", "U7QZ4421CON", "Conrad Vasquez")]
LATE = Actor("test", "w1", "U7QZ4415LATE", "Leopold Latimer")
MUTED = Actor("test", "w1", "U7QZ4416MUTE", "Mutsumi Hoshino")


def rows_of(db: Path) -> list[tuple[str, tuple]]:
    con = sqlite3.connect(db)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [(t, row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"')]  # noqa: S608
    finally:
        con.close()


def moments(row: tuple) -> list[datetime]:
    """The times a row holds; NO_TIME is the stand-in for "not recorded"."""
    found = []
    for value in row:
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-":
            try:
                at = datetime.fromisoformat(value)
            except ValueError:
                continue
            if at.tzinfo is not None and at != NO_TIME:
                found.append(at)
    return found


async def test_no_stored_row_links_an_anonymous_voter_to_their_hash_directly_or_by_time(tmp_path):
    """After an anonymous debate (a late joiner, a flagged ballot, a refused one, a question) and
    an anonymous poll: no row holds a voter hash together with a voter's id or name, no row
    holding a voter hash holds a time near one of a row naming a voter, and the audience of the
    anonymous debate is stored without times.

    The voter hashes are those of the ballots (`votes`, `poll_ballots`). `members_seen` keeps
    another hash, one per member and workspace with when the bot first saw them: it is in no
    other table, and no ballot row carries a time to meet it by.
    """
    db = tmp_path / "anon.db"
    s = await open_session(db)
    a, b, c, _ = VOTERS
    voters = [a, b, c, LATE, MUTED]

    async def step(who: Actor, line: str) -> Card:
        s.clock.advance(7)
        return await s.say(who, line, debate_id=debate_id)

    try:
        debate_id = None
        assert "started" in (await step(TEACHER, "/debate start format:quick anonymous:yes")).body
        debate_id = next(iter(s.core.debates.debates))
        await step(DEBATERS[0], "/debate join side:pro")
        await step(DEBATERS[1], "/debate join side:con")
        for voter, choice in ((a, "pro"), (b, "con")):
            await step(voter, "/debate join side:audience")
            assert "Your vote" in (await step(voter, f"/vote {choice}")).body
        assert "Your vote" in (await step(c, "/vote undecided")).body  # without joining
        await step(TEACHER, "/debate next")
        assert "joined" in (await step(LATE, "/debate join side:audience")).body  # after the pre-vote
        assert "question" in (await step(a, "/ask Would a licence for masks work?")).body
        await step(TEACHER, "/mod approve id:1")
        await step(DEBATERS[0], "/speak Masks fool cameras and people alike.")
        await step(TEACHER, "/debate next")
        await step(DEBATERS[1], "/speak Most mask wearers harm nobody.")
        await step(TEACHER, f"/mod mute user:{MUTED.user_id} minutes:1")
        await step(TEACHER, "/debate next")  # the post-vote
        assert "muted" in (await step(MUTED, "/vote con")).body  # refused and audited
        s.clock.advance(60)
        await s.core.run_due()  # the mute ends
        for voter, choice in ((a, "con"), (b, "con"), (c, "pro"), (LATE, "pro"), (MUTED, "pro")):
            assert "Your vote" in (await step(voter, f"/vote {choice}")).body
        await s.core.debates.writer.flush()
        debate = s.core.debates.debates[debate_id]
        assert debate.votes[Stage.POST] and await s.core.flagged(debate)  # the late joiner's ballot is flagged
        await s.core.moderation.settle()
        running = rows_of(db)  # late joins are kept while the debate runs
        late = [row for t, row in running if t == "late_joins"]
        assert len(late) == 1 and HASH.fullmatch(late[0][1]) and moments(late[0]) == []
        await step(TEACHER, "/debate next")  # the end
        debate_id = None
        await step(TEACHER, '/poll create question:"Snack?" options:"fruit|nuts" anonymous:yes')
        for voter, choice in ((a, "fruit"), (b, "nuts"), (c, "nuts")):
            assert "Your vote" in (await step(voter, f"/poll vote id:1 {choice}")).body
        await step(TEACHER, "/poll close id:1")
        await s.core.moderation.settle()
    finally:
        await s.core.stop()

    assert_unlinkable(running, voters, ballots=5)
    assert_unlinkable(rows_of(db), voters, ballots=5 + 3)


def assert_unlinkable(rows: list[tuple[str, tuple]], voters: list[Actor], ballots: int) -> None:
    names = {v.user_id for v in voters} | {v.name for v in voters}
    hashes = {row[2] for t, row in rows if t == "votes"} | {row[1] for t, row in rows if t == "poll_ballots"}
    assert len(hashes) == ballots and all(HASH.fullmatch(h) for h in hashes)

    def naming(row: tuple) -> bool:
        return any(n in str(value) for value in row for n in names)

    with_hash = [(t, row) for t, row in rows if any(h in str(value) for value in row for h in hashes)]
    with_name = [(t, row) for t, row in rows if naming(row)]
    assert with_hash and with_name
    assert [(t, row) for t, row in with_hash if naming(row)] == []  # directly
    near = [((t1, r1), (t2, r2)) for t1, r1 in with_hash for t2, r2 in with_name
            if any(abs(x - y) <= NEAR for x in moments(r1) for y in moments(r2))]
    assert near == [], near[:3]  # by time
    audience = [row for t, row in rows if t == "participants" and row[3] == "audience"]
    assert len(audience) == 3 and all(moments(row) == [] for row in audience)
