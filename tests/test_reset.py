"""`make reset`: deletes the SQLite database and what lives beside it, only after a typed yes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.reset import reset
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def files(tmp_path: Path) -> list[Path]:
    db = tmp_path / "debate-bot.db"
    made = [db, *(Path(f"{db}{side}") for side in ("-wal", "-shm", ".secret"))]
    for f in made:
        f.write_bytes(b"x")
    return made


def settings(database: str | Path) -> Settings:
    return Settings(_env_file=None, BOT_DATABASE=str(database))


@pytest.mark.parametrize("answer", ["", "no\n", "y\n", "yes please\n"])
def test_anything_but_yes_deletes_nothing(tmp_path, answer):
    made = files(tmp_path)
    out = io.StringIO()
    assert reset(settings(made[0]), io.StringIO(answer), out) == 1
    assert all(f.exists() for f in made)
    assert f"This deletes {made[0]}, {made[1]}, {made[2]}, {made[3]} for good" in out.getvalue()
    assert "Nothing deleted (only yes deletes)." in out.getvalue()


def test_yes_deletes_the_database_its_wal_and_its_key(tmp_path):
    made = files(tmp_path)
    (tmp_path / "other.db").write_bytes(b"keep")
    out = io.StringIO()
    assert reset(settings(made[0]), io.StringIO("YES\n"), out) == 0
    assert not any(f.exists() for f in made)
    assert (tmp_path / "other.db").exists()
    assert "The next make run starts afresh." in out.getvalue()


def test_no_database_and_a_postgresql_one_are_refused_without_asking(tmp_path):
    out = io.StringIO()
    assert reset(settings(tmp_path / "none.db"), io.StringIO("yes\n"), out) == 1
    assert "There is no" in out.getvalue() and "Type yes" not in out.getvalue()
    out = io.StringIO()
    url = "postgresql://bot:hunter2@127.0.0.1:5432/debates"
    assert reset(settings(url), io.StringIO("yes\n"), out) == 1
    assert "deletes a SQLite file only" in out.getvalue()
    assert "hunter2" not in out.getvalue()  # the URL, password and all, is never printed


def test_make_reset_asks_and_refuses_without_an_answer(tmp_path):
    made = files(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    env.update(BOT_DATABASE=str(made[0]), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot.reset"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 1 and "Type yes to delete" in proc.stdout
    assert all(f.exists() for f in made)
    proc = subprocess.run([sys.executable, "-m", "bot.reset"], input="yes\n", capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not made[0].exists()
