"""Opening the SQLite store: one clear line for every way it can fail, and nothing left hanging."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from bot.storage import StoreError, open_store
from bot.storage.sqlite import SqliteStore
from bot.storage.sqlite_connection import MIGRATIONS


async def test_a_database_in_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="folder .* does not exist"):
        await SqliteStore.open(tmp_path / "nowhere" / "bot.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
async def test_a_read_only_file_is_one_clear_error(tmp_path):
    path = tmp_path / "ro.db"
    store = await SqliteStore.open(path)
    await store.close()
    path.chmod(stat.S_IRUSR)
    with pytest.raises(StoreError, match="cannot open the database"):
        await SqliteStore.open(path)


def test_a_file_that_cannot_be_opened_ends_the_process_with_one_line(tmp_path):
    """The open fails after aiosqlite has started its thread (as on a read-only filesystem): the
    connection is closed, so the process exits at once instead of hanging."""
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database file" * 100)
    done = _run_bot(tmp_path, path)
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("debate-bot cannot start: cannot open the database")


async def test_a_second_process_on_the_same_file_is_refused(tmp_path):
    path = tmp_path / "one.db"
    store = await SqliteStore.open(path)
    try:
        code = (
            "import asyncio, sys\n"
            "from bot.storage.sqlite import SqliteStore\n"
            "from bot.storage.errors import StoreError\n"
            "try:\n"
            f"    asyncio.run(SqliteStore.open({str(path)!r}))\n"
            "except StoreError as exc:\n"
            "    print(exc); sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 3, done.stderr
        assert "another debate-bot process is using" in done.stdout
    finally:
        await store.close()
    again = await SqliteStore.open(path)  # closed: the next process may have it
    await again.close()


async def test_the_database_file_is_private_to_its_owner(tmp_path):
    path = tmp_path / "private.db"
    store = await SqliteStore.open(path)
    await store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_database_from_a_newer_version_is_refused_with_both_versions(tmp_path):
    path = tmp_path / "new.db"
    newest = max(int(p.name[:3]) for p in MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {newest + 7}")
    conn.close()
    with pytest.raises(StoreError, match=f"schema version {newest + 7}.*up to {newest}"):
        await SqliteStore.open(path)
    again_lockable = await SqliteStore.open(tmp_path / "other.db")  # the refused open let its lock go
    await again_lockable.close()


async def test_an_unknown_scheme_is_refused(tmp_path):
    with pytest.raises(StoreError, match="unknown scheme 'mysql'"):
        await open_store("mysql://localhost/db")


def _run_bot(tmp_path, database) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_", "SLACK_"))}
    env["BOT_DATABASE"] = str(database)
    env["BOT_SECRET"] = "k" * 32
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    return subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True, timeout=60, env=env,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_the_entry_point_says_what_is_wrong_in_one_line_and_exits_2(tmp_path):
    done = _run_bot(tmp_path, tmp_path / "missing" / "bot.db")
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line.startswith("debate-bot cannot start:") and "does not exist" in line



def test_debug_logging_never_writes_what_users_typed(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DISCORD_", "SLACK_"))}
    env.update(BOT_DATABASE=str(tmp_path / "bot.db"), BOT_SECRET="k" * 32, BOT_LOG_LEVEL="DEBUG", BOT_WEB_PORT="0")
    script = "teacher: /debate start format:quick motion:\"This house would ban zorbmasks\"\n"
    done = subprocess.run([sys.executable, "-m", "bot"], input=script, capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "zorbmasks" in done.stdout  # the debate started
    assert "zorbmasks" not in done.stderr  # and no SQL parameter reached the log
