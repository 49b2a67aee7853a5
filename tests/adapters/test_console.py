"""The console adapter end to end: a script in, a transcript and an export out."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from bot.adapters.console.adapter import ConsoleApp, ConsolePort, run_console
from bot.app import build_core
from bot.testing.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """\
# a whole quick debate
teacher: /debate start format:quick
alice: /debate join side:pro
bob: /debate join side:con
v1: /vote undecided
v2: /vote con
v3: /vote pro
teacher: /debate next
bob: /speak Not my turn yet
alice: /speak Sellers in the ViewUS Global report never asked for ID.
teacher: /debate next
bob: /speak Film crews and burn survivors need these masks.
teacher: /debate next
v1: /vote pro
v2: /vote pro
v3: /vote pro
teacher: /debate next
anyone: /debate export format:json
this line is not a command
alice: /dance
"""


async def test_a_scripted_debate_runs_to_a_result(tmp_path, console):
    app, out, _ = console
    await app.run(io.StringIO(SCRIPT))
    text = out.getvalue()
    assert "[09:00:00] #main bot: ── Debate #1: Identity checks for every mask sale ──" in text
    assert "(only bob sees this) ── Not done ──" in text
    assert "Not my turn yet" in text  # handed back
    assert "alice · Pro:" in text.replace("Alice", "alice")
    assert "Pro wins" in text
    assert "There is no command /dance." in text
    assert "A line is  name: /command" in text
    data = json.loads((tmp_path / "exports" / "debate-1.json").read_text())
    assert data["votes"]["pre"] == {"pro": 1, "con": 1, "undecided": 1}
    assert data["votes"]["post"] == {"pro": 3, "con": 0, "undecided": 0}
    assert data["result"]["winner"] == "pro"
    assert [s["speaker"] for s in data["speeches"]] == ["alice", "bob"]


def test_python_m_bot_runs_a_piped_script_and_exits_zero(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    env.update(BOT_DATABASE=str(tmp_path / "run.db"), BOT_EXPORT_DIR=str(tmp_path / "out"))
    proc = subprocess.run([sys.executable, "-m", "bot"], input=SCRIPT, capture_output=True, text=True,
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first == f"No DISCORD_TOKEN or SLACK_BOT_TOKEN set: running the console adapter on {tmp_path / 'run.db'}."
    assert "Pro wins" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    exported = json.loads((tmp_path / "out" / "debate-1.json").read_text())
    assert exported["votes"]["post"]["pro"] == 3
    assert (tmp_path / "run.db.secret").stat().st_mode & 0o777 == 0o600


# --- bad input: undecodable bytes, control characters, mistyped lines ----------------------

BAD_BYTES = (
    b"teacher: /debate start format:quick\n"
    b"alice: /debate join side:pro\n"
    b"teacher: /debate next\n"
    b"alice: /speak caf\xc3\xa9 \xff\xfe ok\n"  # valid UTF-8, then two bytes that are not
    b"\xc3\n"  # a line of nothing but a cut-off character
    b"carol: /dance\n"  # a valid line after the bad ones
)
SPOKEN = "café \ufffd\ufffd ok"


async def _exported_speeches(tmp_path, db) -> list[str]:
    """Start a new core on the database and export the debate: what the store kept."""
    core = await build_core(db, {}, clock=FakeClock())
    port = ConsolePort(io.StringIO(), FakeClock(), core.catalog, tmp_path / "again")
    core.ports["console"] = port
    await core.start()
    try:
        await ConsoleApp(core, port, frozenset()).handle_line("anyone: /debate export format:json")
    finally:
        await core.stop()
    return [s["text"] for s in json.loads((tmp_path / "again" / "debate-1.json").read_text())["speeches"]]


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])  # a UTF-8 locale's stdin; the C locale's
async def test_undecodable_bytes_are_replaced_once_at_the_edge_and_no_line_is_lost(tmp_path, errors):
    db = tmp_path / "bytes.db"
    out = io.StringIO()
    clock = FakeClock()
    core = await build_core(db, {}, clock=clock)
    port = ConsolePort(out, clock, core.catalog, tmp_path / "exports")
    core.ports["console"] = port
    stdin = io.TextIOWrapper(io.BytesIO(BAD_BYTES), encoding="utf-8", errors=errors)
    await run_console(core, port, frozenset({"teacher"}), stdin)
    text = out.getvalue()
    assert "#main bot: alice · Pro:\n" in text and f"     {SPOKEN}\n" in text
    assert "A line is  name: /command" in text  # the cut-off line is answered
    assert "There is no command /dance." in text  # and the line after it is read
    assert "Something went wrong" not in text
    assert await _exported_speeches(tmp_path, db) == [SPOKEN]


def test_python_m_bot_reads_bad_bytes_on_a_strict_stdin_and_exits_zero(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    env.update(BOT_DATABASE=str(tmp_path / "run.db"), BOT_EXPORT_DIR=str(tmp_path / "out"),
               PYTHONIOENCODING="utf-8:strict", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot"], input=BAD_BYTES, capture_output=True, cwd=tmp_path,
                          env=env, timeout=60)
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert SPOKEN in stdout and "There is no command /dance." in stdout


async def test_control_characters_in_user_text_never_reach_the_terminal(console):
    app, out, _ = console
    for line in ("teacher: /debate start format:quick", "alice: /debate join side:pro", "teacher: /debate next",
                 "alice: /speak \x1b[2J\x1b[31mred\x07 and\ttab\x9b1m \u202eevil\x7f",
                 'teacher: /poll create question:"\x1b]0;pwned\x07Q?" options:"\x1b[5ma|b"'):
        await app.handle_line(line)
    text = out.getvalue()
    assert "[2J[31mred and tab1m evil" in text  # the text stays, what would act on the terminal goes
    assert "]0;pwnedQ?" in text and "[5ma" in text
    assert not {c for c in text if ord(c) < 0x20 and c != "\n"} | {c for c in text if 0x7F <= ord(c) < 0xA0}
    assert "\u202e" not in text


async def test_a_mistyped_line_is_answered_in_a_room_too_and_a_comment_is_not(console):
    app, out, _ = console
    for line in ("#lobby na me: /debate status", "na me: /debate status", "# a note: /debate status", "#",
                 "#! not a room"):
        await app.handle_line(line)
    text = out.getvalue()
    assert "#lobby bot: A line is  name: /command" in text
    assert "#main bot: A line is  name: /command" in text
    assert text.count("A line is") == 2
async def test_the_console_port_keeps_nothing_it_posted(tmp_path):
    """Cards, result charts above all, are printed (and saved) and then forgotten."""
    from bot.adapters.console.adapter import ConsolePort, room
    from bot.core.kernel.cards import Attachment, Card
    from bot.core.kernel.i18n import Catalog
    from bot.prompt_folder import PROMPTS_DIR, PromptFolder
    from bot.testing.clock import FakeClock

    port = ConsolePort(io.StringIO(), FakeClock(), Catalog.load(PromptFolder(PROMPTS_DIR)), tmp_path)
    card = Card("result", title="Result", attachment=Attachment("debate-1.png", b"\x89PNG" + bytes(100_000), "image/png"))
    posted = weakref.ref(card)
    await port.post(room(), card)
    await port.edit(room(), "1", card)
    del card
    gc.collect()
    assert posted() is None
    assert (tmp_path / "debate-1.png").stat().st_size == 100_004


# --- who types: /iam and --as ----------------------------------------------------------------


async def test_after_iam_a_line_without_a_name_is_that_persons_and_before_it_is_a_bad_line(console):
    app, out, _ = console
    await app.handle_line("/debate start format:quick")  # nobody said who they are: as before
    assert "#main bot: A line is  name: /command" in out.getvalue()
    assert app.core.debates.open_on("console") == []
    for line in ("/iam", "/iam two words", "/iam teacher", "/debate start format:quick",
                 "alice: /debate join side:pro", "#lobby /debate status"):
        await app.handle_line(line)
    text = out.getvalue()
    assert text.count("Say who you are with  /iam <name>") == 2
    assert "You are teacher, a moderator: a line without a name is teacher's now" in text
    [debate] = app.core.debates.open_on("console")
    assert debate.created_by == "teacher" and "alice" in debate.participants
    assert "#lobby (only teacher sees this)" in text  # the room prefix works without a name too
    await app.handle_line("/iam bob")
    await app.handle_line("/debate join side:con")
    assert "You are bob: a line without a name is bob's now" in out.getvalue()
    assert "bob" in debate.participants


def test_python_m_bot_as_teacher_takes_lines_without_a_name(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    env.update(BOT_DATABASE=str(tmp_path / "run.db"), BOT_EXPORT_DIR=str(tmp_path / "out"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot", "--as", "teacher"], input="/debate start format:quick\n",
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "── Debate #1: Identity checks for every mask sale ──" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "bot", "--as", "no one"], input="", capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=60)
    assert bad.returncode == 2 and "a name is letters, digits" in bad.stderr


# --- what is still open at start ------------------------------------------------------------


async def test_at_start_the_console_lists_what_is_still_open_and_how_to_start_afresh(tmp_path):
    db = tmp_path / "again.db"
    clock = FakeClock()

    async def session(script: str) -> str:
        core = await build_core(db, {}, clock=clock)
        core.charts = None
        out = io.StringIO()
        port = ConsolePort(out, clock, core.catalog, tmp_path / "exports", language=core.language)
        core.ports["console"] = port
        await run_console(core, port, frozenset({"teacher"}), io.StringIO(script))
        return out.getvalue()

    first = await session("teacher: /debate start format:quick\n"
                          "#lobby teacher: /debate start format:quick\n"
                          "#lobby teacher: /debate next\n"
                          "#lobby teacher: /debate pause\n"
                          '#poll teacher: /poll create question:"Trip?" options:"Zoo|Aquarium"\n'
                          '#poll teacher: /poll create question:"Lunch?" options:"Rice|Bread" closes:10m\n')
    assert "Still open" not in first  # a fresh database: nothing to say
    clock.advance(30)
    second = await session("teacher: /debate start format:quick\n")
    lines = second.splitlines()
    assert lines[0] == ("[09:00:30] #main bot: Still open on this database: "
                        "debate #1 in #main (Pre-vote, 1:30 left) · "
                        "debate #2 in #lobby (Pro speech, paused with 3:00 left) · "
                        "poll #1 in #poll (open until closed) · poll #2 in #poll (closes in 9:30).")
    assert "To start afresh: /debate end and /poll close id:<N>, or another database" in lines[1]
    assert "make reset" in lines[1]
    assert "Debate #1 is already running in this channel" in second  # what the note warns of


# --- the console's own words, in the channel's language --------------------------------------


async def test_the_consoles_own_lines_follow_the_channels_language(console, tmp_path):
    app, out, _ = console
    for line in ("teacher: /debate start format:quick", "teacher: /debate language ja",
                 "alice: /debate join side:pro", "alice: /debate join side:pro",
                 "teacher: /debate results chart:yes"):
        await app.handle_line(line)
    text = out.getvalue()
    assert "（alice さんにだけ表示されます）" in text
    assert "(only teacher sees this)" in text  # before the switch, in English
    assert "に保存しました" in text  # the chart's file


# --- natural forms on the console ----------------------------------------------------------


async def test_natural_forms_of_mod_and_a_ranked_ballot_with_arrows(console):
    app, out, _ = console
    app.core.charts = None
    for line in ("teacher: /mod warn bob", "teacher: /mod filter add zorb",
                 "teacher: /debate start format:quick", "bob: /debate join side:pro", "teacher: /debate next",
                 "bob: /speak zorb is fine",
                 'teacher: /poll create question:"Trip?" options:"Aquarium|Museum|Zoo" mode:ranked',
                 "v1: /poll vote id:1 Zoo > Aquarium"):
        await app.handle_line(line)
    text = out.getvalue()
    assert "bob is warned: 1 active strike." in text
    assert "Your text contains 'zorb'" in text
    assert "Your vote on poll #1: 1. Zoo · 2. Aquarium." in text
