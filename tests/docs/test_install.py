"""`pip install .` gives a `debate-bot` command that works from any folder, and the lock covers
what pyproject.toml asks for.

The install test copies the package's sources (as a fresh clone has them) into a temporary
folder, installs them non-editable, without dependencies, into a throw-away venv that sees the
project venv's packages through a `.pth` line (that line adds the folder only: the checkout's
editable hook in it is not run, so `bot` can only come from the new install), and runs the
command from an empty folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "cogs", "prompts")


def venv_with_the_project_packages(where: Path) -> Path:
    """A venv without pip whose site-packages also reads this venv's site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "project-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a venv with debate-bot installed from a copy of the sources."""
    tmp = tmp_path_factory.mktemp("install")
    clone = tmp / "clone"
    clone.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=ignore)
        else:
            shutil.copy2(source, clone / name)
    python = venv_with_the_project_packages(tmp / "venv")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", str(clone)],
                   check=True, capture_output=True, text=True, timeout=300)
    shutil.rmtree(clone)  # nothing may lean on the sources once installed
    return tmp / "venv" / "bin"


def run_elsewhere(command: list[str], folder: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "BOT_WEB_PORT": "0"}  # any free port
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.slow
def test_the_installed_command_runs_a_console_session_from_any_folder(installed, tmp_path):
    elsewhere = tmp_path / "anywhere"
    elsewhere.mkdir()
    done = run_elsewhere([str(installed / "debate-bot")], elsewhere, input="teacher: /motions\n")
    assert done.returncode == 0, done.stderr
    # the shipped library answered: the default motion's title, from the installed catalog
    assert "Identity checks for every mask sale" in done.stdout
    assert (elsewhere / "debate-bot.db").exists()  # the default database is in the folder it runs in


@pytest.mark.slow
def test_the_installed_package_carries_the_library_as_package_data(installed, tmp_path):
    done = run_elsewhere([str(installed / "python"), "-c",
                          "import bot, bot.prompt_folder as l; print(bot.__file__); print(l.PROMPTS_DIR)"], tmp_path)
    assert done.returncode == 0, done.stderr
    package, prompts = (Path(line) for line in done.stdout.splitlines())
    venv = installed.parent
    assert venv in package.parents, "bot was imported from the checkout, not from the install"
    assert prompts == package.parent / "prompts"
    shipped = sorted(p.relative_to(ROOT / "prompts") for p in (ROOT / "prompts").rglob("*") if p.is_file())
    assert sorted(p.relative_to(prompts) for p in prompts.rglob("*") if p.is_file()) == shipped


@pytest.mark.slow
def test_every_data_file_beside_the_code_is_installed(installed):
    """Files the code reads beside itself (the stores' migrations, …) travel with it."""
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    for package in ("bot", "cogs"):
        data = [p for p in (ROOT / package).rglob("*")
                if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
        missing = [str(p.relative_to(ROOT)) for p in data if not (site / p.relative_to(ROOT)).is_file()]
        assert not missing, f"not installed (add the suffix to DATA_SUFFIXES in setup.py): {missing}"


@pytest.mark.slow
def test_the_installed_command_answers_help(installed, tmp_path):
    done = run_elsewhere([str(installed / "debate-bot"), "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--as" in done.stdout


def locked() -> dict[str, list[str]]:
    """Name → the versions pinned in requirements.lock (two when a marker forks them)."""
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line):
            pins.setdefault(normalise(m[1]), []).append(m[2])
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def test_every_requirement_is_locked_with_hashes():
    pins = locked()
    for requirement in requirements():
        name = normalise(re.match(r"[A-Za-z0-9._-]+", requirement)[0])
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: run make lock"
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z])", text.split("\n", 3)[-1]):
        if re.match(r"[A-Za-z]", block):
            assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"


PLATFORM_SDKS = ("discord.py", "slack-bolt", "slack-sdk")


def test_the_platform_sdks_stop_below_their_next_major_version():
    for requirement in requirements():
        name = re.match(r"[A-Za-z0-9._-]+", requirement)[0]
        if name in PLATFORM_SDKS:
            low = re.search(r">=(\d+)", requirement)
            high = re.search(r"<(\d+)\b", requirement)
            assert low and high and int(high[1]) == int(low[1]) + 1, requirement
