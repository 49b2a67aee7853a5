"""Exports and charts: JSON against the documented schemas, CSV, Markdown, HTML escaping, PNG charts."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import re
import struct
import zlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from bot.charts.debate import DEBATE_SIZE
from bot.charts.poll import POLL_SIZE, poll_chart_size
from bot.charts.renderer import MatplotlibCharts
from bot.core.debates import export
from bot.core.debates.model import Actor, Choice
from bot.core.debates.voting import oxford_result
from bot.core.kernel.request import Request
from bot.core.polls import export as poll_export
from bot.core.ports import DebateChart
from tests.conftest import CHANNEL, say

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "schemas"
VERSIONS = {"debate": export.VERSION, "poll": poll_export.VERSION}  # the layouts exported now


# --- a small JSON Schema (2020-12) checker for the keywords our schemas use -----------------


def check(instance, schema: dict, root: dict | None = None, path: str = "$") -> list[str]:
    """Every way `instance` breaks `schema`, as readable strings ([] when it conforms)."""
    root = root or schema
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return check(instance, target, root, path)
    errors: list[str] = []
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = False
        for t in types:
            if t == "integer":
                ok |= isinstance(instance, int) and not isinstance(instance, bool)
            elif t == "number":
                ok |= isinstance(instance, int | float) and not isinstance(instance, bool)
            else:
                ok |= isinstance(instance, kinds[t])
        if not ok:
            return [f"{path}: {instance!r} is not of type {types}"]
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: {instance!r} != {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "anyOf" in schema and all(check(instance, s, root, path) for s in schema["anyOf"]):
        errors.append(f"{path}: {instance!r} matches none of anyOf")
    if isinstance(instance, int | float) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: {instance} < {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: {instance} > {schema['maximum']}")
    if isinstance(instance, str) and schema.get("format") == "date-time":
        try:
            if datetime.fromisoformat(instance).utcoffset() is None:
                errors.append(f"{path}: {instance!r} has no UTC offset")
        except ValueError:
            errors.append(f"{path}: {instance!r} is not a date-time")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key!r}")
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                errors += check(value, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key!r}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(instance):
                errors += check(item, schema["items"], root, f"{path}[{i}]")
    return errors


def schema(name: str) -> dict:
    """The JSON Schema of the layout the bot exports now."""
    return schema_version(name, VERSIONS[name])


def schema_version(name: str, version: int) -> dict:
    return json.loads((SCHEMAS / f"{name}-v{version}.schema.json").read_text(encoding="utf-8"))


def test_the_checker_is_not_vacuous():
    s = schema("poll")
    good = {"schema": "debate-bot/poll", "version": 1, "id": 1, "question": "Q", "mode": "single",
            "max_choices": 1, "anonymous": False, "tally": "live", "state": "open", "language": "en",
            "created_at": "2026-11-22T09:00:00+00:00", "closes_at": None, "closed_at": None,
            "options": ["a", "b"], "counts": [0, 0], "turnout": 0, "winner": None, "ballots": []}
    assert check(good, s) == []
    assert check({**good, "version": 2}, s)
    assert check({**good, "winner": ["a"]}, s)  # a list is for a tie: two or more
    assert check({**good, "winner": 3}, s)
    assert check({**good, "extra": 1}, s)
    assert check({k: v for k, v in good.items() if k != "counts"}, s)
    assert check({**good, "created_at": "2026-11-22T09:00:00"}, s)  # no zone
    assert check({**good, "ballots": [{"voter": "v", "choices": []}]}, s)
    assert check({**good, "options": ["only"]}, s)


# --- polls --------------------------------------------------------------------------------


async def poll_export(core, pid: int, kind: str, who: str = "teacher"):
    cards = await say(core, who, f"/poll results id:{pid} format:{kind}")
    att = cards[0].attachment
    assert att is not None, cards[0].body
    return att


@pytest.fixture
def no_charts(core):
    core.charts = None


async def test_poll_json_of_every_mode_validates_against_its_schema(core, no_charts):
    s = schema("poll")
    await say(core, "teacher", '/poll create question:"One?" options:"a|b|c"')
    await say(core, "teacher", '/poll create question:"Some?" options:"a|b|c" mode:multi max:2 anonymous:yes')
    await say(core, "teacher", '/poll create question:"Rank?" options:"a|b|c" mode:ranked closes:2026-11-22T20:00+09:00')
    await say(core, "teacher", '/poll create question:"Nobody?" options:"x|y"')
    for who, one, some, rank in (("u1", "a", "a b", "c b"), ("u2", "b", "c", "b"), ("u3", "b", "a", "a c b")):
        await say(core, who, f"/poll vote id:1 {one}")
        await say(core, who, f"/poll vote id:2 {some}")
        await say(core, who, f"/poll vote id:3 {rank}")
    await say(core, "u4", "/poll vote id:2 b c")
    for pid in (1, 2, 4):
        await say(core, "teacher", f"/poll close id:{pid}")
    docs = {}
    for pid in (1, 2, 3, 4):
        att = await poll_export(core, pid, "json")
        assert att.mime == "application/json" and att.filename == f"poll-{pid}.json"
        docs[pid] = json.loads(att.data)
        assert check(docs[pid], s) == [], pid
    one, some, rank, nobody = docs[1], docs[2], docs[3], docs[4]
    assert (one["question"], one["mode"], one["options"], one["counts"], one["winner"]) == (
        "One?", "single", ["a", "b", "c"], [1, 2, 0], "b")
    assert one["ballots"][0] == {"voter": "u1", "name": "U1", "choices": ["a"]}
    assert some["counts"] == [2, 2, 2] and some["winner"] == ["a", "b", "c"] and some["anonymous"]
    assert [b["voter"] for b in some["ballots"]] == ["voter-1", "voter-2", "voter-3", "voter-4"]
    # Ranked: first preferences c 1, b 1, a 1 — all tie on 1 with equal first preferences and no
    # earlier round: eliminating all three would leave nobody, so all three are tied winners.
    assert rank["state"] == "open" and rank["closes_at"] == "2026-11-22T20:00:00+09:00"
    assert rank["rounds"] == [{"round": 1, "counts": [1, 1, 1], "eliminated": [], "exhausted": 0}]
    assert rank["winner"] == ["a", "b", "c"]
    assert nobody["winner"] is None and nobody["turnout"] == 0 and "rounds" not in nobody


async def test_poll_csv_has_a_row_per_option_and_the_rounds(core, no_charts):
    await say(core, "teacher", '/poll create question:"Q?" options:"=SUM(A1)|b, with comma|c" mode:ranked')
    await say(core, "u1", "/poll vote id:1 1 2")
    await say(core, "u2", "/poll vote id:1 2")
    await say(core, "u3", "/poll vote id:1 3")
    await say(core, "u4", "/poll vote id:1 2")
    att = await poll_export(core, 1, "csv")
    assert att.mime == "text/csv" and att.filename == "poll-1.csv"
    rows = list(csv.reader(io.StringIO(att.data.decode("utf-8-sig"))))
    # Round 1: =SUM 1, b 2, c 1 of 4 — no majority (2 is not above 2); =SUM and c tie on 1 with
    # equal first preferences: both out. Round 2: the =SUM>b ballot goes to b: b 3, c's ballot
    # is exhausted: b 3 of 3.
    assert rows == [
        ["number", "option", "votes", "share_percent", "winner", "round_1", "round_2"],
        ["1", "'=SUM(A1)", "1", "25.0", "no", "1", ""],
        ["2", "b, with comma", "2", "50.0", "yes", "2", "3"],
        ["3", "c", "1", "25.0", "no", "1", ""],
        ["", "(exhausted)", "", "", "", "0", "1"],
    ]


# --- debates ------------------------------------------------------------------------------

NASTY = '<script>alert("x")</script> & <b>bold</b>'


def who(name: str, display: str | None = None, moderator: bool = False) -> Actor:
    return Actor("test", "w1", name, display or name.title(), is_admin=moderator)


async def act(core, actor: Actor, line: str, debate_id: int | None = None):
    replies = await core.handle(Request(actor, CHANNEL, line, debate_id=debate_id))
    return [r.card for r in replies]


async def run_debate(core, anonymous: bool = False) -> int:
    """A quick debate with speeches, an approved question and votes, to the end."""
    teacher = who("teacher", moderator=True)
    flag = " anonymous:yes" if anonymous else ""
    cards = await act(core, teacher, f'/debate start format:quick{flag} motion:"This house would {NASTY}"')
    assert "started" in cards[0].body, cards[0].body
    d = next(iter(core.debates.debates.values()))
    await act(core, who("alice", '<img src=x onerror="boom()">Alice'), "/debate join side:pro", d.id)
    await act(core, who("bob"), "/debate join side:con", d.id)
    for voter, choice in (("v1", "pro"), ("v2", "con"), ("v3", "undecided")):
        await act(core, who(voter), f"/vote {choice}", d.id)
    await act(core, teacher, "/debate next", d.id)
    cards = await act(core, who("alice", '<img src=x onerror="boom()">Alice'), f"/speak Masks fool cameras. {NASTY}", d.id)
    assert "floor" in cards[0].body, cards[0].body
    await act(core, who("carol"), f"/ask Who checks? {NASTY}", d.id)
    qid = d.questions[-1].id
    await act(core, teacher, f"/mod approve id:{qid}", d.id)
    await act(core, teacher, "/debate next", d.id)
    await act(core, who("bob"), "/speak Bans punish artists.", d.id)
    await act(core, teacher, "/debate next", d.id)
    for voter, choice in (("v1", "pro"), ("v2", "pro"), ("v3", "con")):
        await act(core, who(voter), f"/vote {choice}", d.id)
    await act(core, teacher, "/debate next", d.id)
    assert not d.running
    return d.id


async def debate_export(core, kind: str):
    cards = await act(core, who("v1"), f"/debate export format:{kind}")
    assert cards[0].attachment is not None, cards[0].body
    return cards[0].attachment


@pytest.mark.parametrize("anonymous", [False, True])
async def test_debate_json_validates_against_its_schema(core, anonymous):
    await run_debate(core, anonymous)
    data = json.loads((await debate_export(core, "json")).data)
    assert check(data, schema("debate")) == []
    assert data["debate"]["anonymous"] is anonymous
    assert [s["text"] for s in data["speeches"]] == [f"Masks fool cameras. {NASTY}", "Bans punish artists."]
    assert data["questions"][0]["text"] == f"Who checks? {NASTY}"
    assert data["votes"] == {"pre": {"pro": 1, "con": 1, "undecided": 1}, "post": {"pro": 2, "con": 1, "undecided": 0}}
    assert data["result"]["winner"] == "pro"
    assert data["version"] == 3 and data["result"]["reason"] is None
    assert data["result"]["indicative"] is True  # 3 voters in both votes: fewer than MIN_PAIRED
    voters = sorted(b["voter"] for b in data["ballots"])
    assert voters == (["voter-1", "voter-2", "voter-3"] if anonymous else ["v1", "v2", "v3"])


async def test_a_debate_ended_before_its_post_vote_exports_no_winner(core):
    teacher = who("teacher", moderator=True)
    await act(core, teacher, "/debate start format:quick")
    await act(core, who("v1"), "/vote pro")
    await act(core, teacher, "/debate next")  # the Pro speech
    await act(core, teacher, "/debate end")
    data = json.loads((await debate_export(core, "json")).data)
    assert check(data, schema("debate")) == []
    assert data["result"]["winner"] is None and data["result"]["reason"] == "before_post_vote"
    assert data["result"]["swing"] is None and data["result"]["indicative"] is False
    assert data["votes"]["pre"] == {"pro": 1, "con": 0, "undecided": 0}
    markdown = (await debate_export(core, "md")).data.decode()
    assert "**Ended before the post-vote — no result.**" in markdown
    assert "wins" not in markdown and "Who moved" not in markdown and " pts" not in markdown
    page = (await debate_export(core, "html")).data.decode()
    assert "<b>Ended before the post-vote — no result.</b></p>" in page and "Who moved" not in page


def test_the_checker_knows_a_null_winner_needs_the_new_version():
    old, new = schema_version("debate", 1), schema("debate")
    assert new["properties"]["version"] == {"const": 3}
    assert old["properties"]["result"]["properties"]["winner"] == {"enum": ["pro", "con", "tie"]}
    assert check(None, new["properties"]["result"]["properties"]["winner"]) == []
    assert check(None, old["properties"]["result"]["properties"]["winner"])


async def test_who_moved_in_the_text_exports_lists_only_those_who_moved(core):
    await run_debate(core)  # pre v1 pro, v2 con, v3 undecided; post v1 pro, v2 pro, v3 con
    markdown = (await debate_export(core, "md")).data.decode()
    moved = markdown.split("### Who moved", 1)[1]
    assert "- Con → Pro: 1" in moved and "- Undecided → Con: 1" in moved
    assert "Pro → Pro" not in moved
    page = (await debate_export(core, "html")).data.decode()
    assert "<li>Con → Pro: 1</li>" in page and "Pro → Pro" not in page


async def test_html_export_escapes_user_text_and_stands_alone(core):
    await run_debate(core)
    att = await debate_export(core, "html")
    assert att.mime == "text/html" and att.filename.endswith(".html")
    page = att.data.decode()
    for raw in ("<script>", "<b>bold</b>", "<img src=x", 'onerror="boom()"'):
        assert raw not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&quot;boom()&quot;&gt;Alice" in page
    # one file: no scripts, no stylesheets or images fetched from anywhere
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "@media print" in page
    # the chart rides inside as a data URI and is a real PNG
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, "no embedded chart"
    assert_png(base64.b64decode(match.group(1)), DEBATE_SIZE)


async def test_markdown_export_has_the_transcript_questions_votes_and_result(core):
    await run_debate(core)
    text = (await debate_export(core, "md")).data.decode()
    assert "## Transcript" in text and "Masks fool cameras." in text and "Bans punish artists." in text
    assert "## Questions from the audience" in text and "Who checks?" in text
    assert "| Pre-vote | 1 (33%) | 1 (33%) | 1 (33%) |" in text
    assert "**Pro wins: it gained more support.**" in text


# --- charts -------------------------------------------------------------------------------


def assert_png(data: bytes, size: tuple[int, int]) -> None:
    """A whole PNG: signature, chunks with good CRCs, IHDR of `size`, IEND; and it decodes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == size
    pixels = mpimg.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (size[1], size[0])
    assert pixels.std() > 0.05  # not a blank image


async def test_a_closed_poll_posts_a_png_chart_of_the_expected_size(core, chat):
    await say(core, "teacher", '/poll create question:"Snack?" options:"fruit|nuts|crisps"')
    for n, choice in enumerate(("fruit", "fruit", "nuts")):
        await say(core, f"v{n}", f"/poll vote id:1 {choice}")
    await say(core, "teacher", "/poll close id:1")
    result = chat.last("result")
    assert result.attachment.filename == "poll-1.png" and result.attachment.mime == "image/png"
    assert_png(result.attachment.data, POLL_SIZE)
    cards = await say(core, "v1", "/poll results id:1")
    assert_png(cards[0].attachment.data, POLL_SIZE)


async def test_a_ranked_poll_chart_grows_with_its_rounds(core, chat):
    options = "|".join("abcdefg")
    await say(core, "teacher", f'/poll create question:"Long count?" options:"{options}" mode:ranked')
    # first preferences a 7, b 6, c 5, d 4, e 3, f 2, g 1 (28 ballots); every ballot but a's
    # ranks a second, so the last option goes out each round and its ballots move to a.
    n = 0
    for letter, times in zip("abcdefg", (7, 6, 5, 4, 3, 2, 1), strict=True):
        for _ in range(times):
            n += 1
            await say(core, f"v{n}", f"/poll vote id:1 {letter}" + (" a" if letter != "a" else ""))
    await say(core, "teacher", "/poll close id:1")
    data = json.loads((await poll_export(core, 1, "json")).data)
    # a has 7, then 8 (g out), 10 (f out), 13 (e out), 17 (d out): 17 > 28/2 wins in round 5.
    assert [r["eliminated"] for r in data["rounds"]] == [["g"], ["f"], ["e"], ["d"], []]
    assert data["rounds"][-1]["counts"][0] == 17
    result = chat.last("result")
    assert_png(result.attachment.data, poll_chart_size(5))
    assert poll_chart_size(5) != POLL_SIZE


async def test_the_end_of_a_debate_and_results_carry_the_chart(core, chat):
    await run_debate(core)
    final = chat.last("result")
    assert final.attachment is not None and final.attachment.filename.endswith(".png")
    assert_png(final.attachment.data, DEBATE_SIZE)
    cards = await act(core, who("v1"), "/debate results")
    assert_png(cards[0].attachment.data, DEBATE_SIZE)
    cards = await act(core, who("v1"), "/debate results chart:no")
    assert cards[0].attachment is None and cards[0].kind == "result"


async def test_a_chart_that_cannot_be_drawn_leaves_the_result_without_a_picture(core, chat, caplog):
    core.charts = charts = RecordingCharts(fail=True)
    await run_debate(core)
    final = chat.last("result")
    assert len(charts.asked) == 1 and final.attachment is None
    assert final.body.startswith("Pro wins: it gained more support.")
    assert any("could not draw the chart debate-1.png" in r.getMessage() for r in caplog.records)


async def test_without_a_charts_port_results_go_out_without_pictures(core, chat):
    core.charts = None
    await run_debate(core)
    assert chat.last("result").attachment is None
    cards = await act(core, who("v1"), "/debate results")
    assert cards[0].kind == "result" and cards[0].attachment is None


async def test_a_swing_too_small_to_show_is_plus_zero_never_minus_zero(core):
    """Pro holds 1 of 150 voters before and 1 of 151 after: it lost 0.0044 points, which rounds
    to zero on the card (one decimal) and in the JSON (two), and zero has no minus sign."""
    teacher = who("teacher", moderator=True)
    await act(core, teacher, "/debate start format:quick")
    d = next(iter(core.debates.debates.values()))

    async def votes(count: int) -> None:
        cards = await asyncio.gather(*(act(core, who(f"v{i}"), "/vote " + ("pro" if i == 0 else "con"), d.id)
                                       for i in range(count)))
        assert all(c[0].kind == "notice" for c in cards), cards

    await votes(150)
    for _ in range(3):
        await act(core, teacher, "/debate next", d.id)
    await votes(151)
    card = (await act(core, who("v1"), "/debate results chart:no", d.id))[0]
    swing = next(f.value for f in card.fields if f.name == "Swing")
    assert swing == "Pro +0.0 pts · Con +0.0 pts"
    raw = (await debate_export(core, "json")).data.decode()
    assert json.loads(raw)["result"]["swing"] == {"pro": 0.0, "con": 0.0}
    assert "-0.0" not in raw
    markdown = (await debate_export(core, "md")).data.decode()
    assert "Pro +0.0 pts · Con +0.0 pts" in markdown and "-0.0" not in markdown


# --- the debate chart's verdict -------------------------------------------------------------


def verdicts(core, r):
    return {lang: export.debate_verdict(core, lang, r) for lang in ("en", "ja")}


class RecordingCharts:
    """The real renderer, keeping every chart the core asked it for."""

    def __init__(self, fail: bool = False) -> None:
        self.asked: list[object] = []
        self.fail = fail
        self.real = MatplotlibCharts()

    def debate(self, chart):
        self.asked.append(chart)
        if self.fail:
            raise RuntimeError("no fonts today")
        return self.real.debate(chart)

    def poll(self, chart):
        self.asked.append(chart)
        return self.real.poll(chart)

    def claim_map(self, chart):
        self.asked.append(chart)
        return self.real.claim_map(chart)


async def test_the_chart_title_names_the_winner_and_the_margin(core):
    core.charts = charts = RecordingCharts()
    await run_debate(core)
    drawn = charts.asked[-1]
    assert isinstance(drawn, DebateChart)
    # pre 1/1/1, post 2/1/0: Pro +33.3 points, Con +0.0, so Pro by 33.3
    assert drawn.verdict == "Pro wins by 33.3 points"
    assert drawn.winner == "pro"
    assert drawn.swing == "Swing: Pro +33.3 pts · Con +0.0 pts"
    assert drawn.title.startswith("Debate #1: This house would")
    assert (drawn.pre, drawn.post) == ({"pro": 1, "con": 1, "undecided": 1}, {"pro": 2, "con": 1, "undecided": 0})
    p, c, u = Choice.PRO, Choice.CON, Choice.UNDECIDED
    r = oxford_result({"v1": p, "v2": c, "v3": u}, {"v1": p, "v2": p, "v3": c})
    assert verdicts(core, r)["ja"] == (
        "賛成側の勝ち（33.3 ポイント差）", "pro", "支持の変化: 賛成 +33.3 ポイント · 反対 +0.0 ポイント")


def test_the_verdict_of_a_con_win_a_tie_and_no_result(core):
    c, p, u = Choice.CON, Choice.PRO, Choice.UNDECIDED
    con = oxford_result({"a": p, "b": u}, {"a": p, "b": c})  # Pro 50 -> 50, Con 0 -> 50
    assert export.debate_verdict(core, "en", con) == (
        "Con wins by 50.0 points", "con", "Swing: Pro +0.0 pts · Con +50.0 pts")
    tie = oxford_result({"a": p, "b": c}, {"a": p, "b": c})
    assert export.debate_verdict(core, "en", tie) == (
        "A tie: both sides gained the same", None, "Swing: Pro +0.0 pts · Con +0.0 pts")
    # a post-vote nobody voted in, and a debate ended before its post-vote
    no_post = oxford_result({"a": p, "b": c}, {})
    assert verdicts(core, no_post) == {"en": ("No result: nobody voted after the debate", None, ""),
                                       "ja": ("結果なし: ディベート後の投票がありません", None, "")}
    early = oxford_result({"a": p, "b": c}, {}, post_vote_held=False)
    assert early.winner is None
    assert verdicts(core, early) == {"en": ("No result: the debate ended before the post-vote", None, ""),
                                     "ja": ("結果なし: 事後投票の前にディベートが終了しました", None, "")}


# --- the HTML export prints -----------------------------------------------------------------

A4_MM, LETTER_MM = (210.0, 297.0), (215.9, 279.4)


def css_rules(css: str, context: str = "") -> list[tuple[str, str, dict[str, str]]]:
    """(enclosing at-rule, selector, declarations) for every rule of `css`, nested ones too."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, pos = [], 0
    while (start := css.find("{", pos)) >= 0:
        head, depth, end = " ".join(css[pos:start].split()), 1, start + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[start + 1:end - 1]
        if head.startswith("@media"):
            rules += css_rules(body, head)
        else:
            decls = dict((k.strip().lower(), " ".join(v.split())) for k, _, v in
                         (d.partition(":") for d in body.split(";")) if k.strip())
            rules += [(context, sel.strip(), decls) for sel in head.split(",")]
        pos = end
    return rules


def declared(rules, selector: str, prop: str, context: str | None = None) -> list[str]:
    return [d[prop] for ctx, sel, d in rules if sel == selector and prop in d
            and (context is None or ctx == context)]


def mm(length: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(mm|cm|in|pt)", length).groups()
    return float(number) * {"mm": 1, "cm": 10, "in": 25.4, "pt": 25.4 / 72}[unit]


async def exported_page(core, language: str = "en") -> str:
    await run_debate(core)
    if language == "en":
        return (await debate_export(core, "html")).data.decode()
    d = await core.debates.latest(Request(who("v1"), CHANNEL, "/debate export"))
    return export.to_html(core, replace(d, language=language), core.debates.fmt(d), core.debates.result(d))


def page_css(page: str) -> list[tuple[str, str, dict[str, str]]]:
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(styles) == 1
    return css_rules(styles[0])


async def test_html_export_keeps_headings_tables_and_rows_together_in_print(core):
    page = await exported_page(core)
    rules = page_css(page)
    printing = "@media print"
    for heading in ("h1", "h2", "h3"):
        assert "avoid" in declared(rules, heading, "break-after", printing), heading
        assert "avoid" in declared(rules, heading, "page-break-after", printing), heading  # older engines
    for block in ("table", "tr", ".speech", "figure"):
        assert "avoid" in declared(rules, block, "break-inside", printing), block
    assert declared(rules, "thead", "display", printing) == ["table-header-group"]
    # and the page uses it: the votes table's header row is a thead, its rows a tbody
    table = re.search(r"<table>(.*?)</table>", page, flags=re.S).group(1)
    assert re.fullmatch(r"<thead><tr>(<th>[^<]*</th>){4}</tr></thead><tbody>(<tr>.*?</tr>){2}</tbody>", table)


async def test_html_export_page_fits_a4_and_letter(core):
    rules = page_css(await exported_page(core))
    pages = [d for ctx, sel, d in rules if sel == "@page"]
    assert len(pages) == 1
    # no fixed paper: the printer's A4 or Letter is used as it is
    assert pages[0].get("size", "auto") == "auto"
    margins = [mm(m) for m in pages[0]["margin"].split()]
    vertical, horizontal = margins[0], margins[1] if len(margins) > 1 else margins[0]
    for width, height in (A4_MM, LETTER_MM):
        assert width - 2 * horizontal >= 170 and height - 2 * vertical >= 230
    # nothing in print is wider than the paper: the screen column and its margins go
    assert declared(rules, "body", "max-width", "@media print") == ["none"]
    assert "max-width:100%" in "".join(f"{k}:{v}" for k, v in
                                         next(d for c, s, d in rules if s == "figure img" and not c).items())


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_html_export_names_japanese_fonts(core, language):
    page = await exported_page(core, language)
    assert f'<html lang="{language}">' in page
    rules = page_css(page)
    japanese = ('"Hiragino Sans"', '"Noto Sans CJK JP"', '"Yu Gothic"', "Meiryo")
    for selector in ("body", "html:lang(ja) body"):
        (stack,) = declared(rules, selector, "font-family")
        families = [f.strip() for f in stack.split(",")]
        assert all(f in families for f in japanese), (selector, families)
        assert families[-1] == "sans-serif"
    (ja_stack,) = declared(rules, "html:lang(ja) body", "font-family")
    assert ja_stack.split(",")[0] == '"Hiragino Sans"'  # a Japanese page's Latin matches its kana
