"""`python -m bot` refusing to start: one line on stderr saying what to do, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=base | env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_postgresql_server_that_is_down_is_one_line_at_start(tmp_path):
    port = free_port()
    done = start(tmp_path, BOT_DATABASE=f"postgresql://bot:hunter2@127.0.0.1:{port}/debates", BOT_SECRET="k" * 32)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"debate-bot cannot start: cannot reach the PostgreSQL server at 127.0.0.1:{port}/debates: "
        "connection refused (is it running?)"]


def test_a_postgresql_database_needs_the_shared_secret(tmp_path):
    done = start(tmp_path, BOT_DATABASE="postgresql://127.0.0.1:5432/debates")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("debate-bot cannot start: BOT_SECRET is required with a PostgreSQL BOT_DATABASE")
    assert list(tmp_path.iterdir()) == []  # no key file written anywhere
