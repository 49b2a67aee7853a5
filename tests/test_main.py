"""`python -m bot` refusing to start: one line on stderr saying what to do, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "BOT_WEB_PORT": "0"}
    return subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=base | env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def problems(done: subprocess.CompletedProcess) -> list[str]:
    """stderr without the one line saying where the bot's web listener answers."""
    return [line for line in done.stderr.splitlines() if not line.startswith("Web: ")]


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


def start_offline(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """`python -m bot` whose Discord is a closed local port: a `sitecustomize` on PYTHONPATH moves
    discord.py's API base there before the bot starts (no real network is ever tried)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import discord.http\n"
        f"discord.http.Route.BASE = 'http://127.0.0.1:{free_port()}/api/v10'\n")
    return start(tmp_path, PYTHONPATH=str(hook), **env)


def test_an_unreachable_discord_is_one_line_and_exit_2(tmp_path):
    done = start_offline(tmp_path, DISCORD_TOKEN="a-token", BOT_DATABASE=str(tmp_path / "bot.db"))
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("debate-bot cannot start: DISCORD_TOKEN is set, but Discord cannot be reached at 127.0.0.1:")
    assert "connection refused" in line


def test_a_guild_id_that_is_not_a_number_is_one_line_and_exit_2(tmp_path):
    done = start_offline(tmp_path, DISCORD_TOKEN="a-token", DISCORD_GUILD_ID="my-server")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "debate-bot cannot start: DISCORD_GUILD_ID=my-server is not a server id: it is a number like "
        "123456789012345678 (in Discord, turn on Developer Mode, then right-click the server → Copy Server ID)"]


def test_the_example_guild_line_uncommented_as_it_stands_starts_the_console(tmp_path):
    """`DISCORD_GUILD_ID=      # sync …` from .env.example, un-commented: an empty value is no value."""
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    [line] = [line for line in example.splitlines() if line.startswith("# DISCORD_GUILD_ID=")]
    (tmp_path / ".env").write_text(line.removeprefix("# ") + "\n", encoding="utf-8")
    done = start(tmp_path, BOT_DATABASE=str(tmp_path / "bot.db"))
    assert done.returncode == 0, done.stderr
    assert "running the console adapter" in done.stdout
    assert problems(done) == []


@pytest.mark.parametrize(("name", "value", "starts"), [
    ("BOT_LOG_LEVEL", "LOUD", "BOT_LOG_LEVEL=LOUD is not a log level"),
    ("BOT_TIMEZONE", "Tokio", "BOT_TIMEZONE=Tokio is not a time zone"),
    ("SLACK_APP_TOKEN", "xapp-1", "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"),
])
def test_a_bad_or_missing_setting_is_one_line_naming_it(tmp_path, name, value, starts):
    done = start(tmp_path, **{name: value})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"debate-bot cannot start: {starts}")


def test_a_slack_port_in_use_is_one_line_naming_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = start(tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s3cret", SLACK_PORT=str(port),
                     BOT_DATABASE=str(tmp_path / "bot.db"))
    assert done.returncode == 2
    assert problems(done) == [
        f"debate-bot cannot start: SLACK_HOST=127.0.0.1 SLACK_PORT={port}: cannot listen there: address already "
        "in use (another program on that port? choose another SLACK_PORT)"]


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path):
    """`make run | head -2`: the reader goes away; the bot stops with no traceback."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=base | {"BOT_DATABASE": "bot.db", "BOT_WEB_PORT": "0"},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()  # the start line
    proc.stdout.close()  # the reader is gone before the answers come
    _, err = proc.communicate(b"teacher: /help\n" * 50, timeout=60)
    assert proc.returncode == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
