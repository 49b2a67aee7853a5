"""Settings: what they mean, what they refuse (one line naming the setting), and .env.example."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.prompt_folder import PROMPTS_DIR
from bot.settings import Settings, SettingsError, load_settings, settings_problem

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


def refusal(**values: str) -> str:
    """The one line `python -m bot` prints for these settings."""
    with pytest.raises(ValidationError) as refused:
        settings(**values)
    line = settings_problem(refused.value)
    assert "\n" not in line
    return line


def test_without_either_the_bot_is_not_sharded() -> None:
    assert settings().discord_shard_ids is None


def test_a_count_without_shards_runs_all_shards() -> None:
    assert settings(DISCORD_SHARD_COUNT="4").discord_shard_ids == [0, 1, 2, 3]
    assert settings(DISCORD_SHARD_COUNT="4", DISCORD_SHARDS="").discord_shard_ids == [0, 1, 2, 3]
    assert settings(DISCORD_SHARD_COUNT="1").discord_shard_ids == [0]


@pytest.mark.parametrize(("shards", "ids"), [
    ("0-3", [0, 1, 2, 3]),
    ("4-7", [4, 5, 6, 7]),
    ("0,2", [0, 2]),
    ("5", [5]),
    (" 2 - 3 ", [2, 3]),
    ("6,0-1", [0, 1, 6]),
    ("1,1", [1]),
])
def test_a_range_a_list_or_one_shard(shards: str, ids: list[int]) -> None:
    assert settings(DISCORD_SHARD_COUNT="8", DISCORD_SHARDS=shards).discord_shard_ids == ids


def test_environment_variables_are_read(monkeypatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "6")
    monkeypatch.setenv("DISCORD_SHARDS", "3-5")
    s = Settings(_env_file=None)
    assert (s.discord_shard_count, s.discord_shard_ids) == (6, [3, 4, 5])


@pytest.mark.parametrize("shards", ["3-1", "a", "0-", "-1", "1..2", "0;1", "0-1-2", "²"])
def test_a_bad_range_is_refused_naming_the_setting(shards: str) -> None:
    line = refusal(DISCORD_SHARD_COUNT="4", DISCORD_SHARDS=shards)
    assert line.startswith(f"DISCORD_SHARDS={shards.strip()}")


def test_a_reversed_range_says_which_way_round() -> None:
    assert "from low to high, like 1-3" in refusal(DISCORD_SHARD_COUNT="4", DISCORD_SHARDS="3-1")


def test_shards_outside_the_count_are_refused() -> None:
    assert refusal(DISCORD_SHARD_COUNT="4", DISCORD_SHARDS="2-4") == (
        "DISCORD_SHARDS=2-4 names shard 4, but DISCORD_SHARD_COUNT=4 has shards 0-3")
    assert refusal(DISCORD_SHARD_COUNT="1", DISCORD_SHARDS="1") == (
        "DISCORD_SHARDS=1 names shard 1, but DISCORD_SHARD_COUNT=1 has only shard 0")


def test_shards_without_a_count_are_refused() -> None:
    line = refusal(DISCORD_SHARDS="0-1")
    assert line == "DISCORD_SHARDS=0-1 needs DISCORD_SHARD_COUNT, the number of shards in all"


@pytest.mark.parametrize("count", ["0", "-2", "two"])
def test_a_count_below_one_or_not_a_number_is_refused(count: str) -> None:
    assert refusal(DISCORD_SHARD_COUNT=count).startswith(f"DISCORD_SHARD_COUNT={count}: ")


def test_the_example_lines_are_valid_when_uncommented(tmp_path: Path) -> None:
    lines = [line.removeprefix("# ") for line in ENV_EXAMPLE.read_text().splitlines()
             if line.startswith(("# DISCORD_SHARD_COUNT=", "# DISCORD_SHARDS="))]
    assert len(lines) == 2
    env = tmp_path / ".env"
    env.write_text("\n".join(lines) + "\n")
    s = Settings(_env_file=env)
    assert s.discord_shard_count is not None and s.discord_shard_ids


def example_lines() -> list[str]:
    """Every setting line of .env.example, commented out or not, as it reads when un-commented."""
    lines = [line.removeprefix("# ") for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if re.match(r"[A-Z][A-Z0-9_]*=", line)]


def test_the_example_names_every_setting() -> None:
    named = {line.partition("=")[0] for line in example_lines()}
    fields = {str(f.validation_alias) for f in Settings.model_fields.values()}
    assert named == fields


NEEDS = {"DISCORD_SHARDS": "DISCORD_SHARD_COUNT"}  # a line that means something only with another


@pytest.mark.parametrize("line", example_lines())
def test_every_example_line_is_valid_alone_when_uncommented(tmp_path: Path, line: str) -> None:
    env = tmp_path / ".env"
    env.write_text(line + "\n", encoding="utf-8")
    name = line.partition("=")[0]
    if name not in NEEDS:
        Settings(_env_file=env)  # raises on a refused value
        return
    with pytest.raises(ValidationError) as refused:  # it says which line to un-comment with it
        Settings(_env_file=env)
    assert f"needs {NEEDS[name]}" in settings_problem(refused.value)
    [partner] = [other for other in example_lines() if other.startswith(NEEDS[name] + "=")]
    env.write_text(f"{partner}\n{line}\n", encoding="utf-8")
    Settings(_env_file=env)


def test_all_the_example_lines_together_are_valid(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("\n".join(example_lines()) + "\n", encoding="utf-8")
    s = Settings(_env_file=env)
    assert s.platforms == ["console"]  # the token lines are empty: nothing tries to connect
    assert s.timezone == ZoneInfo("Asia/Tokyo")


def test_an_empty_value_is_the_default(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_GUILD_ID=      # a comment\nBOT_PROMPTS=\nSLACK_PORT=\nBOT_TIMEZONE=\n", encoding="utf-8")
    s = Settings(_env_file=env)
    assert (s.discord_guild_id, s.bot_prompts, s.slack_port, s.timezone) == (None, PROMPTS_DIR, None, ZoneInfo("UTC"))


@pytest.mark.parametrize(("values", "line"), [
    ({"DISCORD_GUILD_ID": "my server"}, "DISCORD_GUILD_ID=my server is not a server id: it is a number like"),
    ({"DISCORD_GUILD_ID": "12e3"}, "DISCORD_GUILD_ID=12e3 is not a server id"),
    ({"SLACK_PORT": "http"}, "SLACK_PORT=http is not a port number: write one from 0 (any free port) to 65535"),
    ({"SLACK_PORT": "70000"}, "SLACK_PORT=70000 is not a port number"),
    ({"BOT_LOG_LEVEL": "verbose"}, "BOT_LOG_LEVEL=verbose is not a log level: write one of DEBUG, INFO, WARNING"),
    ({"BOT_TIMEZONE": "JST"}, "BOT_TIMEZONE=JST is not a time zone: write a name like Asia/Tokyo"),
    ({"BOT_TIMEZONE": "../../etc/passwd"}, "BOT_TIMEZONE=../../etc/passwd is not a time zone"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"),
    ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not"),
])
def test_a_bad_or_missing_setting_is_one_line_naming_it(values: dict[str, str], line: str) -> None:
    assert refusal(**values).startswith(line)


def test_good_values_are_taken() -> None:
    s = settings(DISCORD_GUILD_ID=" 123 ", SLACK_PORT="0", BOT_LOG_LEVEL="debug", BOT_TIMEZONE="utc")
    assert (s.discord_guild_id, s.slack_port, s.bot_log_level, s.timezone) == (123, 0, "DEBUG", ZoneInfo("UTC"))
    assert settings(BOT_TIMEZONE="Asia/Tokyo").timezone == ZoneInfo("Asia/Tokyo")


def test_load_settings_turns_a_refusal_into_one_settings_error(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_PORT", "x")
    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None)
    assert str(refused.value) == ("BOT_TIMEZONE=Mars/Olympus is not a time zone: write a name like Asia/Tokyo, "
                                  "Europe/London or UTC; SLACK_PORT=x is not a port number: write one from 0 "
                                  "(any free port) to 65535, like 3000")


def test_the_web_listener_has_a_documented_default_port(monkeypatch):
    """The bot's web listener (the classroom screen, /healthz) starts with every adapter: on 8000
    unless BOT_WEB_PORT says otherwise (0: any free port)."""
    from bot.settings import Settings

    monkeypatch.delenv("BOT_WEB_PORT", raising=False)
    assert Settings(_env_file=None).bot_web_port == 8000
    monkeypatch.setenv("BOT_WEB_PORT", "0")
    assert Settings(_env_file=None).bot_web_port == 0
