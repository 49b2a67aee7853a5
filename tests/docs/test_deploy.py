"""The deployment recipes in docs/deploy: both watch GET /healthz on BOT_WEB_PORT, take their
secrets from the environment, and the systemd units are valid.

No Docker engine runs where the tests run, so the compose files are read as text (no YAML
library is a dependency): every secret is a `${…}` reference, never a value.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
COMPOSE = ("compose.yaml", "compose.several.yaml")
UNITS = ("debate-bot.service", "debate-bot-health.service", "debate-bot-health.timer", "debate-bot@.service")
SECRETS = ("POSTGRES_PASSWORD", "BOT_SECRET", "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
           "SLACK_SIGNING_SECRET", "SLACK_CLIENT_SECRET")
# what a real token or key looks like, in any file of the recipe
TOKEN_SHAPES = re.compile(r"xox[abpr]-[0-9A-Za-z-]{6,}|xapp-[0-9A-Za-z-]{6,}|[MN][A-Za-z\d]{23}\.[\w-]{6}\.[\w-]{27}")


def text(name: str) -> str:
    return (DEPLOY / name).read_text(encoding="utf-8")


def settings_lines(name: str) -> list[str]:
    """The YAML lines that are not comments."""
    return [line for line in text(name).splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("name", COMPOSE)
def test_every_bot_service_is_checked_through_healthz_on_the_web_port(name):
    body = "\n".join(settings_lines(name))
    assert "/healthz" in body and "BOT_WEB_PORT" in body
    assert "healthcheck:" in body
    assert "condition: service_healthy" in body  # nothing starts before the database is healthy


@pytest.mark.parametrize("name", COMPOSE)
def test_compose_takes_every_secret_from_the_environment(name):
    for line in settings_lines(name):
        key, _, value = line.strip().partition(":")
        if key in SECRETS:
            assert re.fullmatch(r'\s*"?\$\{' + key + r'(:[?-][^}]*)?\}"?', value), line
        if "postgresql://" in line:
            assert re.search(r"postgresql://\w+:\$\{POSTGRES_PASSWORD\}@", line), line
    assert not TOKEN_SHAPES.search(text(name))


@pytest.mark.parametrize("name", UNITS)
def test_the_units_hold_no_secret_and_read_the_environment_files(name):
    lines = [line for line in text(name).splitlines() if not line.startswith("#")]
    for line in lines:
        assert not re.match(r"Environment=.*\b(" + "|".join(SECRETS) + ")=", line), line
    assert not TOKEN_SHAPES.search(text(name))
    if name.endswith(".service"):
        assert "EnvironmentFile=/etc/debate-bot/settings.env" in lines
        assert ("EnvironmentFile=/etc/debate-bot/secrets.env" in lines) == (name != "debate-bot-health.service")
        assert any("/healthz" in line and "BOT_WEB_PORT" in line for line in lines)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """`systemd-analyze verify` on copies whose ExecStart exists here (the venv does not)."""
    names = []
    for name in UNITS:
        target = name.replace("@.", "@3001.")
        (tmp_path / target).write_text(text(name).replace("/opt/debate-bot/.venv/bin/debate-bot", "/bin/true"),
                                       encoding="utf-8")
        names.append(str(tmp_path / target))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
