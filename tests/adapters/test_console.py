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


async def test_the_console_port_keeps_nothing_it_posted(tmp_path):
    """Cards, result charts above all, are printed (and saved) and then forgotten."""
    from bot.adapters.console.adapter import ConsolePort, room
    from bot.core.cards import Attachment, Card
    from bot.core.i18n import Catalog
    from bot.core.library import PROMPTS_DIR
    from bot.core.ports import FakeClock

    port = ConsolePort(io.StringIO(), FakeClock(), Catalog.load(PROMPTS_DIR / "locales"), tmp_path)
    card = Card("result", title="Result", attachment=Attachment("debate-1.png", b"\x89PNG" + bytes(100_000), "image/png"))
    posted = weakref.ref(card)
    await port.post(room(), card)
    await port.edit(room(), "1", card)
    del card
    gc.collect()
    assert posted() is None
    assert (tmp_path / "debate-1.png").stat().st_size == 100_004
