"""Settings: DISCORD_SHARD_COUNT and DISCORD_SHARDS, what they mean and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.__main__ import settings_problem
from bot.settings import Settings

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
