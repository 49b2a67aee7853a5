"""Loading and validating prompts/: every shipped file loads; broken files are refused precisely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.library.loader import (
    LibraryError,
    load_format,
    load_library,
    load_motion,
)
from bot.prompt_folder import PROMPTS_DIR, PromptFolder

ROOT = Path(__file__).resolve().parents[3]


def test_every_shipped_file_loads():
    lib = load_library(PromptFolder(PROMPTS_DIR))
    assert len(lib.motions) >= 8
    assert set(lib.formats) >= {"classroom", "oxford", "lincoln-douglas", "quick", "async"}
    assert lib.default_motion.id == "id-checks"
    for motion in lib.motions.values():
        for lang in ("en", "ja"):
            text = motion.text(lang)
            assert len(text.pro) >= 4 and len(text.con) >= 4
            assert all(e.source and e.link.startswith("https://") for e in text.evidence)


def test_quick_is_a_ten_minute_debate():
    quick = load_library(PromptFolder(PROMPTS_DIR)).formats["quick"]
    assert [(p.kind.value, p.side.value, p.seconds) for p in quick.phases] == [
        ("pre_vote", "both", 120), ("speech", "pro", 180), ("speech", "con", 180), ("post_vote", "both", 120)]


def copy_of(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(PROMPTS_DIR / ("formats" if "quick" in name else "motions") / name, path)
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('kind = "speech"', 'kind = "monologue"', "phases[1].kind"),
        ("seconds = 180", "seconds = -5", "phases[1].seconds"),
        ('side = "pro"', 'side = "both"', "phases[1].side"),
        ('id = "quick"', 'id = "fast"', "id"),
        ('ja = "賛成側スピーチ"', "", "phases[1].name.ja"),
    ],
)
def test_a_broken_format_names_file_field_and_reason(tmp_path, old, new, field):
    path = copy_of(tmp_path, "quick.toml")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_format(path.name, path.read_bytes())
    assert err.value.field == field
    assert str(err.value).startswith(f"quick.toml: {field}: ")


def test_a_format_must_open_and_close_with_the_votes(tmp_path):
    path = copy_of(tmp_path, "quick.toml")
    text = path.read_text(encoding="utf-8").replace('kind = "post_vote"', 'kind = "speech"\n', 1)
    path.write_text(text.replace('id = "post_vote"', 'id = "closing"'), encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_format(path.name, path.read_bytes())
    assert err.value.field.startswith("phases")


def test_a_motion_without_japanese_or_points_is_refused(tmp_path):
    path = copy_of(tmp_path, "id-checks.toml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[ja]")], encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_motion(path.name, path.read_bytes())
    assert err.value.field == "ja"


def test_not_toml_at_all(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = [unclosed", encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_motion(path.name, path.read_bytes())
    assert "not valid TOML" in err.value.reason


def test_the_bot_refuses_to_start_on_a_broken_library(tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    quick = prompts / "formats" / "quick.toml"
    quick.write_text(quick.read_text(encoding="utf-8").replace("seconds = 180", "seconds = 0", 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
    env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
    env.update(BOT_DATABASE=str(tmp_path / "x.db"), BOT_PROMPTS=str(prompts), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot"], input="", capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "quick.toml: phases[1].seconds: must be a whole number >= 1" in proc.stderr
    assert "Traceback" not in proc.stderr
