"""SIGTERM (systemd, a container runtime) stops the bot as Ctrl-C does: exit 0, no traceback,
the store closed with what it was given, even while the console waits for a line."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys


def test_sigterm_while_the_console_waits_for_input_stops_cleanly(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path,
                            env=base | {"BOT_DATABASE": "bot.db", "BOT_WEB_PORT": "0"},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Web: ")  # up and listening
        proc.stdin.write("teacher: /debate start\n")
        proc.stdin.flush()
        while "/debate join" not in proc.stdout.readline():  # the debate's opening card
            pass
        # stdin stays open: the console is waiting for a line that never comes
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    with sqlite3.connect(tmp_path / "bot.db") as db:  # the debate it opened was stored
        assert db.execute("SELECT count(*) FROM debates").fetchone() == (1,)
