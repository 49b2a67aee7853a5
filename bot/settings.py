"""Settings from the environment or `.env`, read once at the entry point."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.kernel.timefmt import zone_named
from bot.prompt_folder import PROMPTS_DIR
from bot.storage import is_postgres

log = logging.getLogger(__name__)


class SettingsError(Exception):
    """The settings cannot work together; the message is one line saying what to set."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
WEB_PORT = 8000  # BOT_WEB_PORT unless set: the classroom screen and /healthz


def _port_text(name: str, value: object, example: str) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdecimal()) or int(text) > 65535:
        raise ValueError(f"{name}={value} is not a port number: write one from 0 (any free port) to 65535, like {example}")
    return text


class Settings(BaseSettings):
    # An empty value (`DISCORD_GUILD_ID=` as .env.example has it) means the setting is not set.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    bot_database: str = Field("debate-bot.db", validation_alias="BOT_DATABASE")
    bot_export_dir: Path = Field(Path("exports"), validation_alias="BOT_EXPORT_DIR")
    bot_moderators: str = Field("teacher", validation_alias="BOT_MODERATORS")
    bot_secret: SecretStr | None = Field(None, validation_alias="BOT_SECRET", repr=False)
    bot_prompts: Path = Field(PROMPTS_DIR, validation_alias="BOT_PROMPTS")
    bot_log_level: str = Field("WARNING", validation_alias="BOT_LOG_LEVEL")
    bot_timezone: str = Field("UTC", validation_alias="BOT_TIMEZONE")

    # the bot's own web listener (the classroom screen, GET /healthz), with every adapter; 0: any free port
    bot_web_host: str = Field("127.0.0.1", validation_alias="BOT_WEB_HOST")
    bot_web_port: int = Field(WEB_PORT, validation_alias="BOT_WEB_PORT")
    bot_public_url: str | None = Field(None, validation_alias="BOT_PUBLIC_URL")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN", repr=False)
    discord_guild_id: int | None = Field(None, validation_alias="DISCORD_GUILD_ID")
    discord_shard_count: int | None = Field(None, validation_alias="DISCORD_SHARD_COUNT", ge=1)
    discord_shards: str | None = Field(None, validation_alias="DISCORD_SHARDS")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN", repr=False)
    # Slack's HTTP routes on a listener of their own; unset: on the bot's web listener (BOT_WEB_PORT)
    slack_port: int | None = Field(None, validation_alias="SLACK_PORT")
    slack_host: str = Field("127.0.0.1", validation_alias="SLACK_HOST")
    # the Web API's base URL: Slack's own unless set (GovSlack's https://slack-gov.com/api/, a proxy)
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    slack_moderators: str = Field("", validation_alias="SLACK_MODERATORS")
    # many workspaces (OAuth install) instead of one SLACK_BOT_TOKEN
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, validation_alias="SLACK_CLIENT_SECRET", repr=False)
    slack_install_url_base: str | None = Field(None, validation_alias="SLACK_INSTALL_URL_BASE")

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _check_guild_id(cls, value: object) -> object:
        if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdecimal()):
            raise ValueError(f"DISCORD_GUILD_ID={value} is not a server id: it is a number like 123456789012345678 "
                             "(in Discord, turn on Developer Mode, then right-click the server → Copy Server ID)")
        return value.strip() if isinstance(value, str) else value

    @field_validator("slack_port", mode="before")
    @classmethod
    def _check_port(cls, value: object) -> object:
        return None if value is None else _port_text("SLACK_PORT", value, "3000")

    @field_validator("bot_web_port", mode="before")
    @classmethod
    def _check_web_port(cls, value: object) -> object:
        return _port_text("BOT_WEB_PORT", value, str(WEB_PORT))

    @field_validator("bot_log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"BOT_LOG_LEVEL={value} is not a log level: write one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if zone_named(value) is None:
            raise ValueError(f"BOT_TIMEZONE={value} is not a time zone: write a name like Asia/Tokyo, "
                             "Europe/London or UTC")
        return value.strip()

    @model_validator(mode="after")
    def _check_together(self) -> Settings:
        parse_shards(self.discord_shards, self.discord_shard_count)  # a bad range stops the start
        if self.slack_client_id or _secret_set(self.slack_client_secret):
            _check_oauth(self)
        elif not _secret_set(self.slack_bot_token):
            for name, value in (("SLACK_APP_TOKEN", self.slack_app_token),
                                ("SLACK_SIGNING_SECRET", self.slack_signing_secret)):
                if _secret_set(value):
                    raise ValueError(f"{name} is set but SLACK_BOT_TOKEN is not: Slack needs the bot token "
                                     "(xoxb-…, from OAuth & Permissions) as well, or SLACK_CLIENT_ID and "
                                     "SLACK_CLIENT_SECRET to be installed in many workspaces")
        return self

    @property
    def timezone(self) -> ZoneInfo:
        """BOT_TIMEZONE: the zone times are shown in where a channel has not chosen its own."""
        zone = zone_named(self.bot_timezone)
        assert zone is not None  # checked above
        return zone

    @property
    def discord_shard_ids(self) -> list[int] | None:
        """The shards this process runs (DISCORD_SHARDS, or all of DISCORD_SHARD_COUNT);
        None when the bot is not sharded."""
        return parse_shards(self.discord_shards, self.discord_shard_count)

    @property
    def moderators(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.bot_moderators.split(",") if n.strip())

    @property
    def slack_moderator_ids(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.slack_moderators.split(",") if n.strip())

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead of SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id) and _secret_set(self.slack_client_secret)

    @property
    def slack_redirect_uri(self) -> str | None:
        """Where Slack sends the installer back: SLACK_INSTALL_URL_BASE (else BOT_PUBLIC_URL) and
        /slack/oauth_redirect; None leaves it to the one Redirect URL of the Slack app."""
        base = (self.slack_install_url_base or self.bot_public_url or "").strip().rstrip("/")
        return f"{base}/slack/oauth_redirect" if base else None

    @property
    def platforms(self) -> list[str]:
        found = []
        if self.discord_token:
            found.append("discord")
        if self.slack_bot_token or self.slack_oauth:
            found.append("slack")
        return found or ["console"]


def _check_oauth(settings: Settings) -> None:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (many workspaces) go together, over HTTP, alone."""
    if not settings.slack_client_id or not _secret_set(settings.slack_client_secret):
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise ValueError(f"{missing} is not set: installing in many workspaces needs both SLACK_CLIENT_ID and "
                         "SLACK_CLIENT_SECRET (Basic Information → App Credentials of the Slack app)")
    if _secret_set(settings.slack_bot_token):
        raise ValueError("SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: keep SLACK_BOT_TOKEN for one workspace, "
                         "or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for many, not both")
    if _secret_set(settings.slack_app_token):
        raise ValueError("SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: installing in many workspaces runs over HTTP "
                         "(SLACK_SIGNING_SECRET), not Socket Mode; unset SLACK_APP_TOKEN")
    if not _secret_set(settings.slack_signing_secret):
        raise ValueError("SLACK_CLIENT_ID is set but SLACK_SIGNING_SECRET is not: Slack's requests to a bot in many "
                         "workspaces are checked with the Signing Secret (Basic Information → App Credentials)")
    base = (settings.slack_install_url_base or "").strip()
    if base and not base.startswith(("https://", "http://")):
        raise ValueError(f"SLACK_INSTALL_URL_BASE={base} is not a web address: write it like https://debate-bot.example.org")


def _secret_set(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value().strip())


def load_settings(**values: Any) -> Settings:
    """The settings from the environment and `.env`.

    Raises:
        SettingsError: a setting is refused; the message names it and says what is wrong.
    """
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(settings_problem(exc)) from None


def settings_problem(exc: ValidationError) -> str:
    """A refused setting as one line that names it: `DISCORD_SHARD_COUNT=0: Input should be …`."""
    problems = []
    for error in exc.errors():
        if "error" in error.get("ctx", {}):  # a validator's own ValueError names its setting
            problems.append(str(error["ctx"]["error"]))
            continue
        name = ".".join(str(part) for part in error["loc"])
        value = error.get("input")
        problems.append(f"{name}={value}: {error['msg']}" if isinstance(value, str) else f"{name}: {error['msg']}")
    return "; ".join(problems)


def parse_shards(text: str | None, count: int | None) -> list[int] | None:
    """DISCORD_SHARDS (`0-3`, `0,2`, `1`, or a mix like `0-1,4`) of DISCORD_SHARD_COUNT shards,
    sorted; all of them when DISCORD_SHARDS is empty; None when neither is set (not sharded).
    A ValueError naming the setting for anything else."""
    text = (text or "").strip()
    if not text:
        return list(range(count)) if count is not None else None
    if count is None:
        raise ValueError(f"DISCORD_SHARDS={text} needs DISCORD_SHARD_COUNT, the number of shards in all")
    shards: set[int] = set()
    for item in text.split(","):
        low, dash, high = (part.strip() for part in item.partition("-"))
        if not (low.isascii() and low.isdecimal()) or (dash and not (high.isascii() and high.isdecimal())):
            raise ValueError(f"DISCORD_SHARDS={text} is not a shard range: write it like 0-3, 0,2 or 1")
        first, last = int(low), int(high if dash else low)
        if first > last:
            raise ValueError(f"DISCORD_SHARDS={text}: a range goes from low to high, like {last}-{first}")
        if last >= count:
            has = f"shards 0-{count - 1}" if count > 1 else "only shard 0"
            raise ValueError(f"DISCORD_SHARDS={text} names shard {last}, but DISCORD_SHARD_COUNT={count} has {has}")
        shards.update(range(first, last + 1))
    return sorted(shards)


def load_secret(settings: Settings) -> bytes:
    """BOT_SECRET, or a key generated on first start into a file beside the database (mode 600).

    Raises:
        SettingsError: a PostgreSQL database without BOT_SECRET (several processes must share
            one key, and there is no file beside the database to keep it in).
    """
    if settings.bot_secret is not None and settings.bot_secret.get_secret_value():
        return settings.bot_secret.get_secret_value().encode()
    if is_postgres(settings.bot_database):
        # no file beside a server's database, and every process must hash voters alike
        raise SettingsError("BOT_SECRET is required with a PostgreSQL BOT_DATABASE: give every process the same "
                            "one (for example the output of: python -c 'import secrets; print(secrets.token_hex(32))')")
    if settings.bot_database == ":memory:":
        return secrets.token_bytes(32)
    path = Path(f"{settings.bot_database}.secret")
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    log.info("generated a new voter-hash key beside the database")
    return key
