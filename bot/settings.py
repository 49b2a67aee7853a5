"""Settings from the environment or `.env`, read once at the entry point."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.library import PROMPTS_DIR
from bot.storage import is_postgres

log = logging.getLogger(__name__)


class SettingsError(Exception):
    """The settings cannot work together; the message is one line saying what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_database: str = Field("debate-bot.db", validation_alias="BOT_DATABASE")
    bot_export_dir: Path = Field(Path("exports"), validation_alias="BOT_EXPORT_DIR")
    bot_moderators: str = Field("teacher", validation_alias="BOT_MODERATORS")
    bot_secret: SecretStr | None = Field(None, validation_alias="BOT_SECRET", repr=False)
    bot_prompts: Path = Field(PROMPTS_DIR, validation_alias="BOT_PROMPTS")
    bot_log_level: str = Field("WARNING", validation_alias="BOT_LOG_LEVEL")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN", repr=False)
    discord_guild_id: int | None = Field(None, validation_alias="DISCORD_GUILD_ID")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN", repr=False)
    slack_port: int = Field(3000, validation_alias="SLACK_PORT")
    slack_host: str = Field("127.0.0.1", validation_alias="SLACK_HOST")
    slack_moderators: str = Field("", validation_alias="SLACK_MODERATORS")

    @property
    def moderators(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.bot_moderators.split(",") if n.strip())

    @property
    def slack_moderator_ids(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.slack_moderators.split(",") if n.strip())

    @property
    def platforms(self) -> list[str]:
        found = []
        if self.discord_token:
            found.append("discord")
        if self.slack_bot_token:
            found.append("slack")
        return found or ["console"]


def load_secret(settings: Settings) -> bytes:
    """BOT_SECRET, or a key generated on first start into a file beside the database (mode 600).

    Raises:
        SettingsError: a PostgreSQL database and no BOT_SECRET.
    """
    if settings.bot_secret is not None and settings.bot_secret.get_secret_value():
        return settings.bot_secret.get_secret_value().encode()
    if settings.bot_database == ":memory:":
        return secrets.token_bytes(32)
    if is_postgres(settings.bot_database):
        # no file beside a server's database, and every process must hash voters alike
        raise SettingsError("BOT_SECRET is required with a PostgreSQL BOT_DATABASE: give every process the same "
                            "one (for example the output of: python -c 'import secrets; print(secrets.token_hex(32))')")
    path = Path(f"{settings.bot_database}.secret")
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    log.info("generated a new voter-hash key beside the database")
    return key
